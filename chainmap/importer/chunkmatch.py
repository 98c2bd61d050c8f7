"""Placing a whole chunk of firms at once: the result of :meth:`.Matcher.place_text` for every firm,
computed with one automaton call per chunk and numpy over the hits.

The chunk's fields (products, scopes, industries and names, side by side in one buffer: no text joined
per firm) are cut into segments at the business scope's item separator (；), which no term holds; a
term's hits, its whole-word check, the longest match winning and its trading-only clause all lie
within one segment, so the automaton runs over each distinct segment of the chunk once (the same
business-scope items recur from firm to firm: about a sixth of the bytes are distinct in a dense
export) and the hits are copied to every place the segment occurs. Cutting at the other clause ends
too (;。：: and line breaks) found the same distinct bytes on a dense export and cost more passes over
the chunk; where a segment is longer, its hits are the same.

Each hit stays an integer code (row, node, field, term) in numpy arrays: the word-boundary check of
ASCII terms, the longest match winning, the field a hit falls in, the trading-only clauses of the
business scope, the best hit per (firm, node, field), the scores, the ties per role and the uncertain
nodes are array operations. The evidence text is put together from one string per distinct
(node, field, term) with Arrow's list kernels. No Python work per firm.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

import ahocorasick_rs
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .cuts import _cut_spans, _cut_table, _cuts, _CutTable
from .match import _CLAUSE_END, _FIELDS, _MAKE, _TRADE, FIELD_LABEL, FIELD_WEIGHT, ROLE, Matcher

__all__ = ["ChunkMatcher"]

_FIELD_NAMES = (*_FIELDS, "scope_trade")  # field codes 0..4
_SCOPE, _TRADE_CODE = 1, 4
_CONF = np.array([FIELD_WEIGHT[f] for f in _FIELD_NAMES])
_MISS = 1.0 - _CONF
_CONF_RANK = np.argsort(np.argsort(-_CONF))  # 0 for the field of most confidence
_ROLES = ("operates", "makes", "holds")
_LISTS = pa.list_(pa.string())
_UNMARKED, _MARKED = 0, 1

# ASCII letters and digits, and the last byte of a full-width one (UTF-8 EF BC 90-99 / A1-BA, EF BD 81-9A)
_ASCII_WORD = np.zeros(256, dtype=bool)
for _c in b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ":
    _ASCII_WORD[_c] = True
_SEGMENT_END = ("；",)  # where segments are cut (see above)
_TRADE_RE = "|".join(_TRADE)
_MAKE_RE = "|".join(_MAKE)


@dataclass
class _Hits:
    """Hits of one chunk, one entry per kept hit: the row, the pattern, byte start and end."""

    row: np.ndarray
    pat: np.ndarray
    start: np.ndarray
    end: np.ndarray


def _unique(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The sorted distinct values of ``x`` and where each value of ``x`` is among them (np.unique by
    sorting: numpy 2.4's hashing np.unique is 20-40 times slower on these arrays)."""
    order = np.argsort(x, kind="stable")
    xs = x[order]
    new = np.ones(len(xs), dtype=bool)
    new[1:] = xs[1:] != xs[:-1]
    inverse = np.empty(len(xs), dtype=np.int64)
    inverse[order] = np.cumsum(new) - 1
    return xs[new], inverse


def _parts(arr: pa.Array) -> tuple[np.ndarray, np.ndarray, pa.Buffer]:
    """The bytes (numpy), the offsets (int64, one more than the strings) and the data buffer of a
    string array."""
    n = len(arr)
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int32)[arr.offset : arr.offset + n + 1].astype(np.int64)
    data = arr.buffers()[2]
    if data is None:
        data = pa.py_buffer(b"")
    return np.frombuffer(data, dtype=np.uint8), offsets, data


_CLAUSE_CUT = _cut_table(list(_CLAUSE_END))


