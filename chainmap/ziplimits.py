"""Refusing zip bombs before unpacking: an XLSX is a zip, and its entries declare their unpacked sizes.

A neutral module (like :mod:`chainmap.files`): any reader of user workbooks calls
:func:`check_inflation` before openpyxl unpacks anything. An entry above ``ratio_from`` bytes that
inflates more than ``max_ratio`` times (sheet XML inflates ~10-20x), or a workbook that would unpack
beyond ``max_unpacked`` bytes in all, is a :class:`~chainmap.errors.UsageError` naming the file and
the entry.

Examples
--------
>>> import tempfile, zipfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "bomb.xlsx"
>>> with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as z:
...     z.writestr("xl/worksheets/sheet1.xml", b" " * (20 << 20))
>>> try:
...     check_inflation(p)
... except Exception as err:
...     print(str(err)[:53])
bomb.xlsx：压缩包内的 xl/worksheets/sheet1.xml 声明解压后为 20 MB
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from .errors import UsageError

__all__ = ["MAX_RATIO", "MAX_UNPACKED", "RATIO_FROM", "check_inflation"]

MAX_UNPACKED = 1 << 30  # a ledger or export workbook of 100k rows unpacks to well under this
MAX_RATIO = 100
RATIO_FROM = 16 << 20


def check_inflation(
    path: Path, *, max_unpacked: int = MAX_UNPACKED, max_ratio: int = MAX_RATIO, ratio_from: int = RATIO_FROM
) -> None:
    """Raise :class:`UsageError` when the workbook at ``path`` would inflate beyond reason; read nothing."""
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError) as err:
        raise UsageError(f"{path.name} 无法作为 XLSX 打开：{err}（请用 Excel 另存为 .xlsx）") from None
    total = sum(i.file_size for i in infos)
    worst = max(infos, key=lambda i: i.file_size / max(i.compress_size, 1), default=None)
    bomb = (
        worst is not None and worst.file_size > ratio_from and worst.file_size > max_ratio * max(worst.compress_size, 1)
    )
    if total > max_unpacked or bomb:
        what = worst.filename if bomb and worst is not None else "全部内容"
        raise UsageError(
            f"{path.name}：压缩包内的 {what} 声明解压后为 {total / 2**20:,.0f} MB（文件本身 "
            f"{path.stat().st_size / 2**20:,.1f} MB），远超正常工作簿，可能是恶意构造的文件，已拒绝读取。"
            "若确是正常的工作簿，请另存为 CSV 后再导入"
        )
