"""Import filled workbooks into the ledger: check every row, upsert the good ones, keep stage history."""

from __future__ import annotations

import datetime as dt
import getpass
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Connection, Engine, and_, insert, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from ..load import Library
from .check import Known, check_row
from .read import RawSheet, read_file
from .resolve import Resolver
from .schema import activities, projects, stage_history, teams, visits
from .sheets import SHEETS

__all__ = ["ImportSummary", "import_files", "known_from", "record_stage"]

TABLES = {"teams": teams, "activities": activities, "visits": visits, "projects": projects}
_ORDER = ("团队", "活动", "项目", "拜访")  # what later sheets refer to comes first
_RETRIES = 5
_ADVANCE = ("线索", "在谈", "签约", "开工", "投产")
_REFERRED = {"团队": ("teams", "name"), "活动": ("activities", "code"), "项目": ("projects", "code")}


@dataclass
class ImportSummary:
    """Counts per sheet and every problem; ``as_dict()`` is the JSON of ``chainmap ledger import``."""

    sheets: dict[str, dict[str, int]] = field(default_factory=dict)
    problems: list[dict] = field(default_factory=list)  # sheet, row, cell, message (+ file, for the text)
    stored: bool = True

    def count(self, sheet: str, what: str, n: int = 1) -> None:
        row = self.sheets.setdefault(sheet, dict.fromkeys(("rows", "inserted", "updated", "unchanged", "rejected"), 0))
        row[what] += n

    def as_dict(self) -> dict:
        keys = ("sheet", "row", "cell", "message")
        return {"sheets": self.sheets, "problems": [{k: p[k] for k in keys} for p in self.problems]}


def known_from(conn: Connection, lib: Library | None) -> Known:
    """What rows may refer to, as the ledger holds it now."""
    return Known(
        Resolver(lib),
        teams=set(conn.scalars(select(teams.c.name))),
        activities=set(conn.scalars(select(activities.c.code))),
        projects=set(conn.scalars(select(projects.c.code))),
    )


def record_stage(conn: Connection, code: str, old: str | None, new: str, source: str) -> None:
    """Write one stage change of project ``code`` to the history (when, which file or "cli", which user)."""
    record_stages(conn, [(code, old, new)], source)


def record_stages(conn: Connection, changes: list[tuple[str, str | None, str]], source: str) -> None:
    """Write stage changes ``(project, old, new)`` to the history in one statement."""
    if not changes:
        return
    try:
        who = getpass.getuser()
    except Exception:  # no login name (a container, a service)
        who = None
    now = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    rows = [
        {"project": c, "old_stage": o, "new_stage": n, "changed_at": now, "source": source, "by": who}
        for c, o, n in changes
    ]
    conn.execute(insert(stage_history), rows)


class _Writer:
    """Upserts of one sheet: the existing rows read once, new rows inserted in one batch at the end."""

    def __init__(self, conn: Connection, raw: RawSheet, source: str):
        self.conn, self.sheet, self.source = conn, raw.sheet, source
        self.table = TABLES[raw.sheet.table]
        rows = conn.execute(select(self.table)).mappings()
        self.existing = {tuple(r[k] for k in self.sheet.key): r for r in rows}
        self.new: list[dict] = []

    def put(self, rec: dict) -> str:
        values = {c.field: rec.get(c.field) for c in self.sheet.cols}
        cur = self.existing.get(tuple(values[k] for k in self.sheet.key))
        if cur is None:
            self.new.append(values)
            return "inserted"
        diff = {k: v for k, v in values.items() if cur[k] != v}
        if not diff:
            return "unchanged"
        cond = and_(*(self.table.c[k] == values[k] for k in self.sheet.key))
        self.conn.execute(update(self.table).where(cond).values(**diff))
        if self.table is projects and "stage" in diff:
            record_stage(self.conn, values["code"], cur["stage"], diff["stage"], self.source)
        return "updated"

    def backwards(self, rec: dict) -> list[tuple[str, str]]:
        """A project whose stage would go back (an older copy of the workbook?): refused, with the way to do it."""
        if self.table is not projects:
            return []
        cur = self.existing.get((rec["code"],))
        if cur is None or rec["stage"] == "终止" or cur["stage"] not in _ADVANCE or rec["stage"] not in _ADVANCE:
            return []
        if _ADVANCE.index(rec["stage"]) >= _ADVANCE.index(cur["stage"]):
            return []
        msg = (
            f"台账中该项目已是“{cur['stage']}”，本文件却是“{rec['stage']}”：可能是较旧的文件，未覆盖；"
            f"如确要退回，请用 chainmap project stage {rec['code']} {rec['stage']}"
        )
        return [("stage", msg)]

    def flush(self) -> None:
        if self.new:
            self.conn.execute(insert(self.table), self.new)
        if self.table is projects:
            record_stages(self.conn, [(v["code"], None, v["stage"]) for v in self.new], self.source)


