"""The worker's fast paths (whole-buffer byte checks that skip a kernel, or replace a per-cell loop)
against the general path they stand for, on free text: full-width and no-break spaces, line breaks,
clause ends of every kind, empty cells and nulls."""

import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from hypothesis import given, settings
from hypothesis import strategies as st

from chainmap.importer import columns
from chainmap.importer.chunkmatch import _SEGMENT_END, _cut_table, _cuts

_CHARS = st.sampled_from(
    list("；;。：:\n，,、甲乙 a1\u3000\u00a0\t\r—－-ｚ") + ["\uff1b", "\u3002", "\u4e00", "\uff3a", "会", "倂"]
)
_TEXT = st.text(_CHARS, max_size=30)


@settings(max_examples=300, deadline=None)
@given(st.lists(_TEXT, max_size=8), st.lists(st.sampled_from([*_SEGMENT_END, "\n", "，"]), min_size=1, unique=True))
def test_cuts_are_where_a_search_for_the_cut_characters_finds_them(texts, cuts):
    """Every cut found (one-byte and three-byte ones, next to each other, at the ends), in a window of
    the buffer that starts and ends at any character."""
    data = "".join(texts).encode()
    buf = np.frombuffer(data, np.uint8)
    found = re.compile("|".join(re.escape(c) for c in cuts).encode())
    lo = len(texts[0].encode()) if texts else 0
    hi = len(data) - (len(texts[-1].encode()) if len(texts) > 1 else 0)
    for a, b in ((0, len(data)), (lo, hi)):
        want = [a + m.end() for m in found.finditer(data[a:b])]
        assert _cuts(buf, a, b, _cut_table(cuts)).tolist() == want


_CELL = st.one_of(st.none(), st.text(st.sampled_from(list(" \t\n\u3000\u00a0甲a。")), max_size=6))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(_CELL, min_size=3, max_size=3), max_size=30))
def test_blank_rows_from_the_offsets_are_the_rows_of_empty_or_null_cells(rows):
    cols = [pa.array([r[j] for r in rows], pa.string()) for j in range(3)]
    want = [all(c is None or not c.strip() for c in r) for r in rows]
    assert columns.blank_rows(cols).tolist() == want
    trimmed = [pc.utf8_trim_whitespace(c) for c in cols]
    assert columns.blank_rows(trimmed, trimmed=True).tolist() == want
