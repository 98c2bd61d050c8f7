"""Vectorised cleaning of one chunk of an export (Arrow compute), so a million rows cost seconds, not
minutes: whitespace and empty markers for whole columns at once, credit-code check digits with numpy,
and values that repeat (capital texts, dates, places) parsed once per distinct value."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..money import _USCC_ALPHABET, _USCC_WEIGHTS
from .clean import EMPTY
from .keys import _offsets, _rows_with


def _case_variants(word: str) -> set[str]:
    """Every upper/lower spelling of the ASCII letters of ``word`` ("na" -> na, nA, Na, NA)."""
    out = {""}
    for ch in word:
        out = {w + c for w in out for c in ({ch.lower(), ch.upper()} if ch.isascii() else {ch})}
    return out


# the empty markers in every case: compared without lower-casing each cell (no Unicode letter lowers to
# the ASCII letters of these words, so this is what lower-casing and comparing would find)
_EMPTY = pa.array(sorted({v for w in EMPTY for v in _case_variants(w)}), pa.string())
_NULL = pa.scalar(None, pa.string())
_EMPTY_BYTES = max(len(v.encode()) for v in _EMPTY.to_pylist())
# (length, first byte, last byte) of each empty marker: a cell of another shape is no marker
_MARKER_SHAPE = np.zeros((_EMPTY_BYTES + 1) << 16, dtype=bool)
for _v in _EMPTY.to_pylist():
    _b = _v.encode()
    _MARKER_SHAPE[(len(_b) << 16) | (_b[0] << 8) | _b[-1] if _b else 0] = True
# each byte of a code as its value in the GB 32100 alphabet (255: no character of it)
_USCC_BYTES = bytes(_USCC_ALPHABET.index(chr(b)) if chr(b) in _USCC_ALPHABET else 255 for b in range(256))


def as_strings(rows: list[list[Any]], width: int) -> list[pa.Array]:
    """Columns of text from rows of cells (XLSX cells may be numbers or dates)."""
    from .clean import text

    cols = list(zip(*rows, strict=True)) if rows else [() for _ in range(width)]
    out = []
    for col in cols:
        if all(c.__class__ is str or c is None for c in col):
            out.append(pa.array(col, pa.string()))
        else:
            out.append(pa.array([c if c.__class__ is str or c is None else text(c) for c in col], pa.string()))
    return out


def _space_lead(b: np.ndarray) -> bool:
    """Any byte that starts a character Arrow's utf8_trim_whitespace removes: ASCII up to the space,
    0xC2 (U+0085, U+00A0), 0xE1-0xE3 (U+1680, U+2000-205F, U+3000); checked over every code point in the
    tests."""
    if not len(b):
        return False
    # one test after the other, each a pass without a mask of the whole column (a minimum; E1-E3 as 0-2
    # once 0xE1 is taken away, bytes wrapping round): a column without such a byte costs four passes
    return bool(b.min() <= 0x20 or (b == 0xC2).any() or (np.subtract(b, 0xE1, dtype=np.uint8) <= 2).any())


def trim(col: pa.Array) -> pa.Array:
    """``utf8_trim_whitespace``, skipped for a column none of whose bytes can start a white-space
    character (names, codes, dates, places mostly): trimming would leave every cell as it is."""
    off, data = _offsets(col)
    x = data[off[0] : off[-1]] if len(col) else data[:0]
    if _space_lead(x[:65536]) or (len(x) > 65536 and _space_lead(x[65536:])):  # found early in most columns
        return pc.utf8_trim_whitespace(col)
    return col


def cleaned(col: pa.Array) -> pa.Array:
    """Trimmed text; blank cells and empty markers (``-``, ``--``, ``无``, ``null`` ...) become null."""
    return emptied(pc.utf8_trim_whitespace(col))


def emptied(trimmed: pa.Array) -> pa.Array:
    """Trimmed text with blank cells and empty markers made null. Only the short cells can be markers:
    they alone are looked up, and the nulls are set in a validity bitmap over the same text buffers."""
    if trimmed.offset or trimmed.null_count or not len(trimmed):
        return pc.if_else(pc.is_in(trimmed, value_set=_EMPTY), _NULL, trimmed)
    off, data = _offsets(trimmed)
    lens = np.diff(off)
    short = np.flatnonzero((lens <= _EMPTY_BYTES) & (lens > 0))
    shape = (lens[short] << 16) | (data[off[short]].astype(np.int64) << 8) | data[off[short + 1] - 1]
    short = short[_MARKER_SHAPE[shape]]
    if len(short):  # the blank cells are gone without a look-up
        short = short[np.asarray(pc.is_in(trimmed.take(pa.array(short)), value_set=_EMPTY), dtype=bool)]
    blank = np.flatnonzero(lens == 0)
    gone = np.concatenate([blank, short]) if len(short) else blank
    if not len(gone):
        return trimmed
    valid = np.ones(len(trimmed), dtype=bool)
    valid[gone] = False
    bitmap = pa.py_buffer(np.packbits(valid, bitorder="little"))
    return pa.Array.from_buffers(pa.string(), len(trimmed), [bitmap, *trimmed.buffers()[1:]], len(gone))


def joined(cols: list[pa.Array]) -> pa.Array:
    """Several columns feeding one field (国标行业门类 + 大类, 经营范围 + 许可经营范围 ...), their values joined
    by a space (null where none has one).

    Not Arrow's ``binary_join_element_wise(..., null_handling="skip")``: in pyarrow 26 it leaves out the
    rows where every input is null, so the rows after them shifted onto the wrong firms (a firm without a
    scope got the next firm's scope and its placements). Each row's values are gathered into a list instead.

    Examples
    --------
    >>> joined([pa.array(["制造业", None, None]), pa.array([None, None, "化学"])]).to_pylist()
    ['制造业', None, '化学']
    """
    if len(cols) == 1:
        return cols[0]
    n = len(cols[0])
    cols = [c.combine_chunks() if isinstance(c, pa.ChunkedArray) else c for c in cols]
    valid = np.stack([np.asarray(c.is_valid(), dtype=bool) for c in cols], axis=1)  # row by column
    at = (np.arange(len(cols))[None, :] * n + np.arange(n)[:, None])[valid]  # the values, row by row
    values = pa.concat_arrays([c.cast(pa.string()) for c in cols]).take(pa.array(at, pa.int64()))
    offsets = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(valid.sum(axis=1), out=offsets[1:])
    j = pc.binary_join(pa.ListArray.from_arrays(pa.array(offsets), values), " ")
    return pc.if_else(pc.equal(j, ""), _NULL, j)


def blank_rows(cols: list[pa.Array], trimmed: bool = False) -> np.ndarray:
    """True where every cell of the row is blank (``trimmed``: the cells are trimmed already)."""
    mask = np.ones(len(cols[0]) if cols else 0, dtype=bool)
    for c in cols:
        c = c if trimmed else pc.utf8_trim_whitespace(c)
        empty = np.diff(_offsets(c)[0]) == 0
        if c.null_count:
            empty |= ~np.asarray(c.is_valid(), dtype=bool)
        mask &= empty
    return mask


def uscc_ok(codes: pa.Array) -> np.ndarray:
    """Per row: True when the code is null or passes the GB 32100 check character."""
    off, data = _offsets(codes)
    ok = np.ones(len(codes), dtype=bool)
    size18 = np.diff(off) == 18
    if codes.null_count:
        present = np.asarray(codes.is_valid(), dtype=bool)
        size18 &= present
        ok[present & ~size18] = False
    else:
        ok[~size18] = False
    idx = np.flatnonzero(size18)
    if not len(idx):
        return ok
    if len(idx) == len(codes):  # every code 18 bytes: they lie side by side
        raw = data[off[0] : off[-1]].tobytes()
    else:
        fixed = codes.filter(pa.array(size18)).cast(pa.binary(18))
        raw = fixed.buffers()[1].to_pybytes()[fixed.offset * 18 : (fixed.offset + len(idx)) * 18]
    table = raw.translate(_USCC_BYTES)
    vals = np.frombuffer(table, dtype=np.uint8).reshape(-1, 18)
    total = np.zeros(len(idx), dtype=np.int32)
    for j, w in enumerate(_USCC_WEIGHTS):  # column by column: numpy's row-wise reductions are slow
        total += vals[:, j].astype(np.int32) * w
    good = vals[:, 17] == (31 - total % 31) % 31
    if b"\xff" in table:  # a byte outside the alphabet
        good &= ~(vals == 255).any(axis=1)
    ok[idx] = good
    return ok


_BAD = object()


def map_unique(
    col: pa.Array, fn: Callable[[str], Any], memo: dict[str, Any] | None = None
) -> tuple[list[Any], pa.Array, int]:
    """Apply ``fn`` once per distinct value (and, with ``memo``, once per import): (results per
    distinct value, indices per row, rows whose value ``fn`` rejected with ValueError -- their
    result is None)."""
    d = pc.dictionary_encode(col)
    memo = {} if memo is None else memo
    results: list[Any] = []
    bad: list[int] = []
    for i, u in enumerate(d.dictionary.to_pylist()):
        r = memo.get(u, memo)  # the dict itself: not seen yet
        if r is memo:
            try:
                r = fn(u)
            except ValueError:
                r = _BAD
            memo[u] = r
        if r is _BAD:
            results.append(None)
            bad.append(i)
        else:
            results.append(r)
    nbad = 0
    if bad:
        nbad = pc.sum(pc.is_in(d.indices, value_set=pa.array(bad, d.indices.type))).as_py() or 0
    return results, d.indices, nbad


def take_mapped(results: list[Any], indices: pa.Array, typ: pa.DataType) -> pa.Array:
    return pa.array(results, typ).take(indices)


# dates as most exports write them (2020-01-31, 2020/1/31, 2020.1.31, 2020年1月31日, 20200131): what
# clean.parse_date reads them as, computed with Arrow and numpy; other spellings go through it per value
_PLAIN_DATE = r"^(?P<y>[0-9]{4})[-/.年](?P<m>[0-9]{1,2})[-/.月](?P<d>[0-9]{1,2})日?$|^(?P<y8>[0-9]{4})(?P<m8>[0-9]{2})(?P<d8>[0-9]{2})$"


def _bytes(col: pa.Array) -> tuple[np.ndarray, np.ndarray, pa.Buffer | None]:
    """The UTF-8 bytes of a string array (nulls as empty), its n + 1 offsets into them, and their buffer."""
    col = pc.fill_null(col, "") if col.null_count else col
    off, buf = _offsets(col)
    return buf, off, col.buffers()[2]


def plain_dates(col: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(plain, valid, days): rows written in a plain form, those that name a real day, and the day
    (days since 1970-01-01) of each valid one, as :func:`.clean.parse_date` reads them."""
    plain = np.asarray(pc.fill_null(pc.match_substring_regex(col, _PLAIN_DATE), False), dtype=bool)
    n = len(col)
    valid = np.zeros(n, dtype=bool)
    days = np.zeros(n, dtype=np.int64)
    at = np.nonzero(plain)[0]
    if not len(at):
        return plain, valid, days
    y, m, d = _ymd(col, at)
    ok = (y >= 1) & (m >= 1) & (m <= 12) & (d >= 1)
    leap = (y % 4 == 0) & ((y % 100 != 0) | (y % 400 == 0))
    ok &= d <= _MONTH_DAYS[np.where(ok, m, 1)] + ((m == 2) & leap)
    valid[at] = ok
    days[at] = np.where(ok, _days_from_civil(y, m, d), 0)
    return plain, valid, days


_MONTH_DAYS = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)


