"""The figures of a chunk (registered and paid-in capital, head count) parsed once for every row, and the
rows whose figure cannot be stored rejected with their reason in the rejects file: a 400-digit capital
that would be stored as infinity, a negative capital, a 25-digit head count.

Text that is no amount or number at all (``很多``) still leaves the field empty with a warning (the
firm itself is fine); an impossible figure means the row is not to be trusted as it stands.

The common capital texts (``5000万元``, ``3.5亿元``, ``100万元人民币``, a bare number in the header's unit)
are parsed with Arrow and numpy; the rest once per distinct text, kept across chunks.

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
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..money import Amount
from . import clean
from .columns import _bytes, distinct

if TYPE_CHECKING:
    from .rows import Chunk

__all__ = ["Figures", "capital", "capital_figures", "count_figures", "employees", "out_of_range", "reject_out_of_range"]

MAX_CAPITAL = 1e16  # yuan: a thousand times the largest registered capital on record
MAX_EMPLOYEES = 10_000_000
_NEGATIVE = re.compile(r"^[-−－]\s*\d")
SHORT = {"注册资本": "注册资本超出范围", "实缴资本": "实缴资本超出范围", "参保人数": "人数超出范围"}
_SIMPLE_CAPITAL = r"^(?P<num>\d{1,15}(?:\.\d{1,8})?)(?P<mult>万|亿)?(?P<yuan>元)?(?P<rmb>人民币)?$"
_UNREADABLE = object()  # a memo's mark: text that is no figure


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


def capital(value: str, unit: float) -> Amount | None:
    """A capital the store can hold and the loader read back (finite, not negative, plausible)."""
    a = clean.parse_capital(value, unit)
    if a is not None and not (math.isfinite(a.value) and 0 <= a.value < MAX_CAPITAL):
        raise ValueError(f"金额超出范围“{value}”")
    return a


def employees(value: str) -> int | None:
    n = clean.parse_int(value)
    if n is not None and n > MAX_EMPLOYEES:
        raise ValueError(f"人数“{value}”超出范围")
    return n


@dataclass
class Figures:
    """One figure column of a chunk, for every row."""

    value: pa.Array  # null where blank, unreadable or out of range
    currency: pa.Array | None  # capital only
    unreadable: np.ndarray  # text that is no figure: the field is left empty, with a warning
    wrong: dict[int, str]  # row -> why its figure cannot be stored: the row is rejected

    def filter(self, keep: np.ndarray) -> Figures:
        sel = pa.array(keep)
        cur = self.currency.filter(sel) if self.currency is not None else None
        return Figures(self.value.filter(sel), cur, self.unreadable[keep], {})


def _per_value(raw: pa.Array, parse: Any, memo: dict[str, Any]) -> tuple[list[Any], np.ndarray]:
    """``parse`` once per distinct text (and per import, with ``memo``): results per distinct text, and
    the index of each row's text."""
    values, _, at = distinct(raw)
    res = []
    for u in values.to_pylist():
        r = memo.get(u, memo)  # the dict itself: not seen yet
        if r is memo:
            r = memo[u] = parse(u)
        res.append(r)
    return res, at


def _gather(res: list[Any], idx: np.ndarray, pick: Any, typ: pa.DataType) -> pa.Array:
    """``pick`` of each row's result (``idx``: :func:`.columns.distinct`'s, a null one past the results)."""
    return pa.array([pick(r) for r in res] + [None], typ).take(pa.array(idx))


def _by_distinct(raw: pa.Array, figures: Any) -> Figures:
    """``figures`` of the distinct texts of ``raw``, spread over its rows, when the texts repeat (capital
    and head-count columns mostly do); of every row otherwise."""
    values, indices, at = distinct(raw)
    if 2 * len(values) > len(raw):
        return figures(raw)
    fd: Figures = figures(values)
    wrong: dict[int, str] = {}
    if fd.wrong:
        for r in np.flatnonzero(np.isin(at, np.fromiter(fd.wrong, dtype=np.int64))):
            wrong[int(r)] = fd.wrong[int(at[r])]
    currency = fd.currency.take(indices) if fd.currency is not None else None
    return Figures(fd.value.take(indices), currency, np.append(fd.unreadable, False)[at], wrong)


def capital_figures(raw: pa.Array, unit: float, label: str, memo: dict[str, Any]) -> Figures:
    """Capital in yuan and its currency for every row of ``raw`` (trimmed text, null where blank)."""
    return _by_distinct(raw, lambda texts: _capital_figures(texts, unit, label, memo))


