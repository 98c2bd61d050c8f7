"""Repairing a store folder: one record per firm again, whatever left duplicates behind (two imports
run at once by an older version, files copied by hand). Works on the store files alone, so it runs
even when the library no longer loads because of the duplicates."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from ..store import read_table, store_files
from .store import StoreLock, Transaction

__all__ = ["RepairReport", "repair_store"]


@dataclass
class RepairReport:
    """What a repair did: duplicate records removed per file, and the firms concerned."""

    folder: str
    files: int = 0
    records: int = 0
    removed: dict[str, int] = field(default_factory=dict)  # file -> records removed there
    firms: list[str] = field(default_factory=list)  # ids that had more than one record

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def repair_store(folder: Path) -> RepairReport:
    """Keep one record per id across the store files of ``folder``: the one from the newest export
    (``as_of``; on a tie, the later file in name order), and switch the changed files at once.

    Examples
    --------
    >>> import tempfile
    >>> repair_store(Path(tempfile.mkdtemp())).removed
    {}
    """
    folder = Path(folder)
    report = RepairReport(str(folder))
    with StoreLock(folder):
        files = store_files(folder)
        tables = {f: read_table(f) for f in files}
        report.files = len(files)
        report.records = sum(len(t) for t in tables.values())
        keep = _winners(tables)
        tx = Transaction(folder)
        try:
            for i, (f, t) in enumerate(tables.items()):
                mask = pa.array([keep.get(cid) == (i, r) for r, cid in enumerate(t["id"].to_pylist())])
                dropped = len(t) - (pc.sum(mask).as_py() or 0)
                if not dropped:
                    continue
                report.removed[str(f)] = dropped
                rest = t.filter(mask)
                if len(rest):
                    tx.write_table(f, rest, "parquet" if f.suffix == ".parquet" else "yaml", {"repaired": True})
                else:
                    tx.remove(f)
            tx.commit()
        except BaseException:
            tx.abort()
            raise
    seen: dict[str, int] = {}
    for t in tables.values():
        for cid in t["id"].to_pylist():
            seen[cid] = seen.get(cid, 0) + 1
    report.firms = sorted(c for c, n in seen.items() if n > 1)
    return report


def _winners(tables: dict[Path, pa.Table]) -> dict[str, tuple[int, int]]:
    """id -> (file index, row) of the record kept."""
    best: dict[str, tuple[Any, int, int]] = {}
    for i, t in enumerate(tables.values()):
        for r, (cid, as_of) in enumerate(zip(t["id"].to_pylist(), t["as_of"].to_pylist(), strict=True)):
            key = (as_of.toordinal() if as_of else 0, i, r)
            if cid not in best or key > best[cid]:
                best[cid] = key
    return {cid: (k[1], k[2]) for cid, k in best.items()}