def _problem(summary: ImportSummary, file: Path, raw: RawSheet, row: int, fld: str | None, msg: str) -> None:
    cell = f"{raw.letters.get(fld, '')}{row}" if fld else str(row)
    summary.problems.append({"file": str(file), "sheet": raw.sheet.name, "row": row, "cell": cell, "message": msg})


def _import_sheet(conn: Connection, raw: RawSheet, known: Known, file: Path, summary: ImportSummary) -> None:
    name = raw.sheet.name
    summary.count(name, "rows", len(raw.rows))
    if raw.missing:
        msg = f"缺少列：{'、'.join(raw.missing)}：表头须与模板一致（{'、'.join(raw.sheet.headers)}）"
        _problem(summary, file, raw, raw.header_row, None, msg)
        summary.count(name, "rejected", len(raw.rows))
        return
    seen: dict[tuple, int] = {}
    writer = _Writer(conn, raw, file.name)
    for n, cells in raw.rows:
        rec, problems = check_row(raw.sheet, cells, known)
        if rec is not None:
            key = tuple(rec[k] for k in raw.sheet.key)
            if key in seen:
                problems = [(raw.sheet.key[0], f"与第{seen[key]}行重复（{'、'.join(map(str, key))}）：请合并为一行")]
                rec = None
            else:
                seen[key] = n
                problems = writer.backwards(rec)
                rec = None if problems else rec
        for fld, msg in problems:
            _problem(summary, file, raw, n, fld, msg)
        if rec is None:
            summary.count(name, "rejected")
            continue
        summary.count(name, writer.put(rec))
        if name in _REFERRED:
            getattr(known, _REFERRED[name][0]).add(rec[_REFERRED[name][1]])
    writer.flush()


def _import_file(conn: Connection, lib: Library | None, file: Path, sheets: list[RawSheet], summary: ImportSummary):
    known = known_from(conn, lib)
    for raw in sorted(sheets, key=lambda r: _ORDER.index(r.sheet.name)):
        _import_sheet(conn, raw, known, file, summary)


def _file_once(engine: Engine, lib: Library | None, file: Path, sheets: list[RawSheet]) -> ImportSummary:
    for attempt in range(_RETRIES):
        part = ImportSummary()
        try:
            with engine.begin() as conn:
                _import_file(conn, lib, file, sheets, part)
            return part
        except (IntegrityError, DBAPIError) as exc:  # a concurrent import stored the same key first
            if attempt == _RETRIES - 1 or not _retryable(exc):
                raise
    raise AssertionError("unreachable")


def _retryable(exc: Exception) -> bool:
    if isinstance(exc, IntegrityError):
        return True
    code = getattr(getattr(exc, "orig", None), "sqlstate", None)
    return code in ("40001", "40P01") or "database is locked" in str(exc)


def _merge(into: ImportSummary, part: ImportSummary) -> None:
    for sheet, counts in part.sheets.items():
        for k, v in counts.items():
            into.count(sheet, k, v)
    into.problems += part.problems


def import_files(engine: Engine, lib: Library | None, files: list[Path], *, strict: bool = False) -> ImportSummary:
    """Import each file in one transaction (``strict``: all files in one, stored only when none has a problem).

    Rows with problems are not stored; every problem is in the summary with its ``sheet!cell``.
    Raises :class:`~chainmap.errors.UsageError` for a file that cannot be read at all.
    """
    read = [(f, read_file(f)) for f in files]
    summary = ImportSummary()
    if not strict:
        for f, sheets in read:
            _merge(summary, _file_once(engine, lib, f, sheets))
        return summary
    with engine.connect() as conn:
        trans = conn.begin()
        for f, sheets in read:
            _import_file(conn, lib, f, sheets, summary)
        if summary.problems:
            trans.rollback()
            summary.stored = False
            for counts in summary.sheets.values():
                counts.update(inserted=0, updated=0, unchanged=0, rejected=counts["rows"])
        else:
            trans.commit()
    return summary


assert set(_ORDER) == set(SHEETS)
