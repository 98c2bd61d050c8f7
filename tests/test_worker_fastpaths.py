"""More of the worker's fast paths against the general path they stand for."""

import re

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from chainmap.importer.chunkmatch import _cut_spans, _cut_table
from chainmap.importer.match import _CLAUSE_END

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
