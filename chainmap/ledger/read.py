"""Read the officers' workbook (XLSX) or one sheet saved as CSV into raw rows with their cell addresses."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl.utils import get_column_letter

from ..errors import UsageError
from ..files import decode_saved_csv
from ..ziplimits import check_inflation
from .sheets import SHEETS, Sheet

__all__ = ["RawSheet", "Unsaved", "read_file"]

_HEADER_SCAN = 10  # the header row may sit below a title row (示例数据, a bureau's letterhead)


@dataclass(frozen=True)
class Unsaved:
    """A formula cell whose result the file does not hold (saved by a program that does not compute
    formulas, or by Excel with calculation off): its value cannot be read, it is not empty."""

    formula: str


@dataclass
class RawSheet:
    sheet: Sheet
    rows: list[tuple[int, dict]] = field(default_factory=list)  # (Excel row number, field -> raw value)
    letters: dict[str, str] = field(default_factory=dict)  # field -> column letter
    header_row: int = 1
    missing: list[str] = field(default_factory=list)  # headers the sheet lacks


def _locate(sheet: Sheet, rows: list[tuple]) -> tuple[int, dict[str, int]] | None:
    """The header row (0-based) and field -> column index, or None when no row carries the headers."""
    wanted = set(sheet.headers)
    best: tuple[int, dict[str, int]] | None = None
    for i, row in enumerate(rows[:_HEADER_SCAN]):
        cells = [str(c).strip() if c is not None else "" for c in row]
        found = {h: j for j, h in reversed(list(enumerate(cells))) if h in wanted}
        if len(found) * 2 > len(wanted) and (best is None or len(found) > len(best[1])):
            best = (i, found)
    if best is None:
        return None
    by_header = {c.header: c.field for c in sheet.cols}
    return best[0], {by_header[h]: j for h, j in best[1].items()}


def _raw_sheet(sheet: Sheet, rows: list[tuple]) -> RawSheet | None:
    where = _locate(sheet, rows)
    if where is None:
        return None
    head, cols = where
    out = RawSheet(sheet, header_row=head + 1)
    out.letters = {f: get_column_letter(j + 1) for f, j in cols.items()}
    out.missing = [c.header for c in sheet.cols if c.field not in cols]
    for n, row in enumerate(rows[head + 1 :], start=head + 2):
        raw = {f: (row[j] if j < len(row) else None) for f, j in cols.items()}
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in raw.values()):
            continue
        out.rows.append((n, raw))
    return out


def _read_xlsx(path: Path) -> list[RawSheet]:
    from openpyxl import load_workbook

    check_inflation(path)  # a zip bomb is refused before anything is unpacked
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
        formulas = load_workbook(path, read_only=True, data_only=False)
    except Exception as exc:
        raise UsageError(f"{path}: 不是可读的 Excel 工作簿（{type(exc).__name__}）：请用 Excel 另存为 .xlsx") from None
    try:
        found = []
        for name, sheet in SHEETS.items():
            if name in wb.sheetnames:
                raw = _raw_sheet(sheet, _cells(wb[name], formulas[name]))
                if raw is None:
                    raw = RawSheet(sheet, missing=sheet.headers)
                found.append(raw)
    finally:
        wb.close()
        formulas.close()
    if not found:
        raise UsageError(
            f"{path}: 没有“团队”“活动”“拜访”“项目”中的任何一个工作表：请用 chainmap ledger template 生成的模板填写"
        )
    return found


def _cells(values: object, formulas: object) -> list[tuple]:
    """The sheet's cell values, a formula without a saved result as :class:`Unsaved`."""
    out = []
    for vrow, frow in zip(values.iter_rows(values_only=True), formulas.iter_rows(values_only=True), strict=False):
        if None in vrow and any(isinstance(f, str) and f.startswith("=") for f in frow):
            vrow = tuple(
                Unsaved(f) if v is None and isinstance(f, str) and f.startswith("=") else v
                for v, f in zip(vrow, list(frow) + [None] * (len(vrow) - len(frow)), strict=False)
            )
        out.append(tuple(vrow))
    return out


def _read_csv(path: Path) -> list[RawSheet]:
    rows = [tuple(r) for r in csv.reader(io.StringIO(decode_saved_csv(path.read_bytes(), path)))]
    rows = [tuple(c if c.strip() else None for c in r) for r in rows]
    candidates = []
    for sheet in SHEETS.values():
        raw = _raw_sheet(sheet, rows)
        if raw is not None:
            candidates.append((len(raw.missing), -len(sheet.cols), raw))
    if not candidates:
        raise UsageError(
            f"{path}: 认不出是哪张表：CSV 的表头须与模板中“团队”“活动”“拜访”或“项目”表的表头一致（每个 CSV 一张表）"
        )
    return [min(candidates, key=lambda c: c[:2])[2]]


def read_file(path: Path) -> list[RawSheet]:
    """The ledger sheets found in an XLSX workbook, or the one sheet a CSV file holds (inferred from its headers)."""
    if not path.exists():
        raise UsageError(f"找不到文件 {path}：请检查路径和文件名")
    if path.is_dir():
        raise UsageError(f"{path} 是文件夹：请给出填好的台账文件（.xlsx 或 .csv）")
    if not path.is_file():  # a pipe or a device (/dev/zero) would hang or fill the memory
        raise UsageError(f"{path} 不是普通文件（是管道或设备）：请给出填好的台账文件（.xlsx 或 .csv）")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path)
    if suffix in (".csv", ".txt"):
        return _read_csv(path)
    raise UsageError(f"{path}: 只能导入 .xlsx 或 .csv 文件（另存为 Excel 工作簿或 CSV UTF-8）")