@dataclass
class _Segments:
    """A chunk's fields (all products, then all scopes, industries and names: one string each) cut
    after each segment end and at each string: the distinct segments, which segment is which of them
    and where each starts.

    A term holds no segment end, so its hits, whole-word checks, longest-match sweep and trading
    clause lie within one segment: the automaton runs over each distinct segment once."""

    bounds: np.ndarray  # start of each segment, and the end of the last
    index: np.ndarray  # the distinct segment of each segment
    distinct: pa.Array

    @classmethod
    def of(
        cls,
        buf: np.ndarray,
        offsets: np.ndarray,
        data: pa.Buffer,
        cut: _CutTable,
        once: int,
    ) -> _Segments:
        """The segments of ``buf``; those from byte ``once`` on (the names, all but unique) are not
        looked up among the others."""
        ends = _cuts(buf, int(offsets[0]), once, cut)  # the names not cut: no term holds a cut, none is a word
        lone = np.ones(len(ends), dtype=bool)  # a cut right before a one-byte cut ('。' then ';'):
        lone[:-1] = ends[1:] != ends[:-1] + 1  # no segment of that one byte, which holds no term
        bounds = np.concatenate([ends[lone], offsets])
        bounds.sort(kind="stable")  # two sorted runs
        new = np.ones(len(bounds), dtype=bool)
        new[1:] = bounds[1:] != bounds[:-1]
        bounds = bounds[new]
        k = int(np.searchsorted(bounds, once))  # the segments from ``once`` on: each its own distinct one
        strings = pa.StringArray.from_buffers(len(bounds) - 1, pa.py_buffer(bounds.astype(np.int32).tobytes()), data)
        enc = pc.dictionary_encode(strings.slice(0, k))
        index = np.concatenate([np.asarray(enc.indices), np.arange(len(bounds) - 1 - k) + len(enc.dictionary)])
        return cls(bounds, index, pa.concat_arrays([enc.dictionary, strings.slice(k)]))

    def expand(self, h: _Hits, offsets: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The hits of the distinct segments at each segment holding one: row, hit (index into ``h``)
        and field code, in byte order (field by field; within a field, row by row)."""
        count = np.bincount(h.row, minlength=len(self.distinct))
        ptr = np.concatenate([[0], np.cumsum(count)])
        occ = np.flatnonzero(count[self.index])
        d = self.index[occ]
        k = count[d]
        at = np.searchsorted(offsets, self.bounds[occ], side="right") - 1  # string n * field + row
        rep = np.repeat(np.arange(len(occ)), k)
        hit = np.repeat(ptr[d] - (np.cumsum(k) - k), k) + np.arange(len(rep))
        return (at % n)[rep], hit, (at // n)[rep]


def _fields(texts: pa.Array) -> list[pa.Array]:
    """Texts of products, scope, industry and name joined by line breaks, as the four fields (the
    name runs to the end of the text, line breaks after the third included; a missing field is empty)."""
    buf, off, data = _parts(pc.fill_null(texts, ""))
    n = len(off) - 1
    nl = np.flatnonzero(buf[off[0] : off[-1]] == 10) + off[0]
    row = np.searchsorted(off, nl, side="right") - 1
    rank = np.arange(len(nl)) - np.searchsorted(row, row, side="left")
    first3 = rank < 3
    brk = np.repeat(off[1:, None], 3, axis=1)  # a break not there: the field ends (and the next starts) at the end
    brk[row[first3], rank[first3]] = nl[first3]
    starts = np.column_stack([off[:-1], np.minimum(brk + 1, off[1:, None])])
    ends = np.column_stack([brk, off[1:]])
    out = []
    for j in range(4):
        bounds = np.empty(2 * n, dtype=np.int32)
        bounds[0::2], bounds[1::2] = starts[:, j], ends[:, j]
        spans = pa.StringArray.from_buffers(max(2 * n - 1, 0), pa.py_buffer(bounds.tobytes()), data)
        out.append(spans.take(pa.array(np.arange(0, 2 * n, 2), pa.int64())) if n else pa.array([], pa.string()))
    return out


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
        self.pair_pattern = np.repeat(np.arange(len(pats)), counts)
        self._piece_at = np.full(len(self.nodes) * 10, -1, dtype=np.int64)  # the evidence texts made so far
        self._piece_texts = pa.array([], pa.string())
        # fields are cut into segments at the scope's item separator where no term contains it
        self.cut_class = _cut_table([c for c in _SEGMENT_END if not any(c in p[0] for p in pats)])

    def match(self, texts: pa.Array) -> list[pa.Array]:
        """Operates, makes, holds (list arrays), the evidence text and the uncertain nodes, for each
        text of ``texts`` (products, scope, industry and name joined by line breaks)."""
        if isinstance(texts, pa.ChunkedArray):
            texts = texts.combine_chunks()
        return self.match_fields(_fields(texts))

    def match_fields(self, fields: list[pa.Array], keep: np.ndarray | None = None) -> list[pa.Array]:
        """As :meth:`match`, for the firms' products, scopes, industries and names (four arrays, nulls
        empty, no line breaks: the cleaner makes them spaces), without joining them into one text;
        ``keep``: the rows to place (the others are left out of the results; None: all)."""
        n = len(fields[0]) if keep is None else int(np.count_nonzero(keep))
        if not n or self.automaton is None:
            return _empty(n)
        parts = [f.combine_chunks() if isinstance(f, pa.ChunkedArray) else f for f in fields]
        combined = pa.concat_arrays([pc.fill_null(f, "") if f.null_count else f for f in parts])
        buf, offsets, data = _parts(combined)
        seg = _Segments.of(buf, offsets, data, self.cut_class, int(offsets[3 * len(fields[0])]))
        lower = pc.utf8_lower(seg.distinct)
        dbuf, doff, _data = _parts(lower)
        hits = self._hits(dbuf, doff)
        if not len(hits.row):
            return _empty(n)
        row, hit, fld = seg.expand(hits, offsets, len(fields[0]))
        if keep is not None:  # the rows left out, and the others numbered among themselves
            live = keep[row]
            row, hit, fld = (np.cumsum(keep) - 1)[row[live]], hit[live], fld[live]
            if not len(row):
                return _empty(n)
        scope = fld == _SCOPE
        if scope.any():
            need = np.zeros(len(hits.row), dtype=bool)
            need[hit[scope]] = True
            fld[scope & _trade_only(lower, doff, hits, need)[hit]] = _TRADE_CODE
        return self._place(row, hits.pat[hit], fld, n)

    # -- hits -----------------------------------------------------------------------------------------

    def _hits(self, buf: np.ndarray, offsets: np.ndarray) -> _Hits:
        """Every term found, within one segment (``offsets``), ASCII terms only as whole words, the
        longest match winning where terms overlap; sorted by start."""
        lo, hi = int(offsets[0]), int(offsets[-1])
        found = self.automaton.find_matches_as_indexes(memoryview(buf[lo:hi]), overlapping=True)
        flat = np.fromiter(itertools.chain.from_iterable(found), dtype=np.int64, count=3 * len(found))
        del found
        pat, start, end = flat[0::3], flat[1::3] + lo, flat[2::3] + lo
        row = np.searchsorted(offsets, start, side="right") - 1
        row_lo, row_hi = offsets[row], offsets[row + 1]
        keep = end <= row_hi  # a term across two segments is none
        asc = keep & self.ascii[pat]
        if asc.any():
            i = np.nonzero(asc)[0]
            bad = _word_before(buf, start[i], row_lo[i]) | _word_after(buf, end[i], row_hi[i])
            keep[i[bad]] = False
        pat, start, end, row = pat[keep], start[keep], end[keep], row[keep]
        order = np.lexsort((-end, start))  # segments are in byte order: one global sweep
        pat, start, end, row = pat[order], start[order], end[order], row[order]
        reach = np.maximum.accumulate(end)
        inside = np.zeros(len(end), dtype=bool)
        inside[1:] = end[1:] <= reach[:-1]
        return _Hits(row[~inside], pat[~inside], start[~inside], end[~inside])

    # -- placing --------------------------------------------------------------------------------------

    def _place(self, h_row: np.ndarray, h_pat: np.ndarray, h_fld: np.ndarray, n: int) -> list[pa.Array]:
        """Ties, evidence and uncertain nodes from the hits of the chunk (row, pattern and field
        code of each, in byte order)."""
        # one entry per (hit, node)
        cnt = self.ptr[h_pat + 1] - self.ptr[h_pat]
        rep = np.repeat(np.arange(len(h_pat)), cnt)
        within = np.arange(len(rep)) - np.repeat(np.cumsum(cnt) - cnt, cnt)
        pair = self.ptr[h_pat][rep] + within  # (pattern, node) pair
        node = self.nodes[pair]
        row, fld = h_row[rep], h_fld[rep]
        # the first hit per (row, node, field) is its evidence: a stable sort keeps the byte order
        key = (row * len(self.node_role) + node) * 5 + fld
        order = np.argsort(key, kind="stable")
        key, row, node, fld, pair = key[order], row[order], node[order], fld[order], pair[order]
        first = np.ones(len(row), dtype=bool)
        first[1:] = key[1:] != key[:-1]
        row, node, fld, pair = row[first], node[first], fld[first], pair[first]
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
        evidence = self._evidence(row, node, fld, pair, score[gi], placed[gi], n)
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
        pair: np.ndarray,
        score: np.ndarray,
        placed: np.ndarray,
        n: int,
    ) -> pa.Array:
        """'pta 精对苯二甲酸←经营范围「PTA」0.70；…' per row, best node first (as :meth:`.Matcher.describe`)."""
        nn = len(self.node_role)
        rank = np.rint((1.0 - score) * 10_000).astype(np.int64)  # the scores have four decimals
        order = np.argsort(((row * 10_001 + rank) * nn + node) * 5 + _CONF_RANK[fld])
        row, fld, pair, mark = row[order], fld[order], pair[order], ~placed[order]
        items = self._pieces_of((pair * 5 + fld) * 2 + mark)
        per_row = np.bincount(row, minlength=n)
        off = np.zeros(n + 1, dtype=np.int32)
        np.cumsum(per_row, out=off[1:])
        lists = pa.ListArray.from_arrays(pa.array(off), items, mask=pa.array(per_row == 0))
        return pc.binary_join(lists, "；")  # a row without evidence: a null list, a null text

    def _pieces_of(self, key: np.ndarray) -> pa.Array:
        """The evidence text of each key (a :meth:`_piece`), from the texts made so far."""
        at = self._piece_at[key]
        if (at < 0).any():
            new = _unique(key[at < 0])[0]
            texts = pa.array([self._piece(int(k)) for k in new], pa.string())
            self._piece_at[new] = np.arange(len(new)) + len(self._piece_texts)
            self._piece_texts = pa.concat_arrays([self._piece_texts, texts])
            at = self._piece_at[key]
        return self._piece_texts.take(pa.array(at, pa.int64()))

    def _piece(self, key: int) -> str:
        """'pta 精对苯二甲酸←经营范围「PTA」0.70' for a key of ((pattern, node) pair, field, below the
        threshold)."""
        mark, rest = key % 2, key // 2
        fld, pair = rest % 5, rest // 5
        nid = self.node_list[self.nodes[pair]]
        name = self.m.names.get(nid, "")
        label, conf = FIELD_LABEL[_FIELD_NAMES[fld]], _CONF[fld]
        pat = self.pair_pattern[pair]
        return f"{nid} {name}←{label}「{self.written[pat]}」{conf:.2f}" + ("（未达阈值）" if mark else "")


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


def _trade_only(distinct: pa.Array, offsets: np.ndarray, h: _Hits, need: np.ndarray) -> np.ndarray:
    """For each hit of the distinct segments (``offsets``) where ``need``: its clause (within its
    segment) trades (销售, 批发 ...) and makes nothing; only the segments holding such hits are read."""
    idx = np.flatnonzero(need)
    seg = h.row[idx]
    segs, k = _unique(seg)
    buf, soff, data = _parts(distinct.take(pa.array(segs, pa.int64())))
    shift = soff[k] - offsets[seg]
    start, end, seg_lo, seg_hi = h.start[idx] + shift, h.end[idx] + shift, soff[k], soff[k + 1]
    b_start, b_end = _cut_spans(buf, int(soff[0]), int(soff[-1]), _CLAUSE_CUT)  # clause ends ；;。，,：: \n
    prev = np.searchsorted(b_start, start, side="left") - 1
    c_lo = np.maximum(np.append(b_end, 0)[prev] * (prev >= 0), seg_lo)  # prev -1: the segment's start
    nxt = np.searchsorted(b_start, end, side="left")
    c_hi = np.minimum(np.append(b_start, soff[-1])[nxt], seg_hi)
    key, which = _unique(c_lo << 32 | c_hi)
    out = np.zeros(len(need), dtype=bool)
    out[idx] = _trades_not_makes(key >> 32, key & 0xFFFFFFFF, data)[which]
    return out


def _trades_not_makes(lo: np.ndarray, hi: np.ndarray, data: pa.Buffer) -> np.ndarray:
    """For each clause ``data[lo:hi]`` (sorted by start): it names a trade and no making."""
    overlap = np.zeros(len(lo), dtype=bool)  # clauses of one start and two ends: a term holding a comma
    overlap[1:] = lo[1:] < hi[:-1]
    overlap[:-1] |= overlap[1:]
    out = np.zeros(len(lo), dtype=bool)
    apart = np.flatnonzero(~overlap)
    if len(apart):
        # the clauses as one string array over the buffer: clause, gap, clause, gap ...
        bounds = np.empty(2 * len(apart), dtype=np.int32)
        bounds[0::2], bounds[1::2] = lo[apart], hi[apart]
        strings = pa.StringArray.from_buffers(len(bounds) - 1, pa.py_buffer(bounds.tobytes()), data)
        clauses = strings.take(pa.array(np.arange(0, len(bounds) - 1, 2), pa.int64()))
        trades = pc.match_substring_regex(clauses, _TRADE_RE)
        makes = pc.match_substring_regex(clauses, _MAKE_RE)
        out[apart] = np.asarray(pc.and_(trades, pc.invert(makes)), dtype=bool)
    raw = data.to_pybytes() if overlap.any() else b""
    for i in np.flatnonzero(overlap):
        clause = raw[lo[i] : hi[i]].decode("utf-8")
        out[i] = re.search(_TRADE_RE, clause) is not None and re.search(_MAKE_RE, clause) is None
    return out
