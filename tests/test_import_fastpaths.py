"""The worker's fast paths (whole-buffer byte checks that skip a kernel, or replace a per-cell loop)
against the general path they stand for, on free text: full-width and no-break spaces, line breaks,
clause ends of every kind, empty cells and nulls."""

import re

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from chainmap.importer.chunkmatch import _SEGMENT_END, _cut_table, _cuts

_CHARS = st.sampled_from(list("；;。：:\n，,、甲乙 a1\u3000\u00a0\t\r—－-ｚ") + ["\uff1b", "\u3002", "\u4e00", "\uff3a", "会", "倂"])
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
