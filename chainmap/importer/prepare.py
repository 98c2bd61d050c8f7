"""Before the rows: where the records go, the date the export's facts hold for, and the records
earlier imports (and the library's hand-kept files) already hold, indexed for look-ups."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import UsageError
from ..load import Library
from ..store import SCHEMA, is_ours, read_table
from . import clean
from .heap import release_freed
from .lookup import StoredIndex, TakenIds
from .options import ImportOptions
from .pool import StoredPool, read_key_columns
from .read import Opened

__all__ = ["Existing", "load_existing", "namekey", "resolve_as_of", "resolve_output"]

KINDS = {".yaml": "yaml", ".yml": "yaml", ".parquet": "parquet"}


def namekey(name: str) -> str:
    """A firm's name as compared (never as shown): NFKC (full-width and half-width alike), no spaces.

    Examples
    --------
    >>> namekey("BASF (China) Co., Ltd.") == namekey("BASF（China）Co.,Ltd.")
    True
    """
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", name))


def resolve_output(root: Path, opts: ImportOptions) -> tuple[Path, str]:
    """The store file to write and its kind (yaml, parquet, or auto: YAML that may grow into Parquet).
    Refuses a path inside the library the loader would read as something else."""
    folder = root / "imported"
    if opts.output is not None:
        out = opts.output
        kind = KINDS.get(out.suffix.lower())
        if kind is None:
            raise UsageError(f"-o {out}: 输出文件应以 .yaml 或 .parquet 结尾")
        if opts.store != "auto" and opts.store != kind:
            raise UsageError(f"-o {out} 与 --store {opts.store} 不一致")
        _refuse_misread(root, out)
        return out, kind
    stem = re.sub(r"[\\/:*?\"<>|\s]+", "_", opts.file.stem)
    if opts.store != "auto":
        return folder / f"{stem}.{'yaml' if opts.store == 'yaml' else 'parquet'}", opts.store
    if (folder / f"{stem}.parquet").exists():
        return folder / f"{stem}.parquet", "parquet"
    return folder / f"{stem}.yaml", "auto"


def _refuse_misread(root: Path, out: Path) -> None:
    """A store written into the library but outside ``imported/`` would be read as a chain (top level),
    a hand-kept company file, a region ... or not at all: say where to write instead."""
    try:
        rel = out.resolve().relative_to(root.resolve())
    except ValueError:
        return  # outside the library: a standalone store
    if rel.parent == Path("imported"):
        return
    where = root / "imported" / out.name
    raise UsageError(
        f"-o {out}：这个位置在链库 {root} 内，但不在 imported/ 文件夹中，链库加载时会把它当作"
        f"{'产业链文件' if rel.parent == Path('.') else '其他类型的文件'}读取而出错。"
        f"请写到 {where}（或不加 -o，默认即写到 imported/），或写到链库以外"
    )


def resolve_as_of(opts: ImportOptions, opened: Opened, above: list[tuple[int, list[Any]]]) -> tuple[dt.date, str]:
    """The date the export's facts hold for, and where it came from (never a future date)."""
    today = dt.date.today()
    if opts.as_of is not None:
        if opts.as_of > today:
            raise UsageError(f"--as-of {opts.as_of} 是未来的日期：请给出导出数据所反映的日期")
        return opts.as_of, "--as-of 参数"
    found: list[tuple[dt.date | None, str]] = [(clean.date_in(opts.file.stem), "文件名中的日期")]
    for _n, cells in above:
        found.append((clean.date_in(" ".join(str(c) for c in cells if c is not None)), "表头上方标题行中的日期"))
    found.append((opened.file_date, "工作簿属性中的修改日期"))
    found.append((dt.date.fromtimestamp(opts.file.stat().st_mtime), "文件修改时间"))
    for day, how in found:
        if day is not None and day <= today:
            return day, how
    raise UsageError(
        f"{opts.file.name}：找不到数据日期（文件名和标题行中没有日期，文件的修改时间在未来：系统时钟可能不对）。"
        "请用 --as-of 2024-06-30 给出导出数据所反映的日期"
    )