def _ymd(col: pa.Array, at: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Year, month and day of the rows ``at`` of ``col``, each written in a form of ``_PLAIN_DATE``: read
    from the bytes where that form puts them (a separator is one ASCII byte or one three-byte 年/月)."""
    off, data = _offsets(col)
    buf = np.concatenate([data[: off[-1]], np.zeros(3, np.uint8)]).astype(np.int16) - 48  # digits as values
    start, end = off[at], off[at + 1]

    def num(p: np.ndarray, width: int) -> np.ndarray:
        v = np.zeros(len(p), dtype=np.int64)
        for k in range(width):
            v = v * 10 + buf[p + k]
        return v

    y = num(start, 4)
    compact = (buf[start + 4] >= 0) & (buf[start + 4] <= 9)  # 20200131: a digit where a separator would be
    p1 = start + 4 + np.where(buf[start + 4] + 48 < 0x80, 1, 3)
    m_two = (buf[p1 + 1] >= 0) & (buf[p1 + 1] <= 9)
    m = np.where(m_two, num(p1, 2), buf[p1])
    p2 = p1 + 1 + m_two
    p3 = p2 + np.where(buf[p2] + 48 < 0x80, 1, 3)
    d_two = (p3 + 1 < end) & (buf[p3 + 1] >= 0) & (buf[p3 + 1] <= 9)
    d = np.where(d_two, num(p3, 2), buf[p3])
    m = np.where(compact, num(start + 4, 2), m)
    d = np.where(compact, num(start + 6, 2), d)
    return y, m, d


def _days_from_civil(y: np.ndarray, m: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Days since 1970-01-01 of proleptic Gregorian dates (H. Hinnant's days_from_civil)."""
    y = y - (m <= 2)
    era = y // 400
    yoe = y - era * 400
    doy = (153 * np.where(m > 2, m - 3, m + 9) + 2) // 5 + d - 1
    return era * 146097 + yoe * 365 + yoe // 4 - yoe // 100 + doy - 719468


def _spaces(b: np.ndarray) -> np.ndarray:
    """The bytes ``\\s`` matches in Arrow's regexes (RE2: ASCII tab, line feed, form feed, return, space)."""
    return (b == 32) | ((b >= 9) & (b <= 13) & (b != 11))


def has_space(col: pa.Array) -> np.ndarray:
    """Per row: the text holds a character ``\\s`` matches in Arrow's regexes."""
    return _rows_with(col, _spaces, 32)


def has_byte(col: pa.Array, byte: int) -> np.ndarray:
    """Per row: the text holds this (ASCII) byte."""
    return _rows_with(col, lambda b: b == byte, byte)


def first_char_in(col: pa.Array, chars: str) -> np.ndarray:
    """Per row: the text starts with one of ``chars`` (three-byte UTF-8 characters: CJK ones), found on
    the bytes, so that a regex anchored at those characters runs on these rows only."""
    codes = [int.from_bytes(c.encode(), "big") for c in chars]
    if any(len(c.encode()) != 3 for c in chars):
        raise ValueError("first_char_in takes three-byte characters only")
    off, data = _offsets(col)
    out = np.zeros(len(col), dtype=bool)
    at = np.flatnonzero(np.diff(off) >= 3)
    if len(at):
        start = off[at]
        head = (data[start].astype(np.int32) << 16) | (data[start + 1].astype(np.int32) << 8) | data[start + 2]
        out[at] = np.isin(head, codes)
    if col.null_count:
        out &= np.asarray(col.is_valid(), dtype=bool)
    return out


def regex_rows(col: pa.Array, pattern: str, rows: np.ndarray, ignore_case: bool = False) -> np.ndarray:
    """Per row: ``pattern`` matches, run on the ``rows`` that can match only (nulls never match)."""
    out = np.zeros(len(col), dtype=bool)
    at = np.flatnonzero(rows)
    if len(at):
        some = col if len(at) == len(col) else col.take(pa.array(at))
        out[at] = np.asarray(pc.fill_null(pc.match_substring_regex(some, pattern, ignore_case=ignore_case), False))
    return out


def distinct(col: pa.Array) -> tuple[pa.Array, pa.Array, np.ndarray]:
    """The distinct values of ``col``; per row the index of its value (null for a null), and the same
    in numpy with ``len(values)`` for a null: one slot past the values, for what a null gives."""
    d = pc.dictionary_encode(col)
    at = d.indices.fill_null(len(d.dictionary)) if d.indices.null_count else d.indices
    return d.dictionary, d.indices, np.asarray(at, dtype=np.int64)


def per_distinct(col: pa.Array, test: Callable[[pa.Array], pa.Array]) -> np.ndarray:
    """Per row: ``test`` (an Arrow kernel giving booleans) of its value, run once per distinct value
    (columns such as the registration status hold a handful); False for nulls."""
    values, _, at = distinct(col)
    return np.append(np.asarray(pc.fill_null(test(values), False), dtype=bool), False)[at]


def upper_no_spaces(codes: pa.Array) -> pa.Array:
    """Codes upper-cased, spaces taken out; the kernels run on the rows holding a byte other than an
    ASCII digit or capital letter only (a well-formed code is left as it is)."""
    odd = _rows_with(codes, lambda b: ~(((b >= 48) & (b <= 57)) | ((b >= 65) & (b <= 90))))
    if not odd.any():
        return codes
    if odd.all():
        return pc.replace_substring(pc.utf8_upper(codes), " ", "")
    mask = pa.array(odd)
    return pc.replace_with_mask(codes, mask, pc.replace_substring(pc.utf8_upper(codes.filter(mask)), " ", ""))
