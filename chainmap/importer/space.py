"""Room on disk for an import, looked at before it starts. A national export needs about as much free
disk as the file itself while it is imported (the records, spilled chunk by chunk, then the new store
beside the old one): better told at once than after ten minutes of work.

Measured on the generated exports (2026-11-30): the store's folder peaked at 1.21x the CSV's size for the
dense 200k export (1.07x for the sparse one). An import that updates stored firms also gathers their stored
records and holds the changed ones in scratch files, uncompressed (2026-12-01: a newer 1M export over
917k stored firms peaked at 1.5 GB, 1.25x the CSV plus ~955 bytes a stored firm; compressing them with LZ4 took a
third of that, for 2-3 s more of a 24 s import).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from ..errors import UsageError

__all__ = ["check_space", "space_needed"]

PER_CSV_BYTE = 1.25  # spills + new store, against the CSV's bytes (measured up to 1.21)
PER_SHEET_ROW = 600  # bytes per workbook row (a spilled record is ~500 bytes)
PER_STORED = 1000  # bytes per firm the folder's stores hold (gathered and changed records; measured ~955)


def space_needed(kind: str, size: int, stored: int = 0) -> int:
    """Bytes of free disk an import of an export of ``kind`` (csv: ``size`` bytes; xlsx: ``size`` rows)
    needs in the store's folder, whose stores hold ``stored`` firms.

    Examples
    --------
    >>> space_needed("csv", 400 << 20) >> 20
    500
    >>> space_needed("xlsx", 1000), space_needed("xlsx", 1000, stored=1000)
    (600000, 1600000)
    """
    return (int(size * PER_CSV_BYTE) if kind == "csv" else size * PER_SHEET_ROW) + stored * PER_STORED


def check_space(folder: Path, kind: str, size: int, stored: int = 0) -> None:
    """Raise :class:`~chainmap.errors.UsageError` when ``folder`` (or the nearest existing folder above
    it) has less free disk than :func:`space_needed`."""
    where = folder
    while not where.exists() and where != where.parent:
        where = where.parent
    free = shutil.disk_usage(where).free
    need = space_needed(kind, size, stored)
    if free < need:
        raise UsageError(
            f"{folder}：磁盘剩余 {_size(free)}，导入这个文件预计需要约 {_size(need)} 的空间（分块暂存的记录和"
            "新的企业库，导入完成后暂存部分即释放）。请先清理磁盘，或用 -o 把企业库写到空间更大的磁盘上；"
            "链库中已有的数据未作任何改动"
        )


def _size(n: int) -> str:
    return f"{n / 2**30:.1f} GB" if n >= 2**30 else f"{max(n, 0) / 2**20:.0f} MB"