@dataclass
class Existing:
    """Records earlier imports wrote (every store of the output's folder), indexed by credit code and
    name (:class:`.lookup.StoredIndex`: hashes in numpy arrays), and the firms the library keeps by hand
    (rows naming them are skipped). ``taken``: every id of the library and the stores."""

    pool: StoredPool = field(default_factory=lambda: StoredPool({}))
    hand_code: dict[str, str] = field(default_factory=dict)
    hand_name: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    taken: TakenIds | set[str] = field(default_factory=set)
    outside_library: bool = False
    index: StoredIndex = field(init=False)
    _as_of_days: np.ndarray | None = field(default=None, init=False, repr=False)  # per stored row, read once
    _closed: np.ndarray | None = field(default=None, init=False, repr=False)  # per stored row, read when asked
    _sources: pa.Array | None = field(default=None, init=False, repr=False)  # per stored row, read when asked

    def __post_init__(self) -> None:
        if not isinstance(self.pool, StoredPool):  # whole tables (as tests give them)
            self.pool = StoredPool(self.pool)
        self.index = StoredIndex(self.pool)
        if not isinstance(self.taken, TakenIds):
            self.taken = TakenIds(self.taken, self.index)

    @property
    def rows(self) -> int:
        """How many records the stores hold."""
        return self.index.n

    def hand(self, code: str | None, nk: str) -> str | None:
        """The hand-kept record of this firm, if any."""
        cid = self.hand_code.get(code) if code else None
        if cid is None and nk in self.hand_name and (code is None or self.hand_name[nk][1] in (None, code)):
            cid = self.hand_name[nk][0]
        return cid

    def known(
        self,
        code: str | None,
        nk: str,
        code_column: bool = True,
        as_of: dt.date | None = None,
        source: str | None = None,
    ) -> bool:
        """Whether a store holds this firm and the library does not keep it by hand (a closed row of
        such a firm is an update, not a row to skip). A row without a code in an export with a code
        column (``code_column``) is the stored firm of its name only if that one has no code either: a
        firm closed before it had a code, whose name a different firm registered again, is not the
        living namesake. Without a code column the name is all an export tells: it decides. With
        ``as_of`` (the export's date), only a stored record older than the export counts: an export of
        the same date -- the same file imported again -- skips the closed rows its first import
        skipped, instead of folding them into the records its live rows made; but a stored record of
        that date that is closed was made closed by such a row (its first import took it as an update),
        so that row counts again: otherwise a firm listed closed, then live, in one export turned from
        注销 to 存续 when the file was imported a second time. So does a closed row whose ``source`` (its
        file and line) the stored record of that date names: its first import folded it into the record
        a live row of the firm made (listed live, then closed), and the same file again must give the same
        record."""
        if self.hand(code, nk) is not None:
            return False
        row = self.index.stored_row(code, nk)
        if row < 0 or (code is None and code_column and self.index.code_at(row)):
            return False
        srcs = None if source is None else pa.array([source], pa.string())
        return as_of is None or bool(self._older(np.array([row]), as_of, srcs)[0])

    def known_rows(
        self, codes: pa.Array | None, names: pa.Array, as_of: dt.date | None = None, sources: pa.Array | None = None
    ) -> np.ndarray:
        """:meth:`known` of each row (``codes`` None: no code column; a row without a name: False; ``sources``:
        each row's file and line, as its record would name it), the stores' look-ups made for the rows at
        once."""
        nks = pa.array([None if n is None else namekey(n) for n in names.to_pylist()], pa.string())
        code_column = codes is not None
        codes = pa.nulls(len(names), pa.string()) if codes is None else codes
        ix = self.index
        first = ix.first_rows(codes, nks)
        rows, collided = ix.stored_rows(codes, nks, first, (first[0] >= 0) | (first[1] >= 0))
        if not collided:
            if code_column:
                rows[self._coded_namesakes(codes, rows)] = -1
            if as_of is not None:
                hit = np.flatnonzero(rows >= 0)
                srcs = None if sources is None else sources.take(pa.array(hit))
                rows[hit[~self._older(rows[hit], as_of, srcs)]] = -1
        at = np.arange(len(names)) if collided else np.flatnonzero(rows >= 0)  # a collision: row by row
        out = np.zeros(len(names), bool)
        srcs = [None] * len(at) if sources is None else sources.take(pa.array(at)).to_pylist()
        for i, c, nk, src in zip(at.tolist(), codes.take(at).to_pylist(), nks.take(at).to_pylist(), srcs, strict=True):
            if nk is None:
                continue
            out[i] = self.known(c, nk, code_column, as_of, src) if collided else self.hand(c, nk) is None
        return out

    def _older(self, rows: np.ndarray, as_of: dt.date, sources: pa.Array | None = None) -> np.ndarray:
        """Per stored row: its record is of an earlier date than ``as_of`` (no date: older), or of that
        date and closed, or of that date and naming the asking row's source (``sources``, per row)."""
        if self._as_of_days is None:
            col = pc.cast(self._stored("as_of"), pa.int32())
            self._as_of_days = np.asarray(pc.fill_null(col, np.iinfo(np.int32).min), dtype=np.int32)
        day = (as_of - dt.date(1970, 1, 1)).days
        older = self._as_of_days[rows] < day
        same = self._as_of_days[rows] == day
        if same.any():  # the same export again: its closed rows updated the records they made closed
            older |= same & self._closed_at(rows)
            again = np.flatnonzero(same & ~older)
            if len(again) and sources is not None:  # or were folded into the records of live rows
                older[again] = self._sourced(rows[again], sources.take(pa.array(again)))
        return older

    def _sourced(self, rows: np.ndarray, sources: pa.Array) -> np.ndarray:
        """Per stored row: its record's sources include ``sources`` (per row), read once, on the first ask."""
        if self._sources is None:
            self._sources = self._stored("source").combine_chunks()
        lists = self._sources.take(pa.array(rows, pa.int64()))
        parent = np.asarray(pc.list_parent_indices(lists), dtype=np.int64)
        same = pc.equal(pc.list_flatten(lists), sources.cast(pa.string()).take(pa.array(parent)))
        out = np.zeros(len(rows), bool)
        out[parent[np.asarray(pc.fill_null(same, False), dtype=bool)]] = True
        return out

    def _closed_at(self, rows: np.ndarray) -> np.ndarray:
        """Per stored row: its record's status is a closed one (注销, 吊销 ...): read once, on the first ask."""
        if self._closed is None:
            closed = pc.match_substring_regex(self._stored("status"), "|".join(clean.CLOSED_WORDS))
            self._closed = np.asarray(pc.fill_null(closed, False), dtype=bool)
        return self._closed[rows]

    def _stored(self, name: str) -> pa.ChunkedArray:
        """One column of every store, in the stores' row order (what the index's row numbers count)."""
        typ = SCHEMA.field(name).type
        return pa.chunked_array([c.cast(typ) for f in self.pool for c in self.pool.column(f, name).chunks], typ)

    def _coded_namesakes(self, codes: pa.Array, rows: np.ndarray) -> np.ndarray:
        """The rows without a code whose stored record (``rows``, found by name) has one."""
        out = np.zeros(len(rows), bool)
        if not codes.null_count:
            return out
        bare = np.flatnonzero((rows >= 0) & np.asarray(codes.is_null(), bool))
        stored = self.index.codes.take(pa.array(rows[bare], pa.int64()))
        out[bare] = np.asarray(pc.fill_null(pc.greater(pc.binary_length(stored), 0), False), bool)
        return out

    def stored(self, code: str | None, nk: str) -> tuple[Path, int] | None:
        """Where an earlier import stored this firm, if it did: the first record of its credit code, else
        the first of its name if that one has no code or this one."""
        row = self.index.stored_row(code, nk)
        return None if row < 0 else self.index.where(row)


