"""Placing a whole chunk of firms at once: the result of :meth:`.Matcher.place_text` for every firm,
computed with one automaton call over the chunk's text buffer and numpy over the hits.

Each hit stays an integer code (row, node, field, term) in numpy arrays: the word-boundary check of
ASCII terms, the longest match winning, the field a hit falls in, the trading-only clauses of the
business scope, the best hit per (firm, node, field), the scores, the ties per role and the uncertain
nodes are array operations. The evidence text is put together from one string per distinct
(node, field, term) with Arrow's list kernels. No Python work per firm.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import ahocorasick_rs
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .match import _FIELDS, _MAKE, _TRADE, FIELD_LABEL, FIELD_WEIGHT, ROLE, Matcher

__all__ = ["ChunkMatcher"]

_FIELD_NAMES = (*_FIELDS, "scope_trade")  # field codes 0..4
_SCOPE, _TRADE_CODE = 1, 4
_CONF = np.array([FIELD_WEIGHT[f] for f in _FIELD_NAMES])
_MISS = 1.0 - _CONF
_ROLES = ("operates", "makes", "holds")
_LISTS = pa.list_(pa.string())
_UNMARKED, _MARKED = 0, 1

# ASCII letters and digits, and the last byte of a full-width one (UTF-8 EF BC 90-99 / A1-BA, EF BD 81-9A)
_ASCII_WORD = np.zeros(256, dtype=bool)
for _c in b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ":
    _ASCII_WORD[_c] = True
# clause ends: ASCII ; , : and line break (one byte), and ；，：。 (three bytes, told by their last byte)
_ASCII_END = np.zeros(256, dtype=bool)
for _c in b";,:\n":
    _ASCII_END[_c] = True
_WIDE_END = {"；".encode(), "，".encode(), "：".encode(), "。".encode()}
_WIDE_LAST = np.zeros(256, dtype=bool)
for _w in _WIDE_END:
    _WIDE_LAST[_w[2]] = True
_CLASS = bytes(1 if _ASCII_END[i] else 2 if _WIDE_LAST[i] else 0 for i in range(256))  # bytes.translate table
_TRADE_RE = "|".join(_TRADE)
_MAKE_RE = "|".join(_MAKE)


@dataclass
class _Hits:
    """Hits of one chunk, one entry per kept hit: the row, the pattern, byte start and end."""

    row: np.ndarray
    pat: np.ndarray
    start: np.ndarray
    end: np.ndarray


class ChunkMatcher:
    """The vectorised twin of a :class:`.Matcher` (same terms, nodes, threshold and review minimum).

    Examples
    --------
    >>> from chainmap.library import bundled_library
    >>> from chainmap.load import load_library
    >>> m = Matcher(load_library(bundled_library()))
    >>> cm = ChunkMatcher(m)
    >>> texts = pa.array(["\\n精对苯二甲酸(pta)的生产\\n\\n某某公司", "\\n日用百货销售\\n\\n某某商店"])
    >>> ties, _makes, _holds, evidence, _uncertain = cm.match(texts)
    >>> ties.to_pylist()[1], evidence[1].as_py()
    ([], None)
    >>> ties.to_pylist()[0] == m.place_text(texts[0].as_py()).ties["operates"]
    True
    """

    def __init__(self, matcher: Matcher):
        self.m = matcher
        node_ids = sorted(matcher.kind)  # node code = rank, so codes sort as the ids do
        code = {n: i for i, n in enumerate(node_ids)}
        self.node_ids = pa.array(node_ids, pa.string())
        self.node_list = node_ids
        self.node_role = np.array([_ROLES.index(ROLE[matcher.kind[n]]) for n in node_ids], dtype=np.int8)
        pats = matcher.patterns
        self.ascii = np.array([p[3] for p in pats], dtype=bool)
        self.written = [p[1] for p in pats]
        counts = np.array([len(p[2]) for p in pats], dtype=np.int64)
        self.ptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        self.nodes = np.array([code[n] for p in pats for n in p[2]], dtype=np.int64)
        self.automaton = ahocorasick_rs.BytesAhoCorasick([p[0].encode("utf-8") for p in pats]) if pats else None
        self._pieces: dict[int, str] = {}

    def match(self, texts: pa.Array) -> list[pa.Array]:
        """Operates, makes, holds (list arrays), the evidence text and the uncertain nodes, for each
        text of ``texts`` (products, scope, industry and name joined by line breaks)."""
        n = len(texts)
        if isinstance(texts, pa.ChunkedArray):
            texts = texts.combine_chunks()
        low = pc.utf8_lower(pc.fill_null(texts, "")) if n else pa.array([], pa.string())
        if not n or self.automaton is None:
            return _empty(n)
        offsets = np.frombuffer(low.buffers()[1], dtype=np.int32)[low.offset : low.offset + n + 1].astype(np.int64)
        data = low.buffers()[2]
        buf = np.frombuffer(data, dtype=np.uint8) if data is not None else np.zeros(0, np.uint8)
        hits = self._hits(buf, offsets)
        if not len(hits.row):
            return _empty(n)
        return self._place(hits, buf, offsets, data, n)

    # -- hits -----------------------------------------------------------------------------------------

    def _hits(self, buf: np.ndarray, offsets: np.ndarray) -> _Hits:
        """Every term found, within one row, ASCII terms only as whole words, the longest match
        winning where terms overlap."""
        lo, hi = int(offsets[0]), int(offsets[-1])
        found = self.automaton.find_matches_as_indexes(memoryview(buf[lo:hi]), overlapping=True)
        flat = np.fromiter(itertools.chain.from_iterable(found), dtype=np.int64, count=3 * len(found))
        pat, start, end = flat[0::3], flat[1::3] + lo, flat[2::3] + lo
        row = np.searchsorted(offsets, start, side="right") - 1
        row_lo, row_hi = offsets[row], offsets[row + 1]
        keep = end <= row_hi  # a term across two rows (one's name, the next one's products) is none
        asc = keep & self.ascii[pat]
        if asc.any():
            i = np.nonzero(asc)[0]
            bad = _word_before(buf, start[i], row_lo[i]) | _word_after(buf, end[i], row_hi[i])
            keep[i[bad]] = False
        pat, start, end, row = pat[keep], start[keep], end[keep], row[keep]
        order = np.lexsort((-end, start))  # rows are in byte order: one global sweep
        pat, start, end, row = pat[order], start[order], end[order], row[order]
        reach = np.maximum.accumulate(end)
        inside = np.zeros(len(end), dtype=bool)
        inside[1:] = end[1:] <= reach[:-1]
        return _Hits(row[~inside], pat[~inside], start[~inside], end[~inside])

    # -- placing --------------------------------------------------------------------------------------

    def _place(self, h: _Hits, buf: np.ndarray, offsets: np.ndarray, data: pa.Buffer, n: int) -> list[pa.Array]:
        breaks = np.flatnonzero(buf[offsets[0] : offsets[-1]] == 10) + offsets[0]
        field = np.searchsorted(breaks, h.start, side="left") - np.searchsorted(breaks, offsets[h.row], side="left")
        field = np.minimum(field, 3)
        scope = np.nonzero(field == _SCOPE)[0]
        if len(scope):
            trade = _trade_only(buf, data, offsets, h.start[scope], h.end[scope])
            field[scope[trade]] = _TRADE_CODE
        # one entry per (hit, node)
        cnt = self.ptr[h.pat + 1] - self.ptr[h.pat]
        rep = np.repeat(np.arange(len(h.pat)), cnt)
        within = np.arange(len(rep)) - np.repeat(np.cumsum(cnt) - cnt, cnt)
        node = self.nodes[self.ptr[h.pat][rep] + within]
        row, fld, pat, start = h.row[rep], field[rep], h.pat[rep], h.start[rep]
        # the first hit per (row, node, field) is its evidence
        order = np.lexsort((start, fld, node, row))
        row, node, fld, pat = row[order], node[order], fld[order], pat[order]
        first = np.ones(len(row), dtype=bool)
        first[1:] = (row[1:] != row[:-1]) | (node[1:] != node[:-1]) | (fld[1:] != fld[:-1])
        row, node, fld, pat = row[first], node[first], fld[first], pat[first]
        # score per (row, node): independent signals, 1 - prod(1 - c)
        group = np.ones(len(row), dtype=bool)
        group[1:] = (row[1:] != row[:-1]) | (node[1:] != node[:-1])
        gstart = np.nonzero(group)[0]
        score = np.round(1.0 - np.multiply.reduceat(_MISS[fld], gstart), 4)
        g_row, g_node = row[gstart], node[gstart]
        placed = score >= self.m.threshold - 1e-9
        unsure = (score >= self.m.review_min - 1e-9) & ~placed
        ties = []
        for r in range(3):
            sel = placed & (self.node_role[g_node] == r)
            ties.append(self._lists(g_row[sel], g_node[sel], n))
        uncertain = self._lists(g_row[unsure], g_node[unsure], n)
        gi = np.repeat(np.arange(len(gstart)), np.diff(np.append(gstart, len(row))))
        evidence = self._evidence(row, node, fld, pat, score[gi], placed[gi], n)
        return [*ties, evidence, uncertain]

    def _lists(self, rows: np.ndarray, nodes: np.ndarray, n: int) -> pa.Array:
        """One list of node ids per row (``rows`` sorted, node codes sorted within a row)."""
        off = np.zeros(n + 1, dtype=np.int32)
        np.cumsum(np.bincount(rows, minlength=n), out=off[1:])
        return pa.ListArray.from_arrays(pa.array(off), self.node_ids.take(pa.array(nodes, pa.int64())))

    def _evidence(
        self,
        row: np.ndarray,
        node: np.ndarray,
        fld: np.ndarray,
        pat: np.ndarray,
        score: np.ndarray,
        placed: np.ndarray,
        n: int,
    ) -> pa.Array:
        """'pta 精对苯二甲酸←经营范围「PTA」0.70；…' per row, best node first (as :meth:`.Matcher.describe`)."""
        order = np.lexsort((-_CONF[fld], node, -score, row))
        row, node, fld, pat, mark = row[order], node[order], fld[order], pat[order], ~placed[order]
        key = ((pat * 5 + fld) * len(self.node_role) + node) * 2 + mark
        uniq, inverse = np.unique(key, return_inverse=True)
        pieces = pa.array([self._piece(int(k)) for k in uniq], pa.string())
        items = pieces.take(pa.array(inverse.ravel(), pa.int64()))
        per_row = np.bincount(row, minlength=n)
        off = np.zeros(n + 1, dtype=np.int32)
        np.cumsum(per_row, out=off[1:])
        text = pc.binary_join(pa.ListArray.from_arrays(pa.array(off), items), "；")
        return pc.if_else(pa.array(per_row > 0), text, pa.scalar(None, pa.string()))

    def _piece(self, key: int) -> str:
        text = self._pieces.get(key)
        if text is None:
            mark, rest = key % 2, key // 2
            nn = len(self.node_role)
            node, rest = rest % nn, rest // nn
            fld, pat = rest % 5, rest // 5
            nid = self.node_list[node]
            name = self.m.names.get(nid, "")
            label, conf = FIELD_LABEL[_FIELD_NAMES[fld]], _CONF[fld]
            text = f"{nid} {name}←{label}「{self.written[pat]}」{conf:.2f}" + ("（未达阈值）" if mark else "")
            self._pieces[key] = text
        return text


def _empty(n: int) -> list[pa.Array]:
    lists = pa.array([[]] * n, _LISTS)
    return [lists, lists, lists, pa.nulls(n, pa.string()), lists]


def _word_before(buf: np.ndarray, start: np.ndarray, row_lo: np.ndarray) -> np.ndarray:
    """A letter or digit (ASCII or full-width) just before ``start``, within the row."""
    out = np.zeros(len(start), dtype=bool)
    one = start > row_lo
    out[one] = _ASCII_WORD[buf[start[one] - 1]]
    three = np.nonzero(start - 3 >= row_lo)[0]
    out[three] |= _wide_word(buf, start[three] - 3)
    return out


def _word_after(buf: np.ndarray, end: np.ndarray, row_hi: np.ndarray) -> np.ndarray:
    """A letter or digit (ASCII or full-width) starting at ``end``, within the row."""
    out = np.zeros(len(end), dtype=bool)
    one = end < row_hi
    out[one] = _ASCII_WORD[buf[end[one]]]
    three = np.nonzero(end + 3 <= row_hi)[0]
    out[three] |= _wide_word(buf, end[three])
    return out


def _wide_word(buf: np.ndarray, at: np.ndarray) -> np.ndarray:
    """A full-width letter or digit (U+FF10-FF19, FF21-FF3A, FF41-FF5A) encoded at ``at``."""
    b0, b1, b2 = buf[at], buf[at + 1], buf[at + 2]
    bc = (b1 == 0xBC) & (((b2 >= 0x90) & (b2 <= 0x99)) | ((b2 >= 0xA1) & (b2 <= 0xBA)))
    bd = (b1 == 0xBD) & (b2 >= 0x81) & (b2 <= 0x9A)
    return (b0 == 0xEF) & (bc | bd)


def _clause_ends(buf: np.ndarray, lo: int, hi: int) -> tuple[np.ndarray, np.ndarray]:
    """(start, end) byte positions of every clause end (；;。，,：: and line breaks) in ``buf[lo:hi]``."""
    cls = np.frombuffer(buf[lo:hi].tobytes().translate(_CLASS), dtype=np.uint8)
    at = np.flatnonzero(cls)
    kind = cls[at]
    one = at[kind == 1] + lo
    last = at[(kind == 2) & (at >= 2)] + lo
    b0, b1, b2 = buf[last - 2], buf[last - 1], buf[last]
    wide = np.zeros(len(last), dtype=bool)
    for w in _WIDE_END:
        wide |= (b0 == w[0]) & (b1 == w[1]) & (b2 == w[2])
    last = last[wide]
    starts = np.concatenate([one, last - 2])
    ends = np.concatenate([one + 1, last + 1])
    order = np.argsort(starts, kind="stable")
    return starts[order], ends[order]


def _trade_only(
    buf: np.ndarray, data: pa.Buffer, offsets: np.ndarray, start: np.ndarray, end: np.ndarray
) -> np.ndarray:
    """For each business-scope hit: its clause trades (销售, 批发 ...) and makes nothing."""
    b_start, b_end = _clause_ends(buf, int(offsets[0]), int(offsets[-1]))
    prev = np.searchsorted(b_start, start, side="left") - 1  # the scope field always has a line break before
    c_lo = b_end[prev]
    c_hi = b_start[np.searchsorted(b_start, end, side="left")]  # ... and one after
    uniq_lo, which = np.unique(c_lo, return_inverse=True)
    uniq_hi = c_hi[np.unique(c_lo, return_index=True)[1]]
    # the clauses as one string array over the chunk's buffer: clause, gap, clause, gap ...
    bounds = np.empty(2 * len(uniq_lo), dtype=np.int32)
    bounds[0::2], bounds[1::2] = uniq_lo, uniq_hi
    strings = pa.StringArray.from_buffers(len(bounds) - 1, pa.py_buffer(bounds.tobytes()), data)
    clauses = strings.take(pa.array(np.arange(0, len(bounds) - 1, 2), pa.int64()))
    trades = pc.match_substring_regex(clauses, _TRADE_RE)
    makes = pc.match_substring_regex(clauses, _MAKE_RE)
    only = np.asarray(pc.and_(trades, pc.invert(makes)), dtype=bool)
    return only[which.ravel()]
