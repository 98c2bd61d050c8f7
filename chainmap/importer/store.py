"""Writing the firm store (:mod:`chainmap.store` reads it): YAML or Parquet files, all the changes of
one import switched at once through a journal, under a lock that names its holder.

The one place the importer touches the file system for its outputs (it never imports
:mod:`chainmap.present`).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import yaml

from ..errors import UsageError
from ..money import Amount
from ..store import (
    AMOUNT_COLUMNS,
    COLUMNS,
    JOURNAL,
    MARK,
    META_KEY,
    SCHEMA,
    STORE_VERSION,
    TEMP_TAG,
    TIES,
    YAML_FIELDS,
    attach_imported,
    empty_record,
    is_ours,
    read_store,
    read_table,
    read_yaml,
    settle,
    to_table,
)
from .clean import amount_text
from .lock import StoreLock  # noqa: F401 - re-exported: the lock's home was here

__all__ = [
    "COLUMNS",
    "MARK",
    "SCHEMA",
    "TIES",
    "Landed",
    "StoreLock",
    "Transaction",
    "attach_imported",
    "check_writable",
    "comparable",
    "empty_record",
    "is_ours",
    "parquet_writer",
    "placed_mask",
    "read_store",
    "read_table",
    "read_yaml",
    "to_table",
    "yaml_bytes",
]

YAML_HEADER = (
    f"# {MARK}\n# 由 chainmap import 生成，请勿手工修改：改动会在下次导入时被覆盖。"
    "要修正某家企业，请把它写进 companies/ 下的手工文件。\n"
)
YAML_COMMENT = "# 由导入生成的企业记录；source 为原文件及行号，as_of 为数据日期。\n"


def comparable(rec: dict[str, Any], kind: str) -> dict[str, Any]:
    """The part of a record a store of ``kind`` keeps (to tell an update from no change)."""
    if kind == "parquet":
        return {k: rec.get(k) for k in COLUMNS if k != "placed"}
    return to_yaml(rec)


def _note(rec: dict[str, Any]) -> str | None:
    parts = (
        rec.get("evidence") and f"导入匹配依据：{rec['evidence']}",
        rec.get("industry") and f"所属行业：{rec['industry']}",
        rec.get("note"),
    )
    return "；".join(p for p in parts if p) or None


def to_yaml(rec: dict[str, Any]) -> dict[str, Any]:
    """A record as one entry of a YAML company store (the Company model's fields)."""
    out: dict[str, Any] = {}
    for k in YAML_FIELDS:
        if k in AMOUNT_COLUMNS:
            value, currency = AMOUNT_COLUMNS[k]
            v = amount_text(Amount(rec[value], rec[currency] or "CNY")) if rec.get(value) is not None else None
        elif k == "note":
            v = _note(rec)
        else:
            v = rec.get(k)
        if v is None or v == [] or v == "":
            continue
        if k == "source" and len(v) == 1:
            v = v[0]
        out[k] = list(v) if isinstance(v, (list, tuple)) else v
    return out


class _Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # type: ignore[misc]
    """libyaml's emitter when PyYAML has it (its wheels do): 5-6x faster than the Python one, the same
    bytes on real stores (900 firms: 1.0 -> 0.2 s)."""


_BREAKS = frozenset("\x85\u2028\u2029")  # line breaks to YAML: PyYAML's Python emitter folds them in plain text


def _str_presenter(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    style = '"' if _BREAKS.intersection(data) else None  # escaped, so they come back as they went in
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


def _list_presenter(dumper: yaml.SafeDumper, data: list) -> yaml.SequenceNode:
    flow = all(isinstance(x, str) for x in data)  # [a2, a4] inline; the list of companies as blocks
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)


_Dumper.add_representer(str, _str_presenter)
_Dumper.add_representer(list, _list_presenter)


def loadable(entry: dict[str, Any]) -> dict[str, Any]:
    """A YAML store entry as the loader will accept it: a field the Company model refuses is left out
    (the cleaning stage checks values first; this is the last guard, so a store never fails to load)."""
    from pydantic import ValidationError

    from ..model import Company

    for _attempt in range(len(entry)):
        try:
            Company.model_validate(entry)
            return entry
        except ValidationError as err:
            bad = {e["loc"][0] for e in err.errors() if e["loc"] and e["loc"][0] not in _REQUIRED}
            if not bad:
                raise
            entry = {k: v for k, v in entry.items() if k not in bad}
    return entry


_REQUIRED = ("id", "name", "source", "as_of")


def yaml_bytes(records: list[dict[str, Any]]) -> bytes:
    """A YAML company store holding ``records``."""
    body = yaml.dump(
        {"companies": [loadable(to_yaml(r)) for r in records]},
        Dumper=_Dumper,
        allow_unicode=True,
        sort_keys=False,
        width=1000,
        default_flow_style=False,
    )
    return (YAML_HEADER + YAML_COMMENT + body).encode("utf-8")


def placed_mask(table: pa.Table) -> pa.Array:
    """True for the firms tied to at least one chain node."""
    n = None
    for k in TIES:
        m = pc.fill_null(pc.list_value_length(table[k]), 0)
        n = m if n is None else pc.add(n, m)
    return pc.greater(n, 0) if n is not None else pa.array([], pa.bool_())


def parquet_schema(info: dict[str, Any]) -> pa.Schema:
    """The store's schema with the "generated by chainmap import" mark in its metadata."""
    meta = {
        META_KEY: json.dumps(
            {"generated_by": "chainmap import", "version": STORE_VERSION, **info}, ensure_ascii=False
        ).encode("utf-8")
    }
    return SCHEMA.with_metadata(meta)


# One value per firm: a dictionary page would only be tried and dropped (time spent for nothing); the other
# columns repeat (places, statuses, node ids, evidence) and are dictionary-encoded.
UNIQUE_COLUMNS = ("id", "name", "credit_code", "address", "source")
# Statistics only where a reader uses them: the loader finds the placed row groups by the ``placed`` column's
# (no reader filters on another column; min/max of every other column cost ~0.1-0.3 s of the 1M-row encode)
STATISTICS = ("placed",)


def parquet_writer(path: Path | str, schema: pa.Schema) -> pq.ParquetWriter:
    """The Parquet writer of a firm store (every store is written with the same settings, so the same
    records make the same bytes whichever way they are written)."""
    plain = [c for c in schema.names if c not in UNIQUE_COLUMNS]
    stats = [c for c in schema.names if c in STATISTICS]
    return pq.ParquetWriter(path, schema, compression="zstd", use_dictionary=plain, write_statistics=stats)


def _write_parquet(path: Path, table: pa.Table, info: dict[str, Any]) -> None:
    """Placed firms first (row groups of unplaced ones are never read by the loader), the
    "generated by chainmap import" mark in the file's metadata. Written batch by batch, in two passes
    (placed, then unplaced), so no second copy of the table is made."""
    table = table.cast(SCHEMA)  # one schema for every batch (a store read back may differ in metadata)
    schema = parquet_schema(info)
    with parquet_writer(path, schema) as writer:
        for want in (True, False):
            buf: list[pa.RecordBatch] = []
            size = 0
            for batch in table.to_batches(max_chunksize=ROW_GROUP):
                if not batch.num_rows:
                    continue
                placed = placed_mask(pa.Table.from_batches([batch]))
                keep = placed if want else pc.invert(placed)
                part = batch.filter(keep)
                cols = part.columns
                cols[part.schema.get_field_index("placed")] = pa.array([want] * len(part), pa.bool_())
                buf.append(pa.RecordBatch.from_arrays(cols, schema=schema))
                size += len(part)
                if size >= ROW_GROUP:
                    writer.write_table(
                        pa.Table.from_batches(buf, schema=schema).combine_chunks(), row_group_size=ROW_GROUP
                    )
                    buf, size = [], 0
            if size:
                writer.write_table(pa.Table.from_batches(buf, schema=schema).combine_chunks(), row_group_size=ROW_GROUP)


ROW_GROUP = 32 * 1024


def check_writable(path: Path) -> None:
    """Refuse to replace a file chainmap import did not write."""
    if path.exists() and not is_ours(path):
        raise UsageError(
            f"{path} 已存在且不是 chainmap import 生成的文件（没有“{MARK}”标记）：为免覆盖手工数据，"
            "请用 -o 另选一个输出文件"
        )


# -- one switch for all the files of an import -------------------------------------------------------


class Transaction:
    """The files one import changes in one folder: each new version is written under a temporary
    name; :meth:`commit` puts a journal naming every rename and deletion in place with one atomic
    rename, then carries them out. A crash before the journal lands leaves the old files (the
    temporaries are removed by :func:`chainmap.store.settle`); after it, ``settle`` finishes the
    switch. :meth:`abort` removes the temporaries."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.replace: list[tuple[Path, Path]] = []
        self.delete: list[Path] = []
        self.scratches: list[Path] = []  # the import's own temporary files (spilled records): never switched
        self.landed = False  # the journal is in place: the switch is decided

    def temp(self, final: Path) -> Path:
        """A new temporary file for ``final`` (in its folder, removed on abort)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{final.name}.{TEMP_TAG}", suffix=".tmp", dir=self.folder)
        os.close(fd)
        self.replace.append((Path(tmp), final))
        return Path(tmp)

    def scratch(self) -> Path:
        """A temporary file for the import's own use (removed at commit and abort; a crash leaves it
        to :func:`chainmap.store.settle`, like every file with the temporary tag)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".spill.{TEMP_TAG}", suffix=".tmp", dir=self.folder)
        os.close(fd)
        self.scratches.append(Path(tmp))
        return Path(tmp)

    def drop_scratches(self) -> None:
        for tmp in self.scratches:
            tmp.unlink(missing_ok=True)
        self.scratches = []

    def open_text(self, final: Path, encoding: str = "utf-8") -> Any:
        """A text stream to the temporary file of ``final`` (the caller closes it before commit)."""
        return self.temp(final).open("w", encoding=encoding, newline="")

    def write_table(self, final: Path, table: pa.Table, kind: str, info: dict[str, Any]) -> None:
        tmp = self.temp(final)
        if kind == "parquet":
            _write_parquet(tmp, table, info)
        else:
            _write_bytes(tmp, yaml_bytes(table.to_pylist()))

    def write_raw_parquet(self, final: Path, table: pa.Table) -> None:
        # one chunk per column: the bytes then depend on the rows alone, not on how they were gathered
        pq.write_table(table.combine_chunks(), self.temp(final), compression="zstd")

    def remove(self, final: Path) -> None:
        self.delete.append(final)

    def commit(self) -> None:
        mode = 0o666 & ~_umask()
        for tmp, _final in self.replace:
            os.chmod(tmp, mode)  # mkstemp makes 0600; a normal file follows the umask
            _fsync(tmp)
        plan = {
            "replace": [[t.name, f.name] for t, f in self.replace],
            "delete": [f.name for f in self.delete if f.exists()],
        }
        self.drop_scratches()
        if not plan["replace"] and not plan["delete"]:
            return
        journal = self.folder / JOURNAL
        tmp = journal.with_name(f"{JOURNAL}.{TEMP_TAG}new.tmp")
        _write_bytes(tmp, json.dumps(plan, ensure_ascii=False).encode("utf-8"))
        _fsync(tmp)
        os.replace(tmp, journal)  # from here on the new state is the truth
        self.landed = True
        try:
            settle(self.folder, holding_lock=True)  # the same roll-forward a later load would do
        except KeyboardInterrupt:  # Ctrl-C in the middle of the renames: finish them, then say it landed
            settle(self.folder, holding_lock=True)
            raise Landed() from None
        _fsync_dir(self.folder)
        self.replace, self.delete = [], []

    def abort(self) -> None:
        """Undo what is not yet switched: the temporaries go. Past the journal, nothing is undone:
        the next load (or import) finishes the switch."""
        self.drop_scratches()
        # the journal may be in place though ``landed`` is not set yet (a Ctrl-C between the two): then
        # the temporaries it names are the new stores, and removing them would let the next load carry
        # out the journal's deletions alone
        if not self.landed and not (self.folder / JOURNAL).exists():
            for tmp, _final in self.replace:
                tmp.unlink(missing_ok=True)
        self.replace, self.delete = [], []


class Landed(KeyboardInterrupt):
    """Ctrl-C after the switch was decided: the new state is in place (the import is done)."""


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _write_bytes(path: Path, data: bytes) -> None:
    with path.open("wb") as fh:
        fh.write(data)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(folder: Path) -> None:
    if sys.platform == "win32":  # pragma: no cover - directories cannot be opened there
        return
    _fsync(folder)