def _capital_figures(raw: pa.Array, unit: float, label: str, memo: dict[str, Any]) -> Figures:
    n = len(raw)
    simple = np.asarray(pc.fill_null(pc.match_substring_regex(raw, _SIMPLE_CAPITAL), False), dtype=bool)
    rest_rows = np.nonzero(~simple)[0]
    rest = raw.take(pa.array(rest_rows)) if len(rest_rows) < n else raw

    def parse(u: str) -> Any:
        why = out_of_range(u, unit, label)
        if why is not None:
            return why
        try:
            return clean.parse_capital(u, unit)
        except ValueError:
            return _UNREADABLE

    res, idx = _per_value(rest, parse, memo)
    kind = np.array([0 if isinstance(r, Amount) or r is None else 1 if r is _UNREADABLE else 2 for r in res] + [0])
    value = _gather(res, idx, lambda r: r.value if isinstance(r, Amount) else None, pa.float64())
    currency = _gather(res, idx, lambda r: r.currency if isinstance(r, Amount) else None, pa.string())
    unreadable = np.zeros(n, dtype=bool)
    unreadable[rest_rows] = kind[idx] == 1
    wrong = {int(rest_rows[i]): res[idx[i]] for i in np.nonzero(kind[idx] == 2)[0]}
    if simple.any():
        at = np.nonzero(simple)[0]
        fast, big = _simple_capital(raw.take(pa.array(at)), unit)
        for i in at[big]:
            wrong[int(i)] = out_of_range(raw[int(i)].as_py(), unit, label) or f"{label}超出范围"
        value = _merge(simple, fast, value)
        currency = _merge(
            simple, pc.if_else(pc.is_null(fast), pa.scalar(None, pa.string()), pa.scalar("CNY")), currency
        )
    return Figures(value, currency, unreadable, wrong)


def count_figures(raw: pa.Array, label: str, memo: dict[str, Any]) -> Figures:
    """Head counts for every row of ``raw``."""
    return _by_distinct(raw, lambda texts: _count_figures(texts, label, memo))


def _count_figures(raw: pa.Array, label: str, memo: dict[str, Any]) -> Figures:

    def parse(u: str) -> Any:
        why = out_of_range(u, 1.0, label)
        if why is not None:
            return why
        try:
            return employees(u)
        except ValueError:
            return _UNREADABLE

    res, idx = _per_value(raw, parse, memo)
    kind = np.array([1 if r is _UNREADABLE else 2 if isinstance(r, str) else 0 for r in res] + [0])
    value = _gather(res, idx, lambda r: r if isinstance(r, int) else None, pa.int64())
    wrong = {int(i): res[idx[i]] for i in np.nonzero(kind[idx] == 2)[0]}
    return Figures(value, None, kind[idx] == 1, wrong)


def _simple_capital(raw: pa.Array, unit: float) -> tuple[pa.Array, np.ndarray]:
    """The most common capital texts (5000万元, 3.5亿元, 100万元人民币, a bare number in the header's
    unit: every text of ``raw`` matches ``_SIMPLE_CAPITAL``) parsed vectorised, exactly as
    :func:`capital` parses them: (yuan, mask of out-of-range)."""
    buf, off, data = _bytes(raw)
    n = len(raw)
    if not n:
        return pa.array([], pa.float64()), np.zeros(0, dtype=bool)
    # the number is the ASCII start of the text; 万/亿/元/人民币 are all non-ASCII
    where = np.where(buf[off[0] : off[-1]] >= 0x80, np.arange(off[0], off[-1]), np.iinfo(np.int64).max)
    end = np.minimum(np.minimum.reduceat(where, off[:-1] - off[0]), off[1:])
    bounds = np.empty(2 * n, dtype=np.int32)
    bounds[0::2], bounds[1::2] = off[:-1], end
    spans = pa.StringArray.from_buffers(2 * n - 1, pa.py_buffer(bounds.tobytes()), data)
    num = pc.cast(spans.take(pa.array(np.arange(0, 2 * n, 2))), pa.float64()).to_numpy(zero_copy_only=False)
    bare = end == off[1:]
    nxt = buf[np.minimum(end + 2, len(buf) - 1)]  # 万 is E4 B8 87, 亿 E4 BA BF
    factor = np.where(bare, unit, np.where(nxt == 0x87, 1e4, np.where(nxt == 0xBF, 1e8, 1.0)))
    value = num * factor
    odd = np.nonzero(np.round(value, 4) != value)[0]  # more than 4 decimals: Python's exact rounding
    value[odd] = [round(float(v), 4) for v in value[odd]]
    bad = ~(np.isfinite(value) & (value < MAX_CAPITAL))
    return pa.array(value, pa.float64(), mask=bad), bad


def _merge(mask: np.ndarray, fast: pa.Array, slow: pa.Array) -> pa.Array:
    """Rows where ``mask`` is set from ``fast`` (in order), the others from ``slow`` (in order)."""
    if mask.all():
        return fast
    pos = np.empty(len(mask), dtype=np.int64)
    pos[mask] = np.arange(int(mask.sum()))
    pos[~mask] = len(fast) + np.arange(int((~mask).sum()))
    return pa.concat_arrays([fast, slow.cast(fast.type)]).take(pa.array(pos))


def reject_out_of_range(
    figs: dict[str, tuple[str, Figures]], cols: list[pa.Array], rownums: pa.Array, out: Chunk, alive: np.ndarray
) -> np.ndarray:
    """Reject the rows still ``alive`` whose capital or head count is out of range (added to
    ``out.rejects`` with the row's cells, the first field's reason); returns the mask of rows that go on."""
    bad: dict[int, tuple[str, str]] = {}
    for label, fig in figs.values():
        for i, why in fig.wrong.items():
            if alive[i]:
                bad.setdefault(i, (why, SHORT[label]))
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
