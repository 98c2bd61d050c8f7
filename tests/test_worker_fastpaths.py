"""More of the worker's fast paths against the general path they stand for."""

import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from hypothesis import given, settings
from hypothesis import strategies as st

from chainmap.importer.chunkmatch import _cut_spans, _cut_table
from chainmap.importer.match import _CLAUSE_END
from chainmap.importer.rows import row_texts

_WIDE = [c for c in _CLAUSE_END if len(c.encode()) == 3]
# each wide cut's last two bytes after another first byte (伛 is E4 BC 9B, ； EF BC 9B), its last byte alone
_LIKE = [(b"\xe4" + c.encode()[1:]).decode() for c in _WIDE]
_LIKE += [bytes([c.encode()[0], c.encode()[1] ^ 1, c.encode()[2]]).decode() for c in _WIDE]  # ｛ EF BD 9B
_CHARS = st.sampled_from([*_CLAUSE_END, *_LIKE, "甲", "a", " ", "\u4e1b", "\u4e9b", "\u9f9b", "\U0001f31b"])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(_CHARS, max_size=12), max_size=6), st.sampled_from(_WIDE))
def test_one_wide_cut_is_where_a_search_finds_it(texts, cut):
    """A table of one three-byte cut (the segments' ；) takes its own path: the same spans as a search
    for the character, next to others ending in its last byte or two (丛 些 龛 🌛 in 9B, 伛 in BC 9B like ；, ｛ EF BD 9B)."""
    data = "".join(texts).encode()
    buf = np.frombuffer(data, np.uint8)
    lo = len(texts[0].encode()) if texts else 0
    for a, b in ((0, len(data)), (lo, len(data))):
        found = [(a + m.start(), a + m.end()) for m in re.finditer(re.escape(cut.encode()), data[a:b])]
        start, end = _cut_spans(buf, a, b, _cut_table([cut]))
        assert list(zip(start.tolist(), end.tolist(), strict=True)) == found


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.integers(0, 10**18), max_size=40),
    st.booleans(),
    st.text(st.sampled_from(["甲", "a", " ", "第", "\u3000", ","]), max_size=8),
    st.sampled_from(["行", "", " 行"]),
)
def test_row_texts_are_arrows_join_of_the_numbers(nums, rising, head, tail):
    """The numpy texts where the numbers rise (runs of 1 to 19 digits, 0, round tens), Arrow's join
    where they do not: the same texts either way."""
    nums = sorted(nums) if rising else nums
    arr = pa.array(nums, pa.int64())
    want = pc.binary_join_element_wise(head, pc.cast(arr, pa.string()), tail, "")
    assert row_texts(head, arr, tail).to_pylist() == want.to_pylist()
    assert row_texts(head, arr.slice(1), tail).to_pylist() == want.slice(1).to_pylist()
