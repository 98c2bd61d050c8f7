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


_SPACES = list(" \t\n\r\x0b\x0c\x1c\x1f\u0085\u00a0\u1680\u2003\u2028\u3000")
_CELL = st.one_of(
    st.none(),
    st.text(
        st.sampled_from([*_SPACES, "甲", "a", "。", "—", "\u00a1", "\u00bf", "\u2030", "\u3001", "\u0100"]), max_size=6
    ),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_CELL, max_size=40), st.integers(min_value=0, max_value=3))
def test_trim_only_where_it_may_change_a_cell_gives_what_trimming_every_cell_gives(cells, start):
    arr = pa.array(cells, pa.string()).slice(min(start, len(cells)))
    want = pc.utf8_trim_whitespace(arr)
    got = columns.trim(arr)
    got.validate(full=True)
    assert got.to_pylist() == want.to_pylist()
    unmarked = pa.array(~columns.may_trim(arr))
    assert arr.filter(unmarked).to_pylist() == want.filter(unmarked).to_pylist()  # no cell left untrimmed
    blank = [c is None or c == "" for c in want.to_pylist()]
    assert columns.blank_rows([want], trimmed=True).tolist() == blank
    assert columns.blank_rows([arr, arr]).tolist() == blank


def test_every_character_trimming_removes_is_one_a_cell_may_start_or_end_with():
    """Over every code point: what Arrow's trimming removes, :func:`columns.may_trim` marks (so a new
    Arrow that trims more characters fails here rather than leaving them in cells)."""
    points = [chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000]
    for cells in ([f"a{c}" for c in points], [f"{c}a" for c in points], [f"{c}" for c in points]):
        arr = pa.array(cells, pa.string())
        changed = np.asarray(pc.not_equal(pc.utf8_trim_whitespace(arr), arr), dtype=bool)
        assert changed.sum() >= 29
        assert not (changed & ~columns.may_trim(arr)).any()