def load_existing(lib: Library, output: Path) -> Existing:
    """The stores of the output's folder, read and indexed (the look-ups' columns first: a thread reads
    the others while they are indexed)."""
    folder = lib.root / "imported"
    if output.parent.resolve() == folder.resolve():
        files = sorted(folder.glob("*.yaml")) + sorted(folder.glob("*.parquet"))
    else:  # a store outside the library: on its own, it must not take records from the library's
        files = [output] if output.exists() else []
    stores = {f.resolve(): f for f in files if is_ours(f)}
    keys = {k: read_key_columns(f) if f.suffix == ".parquet" else read_table(f) for k, f in stores.items()}
    ex = Existing(keys, taken=set(lib.companies) | set(lib.institutions) | set(lib.nodes))
    # the Parquet stores' other columns stay on disk (read when a whole table is asked for, or row group by
    # row group); the tables share the index's look-up columns (one array per column; sliced, chunked as read)
    lazy = {k: f for k, f in stores.items() if f.suffix == ".parquet"}
    ex.pool = StoredPool(
        {k: pa.table(ex.index.columns(i, t)) if k in lazy else t for i, (k, t) in enumerate(keys.items())}, lazy
    )
    if keys:  # the look-up columns as read: the index holds them now, in one array each
        del keys
        # what reading took and gave back, before the workers fork (not without a store: that would only
        # hand back the pages the early read is reusing, ~100k page faults more in a 1M-row first import)
        release_freed()
    ex.outside_library = output.parent.resolve() != folder.resolve()
    ours = {str(f) for f in ex.pool} | {str(f.resolve()) for f in folder.glob("*.*") if is_ours(f)}
    for cid, c in lib.companies.items():
        where = lib.where.get(cid, ("", 0, 0))[0]
        if where and str(Path(where).resolve()) in ours:
            continue
        if c.credit_code:
            ex.hand_code[c.credit_code] = cid
        ex.hand_name[namekey(c.name)] = (cid, c.credit_code)
    return ex
