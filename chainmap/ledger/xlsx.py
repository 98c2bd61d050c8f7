"""Workbooks ready to print and circulate: landscape, one page wide, header frozen and repeated, same bytes."""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from ..files import workbook_bytes
from .sheets import neutralise

__all__ = ["SAMPLE_MARK", "fill_sheet", "note_sheet", "to_bytes", "width_of"]

SAMPLE_MARK = "示例数据（虚构，仅供演示，不代表任何真实企业或项目）"
_HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")


def width_of(value: object) -> int:
    """Display width of a value: CJK characters count twice."""
    text = value.isoformat() if isinstance(value, dt.date) else ("" if value is None else str(value))
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _print_setup(ws: Worksheet, header_row: int) -> None:
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.freeze_panes = f"A{header_row + 1}"
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"


def fill_sheet(
    ws: Worksheet,
    headers: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    banner: str | None = None,
    min_widths: Sequence[int] = (),
    formats: dict[int, str] | None = None,
) -> int:
    """Write a header row (below a ``banner`` line when given) and the rows; returns the header row number.

    Text is neutralised against formula injection; dates and numbers stay dates and numbers;
    ``formats`` maps a 0-based column to a number format.
    """
    header_row = 1
    if banner:
        ws.append([banner])
        ws.cell(1, 1).font = Font(bold=True, color="C00000")
        ws.oddHeader.center.text = banner
        header_row = 2
    ws.append(list(headers))
    widths = [max(width_of(h) + 2, min_widths[i] if i < len(min_widths) else 6) for i, h in enumerate(headers)]
    for row in rows:
        ws.append([neutralise(v) for v in row])
        for i, v in enumerate(row):
            widths[i] = max(widths[i], min(width_of(v) + 2, 60))
    for i, cell in enumerate(ws[header_row]):
        cell.font = Font(bold=True)
        cell.fill = _HEAD_FILL
        cell.alignment = Alignment(vertical="center", wrap_text=False)
        ws.column_dimensions[get_column_letter(i + 1)].width = widths[i]
    for i, fmt in (formats or {}).items():
        for (cell,) in ws.iter_rows(min_row=header_row + 1, min_col=i + 1, max_col=i + 1):
            cell.number_format = fmt
    _print_setup(ws, header_row)
    return header_row


def note_sheet(ws: Worksheet, title: str, lines: Sequence[str]) -> None:
    """A 说明 sheet: a bold title and one paragraph per row, wrapped, printable."""
    ws.append([title])
    ws.cell(1, 1).font = Font(bold=True, size=14)
    for line in lines:
        ws.append([neutralise(line)])
        ws.cell(ws.max_row, 1).alignment = Alignment(wrap_text=True, vertical="top")
    ws.column_dimensions["A"].width = 110
    _print_setup(ws, 1)


def to_bytes(wb: Any) -> bytes:
    """The workbook's bytes, the same for the same tables (:func:`chainmap.files.workbook_bytes`)."""
    return workbook_bytes(wb)
