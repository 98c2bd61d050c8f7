"""Values checked before an import writes them: a row whose capital or head count is out of range (a
400-digit capital that would be stored as infinity, a negative capital, a 25-digit head count) is
rejected with its reason in the rejects file, instead of being written with the field emptied.

Text that is no amount or number at all (``很多``) still leaves the field empty with a warning (the
firm itself is fine); an impossible figure means the row is not to be trusted as it stands.

Examples
--------
>>> out_of_range("1" * 400, 1.0, "注册资本")
'注册资本“11111111111111111111…（共400个字符）”超出范围（应小于 1e16 元）：请核对该行'
>>> out_of_range("-5", 1e4, "注册资本"), out_of_range("5000", 1e4, "注册资本") is None
('注册资本“-5”为负数：请核对该行（金额不能小于 0）', True)
>>> "超出范围" in out_of_range("9" * 25, 1.0, "参保人数"), out_of_range("很多", 1.0, "参保人数") is None
(True, True)
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import clean

if TYPE_CHECKING:
    from .rows import Chunk, Cleaner

__all__ = ["out_of_range", "reject_out_of_range"]

MAX_CAPITAL = 1e16  # yuan: a thousand times the largest registered capital on record
MAX_EMPLOYEES = 10_000_000
_NEGATIVE = re.compile(r"^[-−－]\s*\d")
_FIELDS = {  # field -> (label in messages, short reason)
    "registered_capital": ("注册资本", "注册资本超出范围"),
    "paid_in_capital": ("实缴资本", "实缴资本超出范围"),
    "employees": ("参保人数", "人数超出范围"),
}


def _shown(value: str) -> str:
    return value if len(value) <= 24 else f"{value[:20]}…（共{len(value)}个字符）"


def out_of_range(value: str, unit: float, label: str) -> str | None:
    """Why ``value`` (a cell of the ``label`` column, in the header's ``unit``) cannot be stored, or None
    when it is a storable figure, blank, or text that is no figure at all (that one gets a warning)."""
    s = value.strip()
    if _NEGATIVE.match(s):
        return f"{label}“{_shown(s)}”为负数：请核对该行（{'人数' if label == '参保人数' else '金额'}不能小于 0）"
    try:
        if label == "参保人数":
            n = clean.parse_int(s)
            big = n is not None and n > MAX_EMPLOYEES
            limit = f"{MAX_EMPLOYEES:,} 人"
        else:
            a = clean.parse_capital(s, unit)
            big = a is not None and not (math.isfinite(a.value) and 0 <= a.value < MAX_CAPITAL)
            limit = "1e16 元"
    except (ValueError, OverflowError):
        return None
    return f"{label}“{_shown(s)}”超出范围（应小于 {limit}）：请核对该行" if big else None


def reject_out_of_range(
    cleaner: Cleaner, f: dict[str, pa.Array], cols: list[pa.Array], rownums: pa.Array, out: Chunk, alive: np.ndarray
) -> np.ndarray:
    """Reject the rows still ``alive`` whose capital or head count is out of range (added to
    ``out.rejects`` with the row's cells); returns the mask of rows that go on."""
    bad: dict[int, tuple[str, str]] = {}
    for fld, (label, short) in _FIELDS.items():
        raw = f.get(fld)
        if raw is None:
            continue
        unit = cleaner.hm.units.get(cleaner.hm.columns[fld][0], 1.0)
        memo: dict[Any, str | None] = cleaner.memo(f"range:{fld}")
        d = pc.dictionary_encode(raw)
        why: list[str | None] = []
        for v in d.dictionary.to_pylist():
            if v not in memo:
                memo[v] = out_of_range(v, unit, label)
            why.append(memo[v])
        wrong = [k for k, w in enumerate(why) if w]
        if not wrong:
            continue
        hit = np.asarray(pc.fill_null(pc.is_in(d.indices, value_set=pa.array(wrong, d.indices.type)), False)) & alive
        for i in map(int, np.nonzero(hit)[0]):
            bad.setdefault(i, (why[d.indices[i].as_py()], short))  # type: ignore[arg-type]
    if not bad:
        return alive
    order = sorted(bad)
    which = pa.array(order, pa.int64())
    rows = zip(*(c.take(which).to_pylist() for c in cols), strict=True)
    for i, num, cells in zip(order, rownums.take(which).to_pylist(), rows, strict=True):
        out.rejects.append((num, bad[i][0], bad[i][1], list(cells)))
    out.rejects.sort(key=lambda r: r[0])
    alive = alive.copy()
    alive[order] = False
    return alive
