"""The worker's fast paths (whole-buffer byte checks that skip a kernel, or replace a per-cell loop)
against the general path they stand for, on free text: full-width and no-break spaces, line breaks,
clause ends of every kind, empty cells and nulls."""

import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from hypothesis import given, settings
from hypothesis import strategies as st

from chainmap.importer import columns, rows, values
from chainmap.importer.chunkmatch import _cut_table, _cuts
from chainmap.importer.keys import key_hashes
from chainmap.importer.match import _CLAUSE_END
from chainmap.money import _USCC_ALPHABET as USCC
from chainmap.money import _USCC_WEIGHTS, uscc_problem

_CHARS = st.sampled_from(
    list("；;。：:\n，,、甲乙 a1\u3000\u00a0\t\r—－-ｚ") + ["\uff1b", "\u3002", "\u4e00", "\uff3a", "会", "倂"]
)
_TEXT = st.text(_CHARS, max_size=30)


@settings(max_examples=300, deadline=None)
@given(st.lists(_TEXT, max_size=8), st.lists(st.sampled_from(list(_CLAUSE_END)), min_size=1, unique=True))
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


def _valid_code(body: str) -> str:
    total = sum(USCC.index(ch) * w for ch, w in zip(body, _USCC_WEIGHTS, strict=True))
    return body + USCC[(31 - total % 31) % 31]


_CODE = st.one_of(
    st.none(),
    st.text(st.sampled_from(USCC), min_size=17, max_size=17).map(_valid_code),
    st.text(st.sampled_from([*USCC, "I", "O", "a", "-", "甲", " "]), min_size=16, max_size=19),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_CODE, max_size=30), st.integers(min_value=0, max_value=3))
def test_credit_codes_checked_on_the_bytes_as_the_per_code_check_finds_them(codes, start):
    """Valid codes, mistyped check characters, letters outside the alphabet, other lengths, CJK
    characters (18 bytes that are no 18 characters), nulls, all of one length, and a slice."""
    arr = pa.array(codes, pa.string()).slice(min(start, len(codes)))
    want = [c is None or (len(c) == 18 and set(c) <= set(USCC) and uscc_problem(c) is None) for c in arr.to_pylist()]
    assert columns.uscc_ok(arr).tolist() == want
    same_length = pa.array([c for c in codes if c is not None and len(c.encode()) == 18], pa.string())
    want = [len(c) == 18 and set(c) <= set(USCC) and uscc_problem(c) is None for c in same_length.to_pylist()]
    assert columns.uscc_ok(same_length).tolist() == want


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(st.sampled_from(list("注备说数来源合计共1导出免责甲a 。")), max_size=5))))
def test_note_rows_found_among_the_rows_starting_with_a_word_s_first_character(names):
    arr = pa.array(names, pa.string())
    want = [n is not None and rows._NOTE_ROW.match(n) is not None for n in names]
    got = columns.regex_rows(arr, rows._NOTE_ROW.pattern, columns.first_char_in(arr, rows._NOTE_FIRST))
    assert got.tolist() == want
    assert columns.regex_rows(arr, rows._NOTE_ROW.pattern, np.ones(len(arr), dtype=bool)).tolist() == want


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), st.sampled_from(["存续", "注销", "吊销，未注销", "Revoked", "在业", ""]))))
def test_a_test_per_distinct_value_gives_the_test_of_every_row(status):
    arr = pa.array(status, pa.string())
    closed = rows._CLOSED
    want = np.asarray(pc.fill_null(pc.match_substring_regex(arr, closed, ignore_case=True), False), dtype=bool)
    got = columns.per_distinct(arr, lambda u: pc.match_substring_regex(u, closed, ignore_case=True))
    assert got.tolist() == want.tolist()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(st.sampled_from(list("09AZaz ｚ\u3000-")), max_size=6))))
def test_codes_upper_cased_without_spaces_only_where_a_byte_is_no_digit_or_capital(codes):
    arr = pa.array(codes, pa.string())
    got = columns.upper_no_spaces(arr)
    got.validate(full=True)
    assert got.to_pylist() == pc.replace_substring(pc.utf8_upper(arr), " ", "").to_pylist()


_FIGURE = st.sampled_from(
    [
        "5000万元",
        "3.5亿元",
        "100万元人民币",
        "5000",
        "-5",
        "很多",
        "1" * 40,
        "300万美元",
        "12人",
        "9" * 25,
        "0",
        "1.2345678",
    ]
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), _FIGURE), max_size=40), st.sampled_from([1.0, 1e4]))
def test_figures_of_the_distinct_texts_spread_over_the_rows_are_the_figures_of_every_row(texts, unit):
    """Capital and head counts parsed once per distinct text (the texts repeat here) give every row's
    value, currency, unreadable mark and reason to reject, as parsing every row does."""
    raw = pa.array(texts, pa.string())
    for got, want in (
        (values.capital_figures(raw, unit, "注册资本", {}), values._capital_figures(raw, unit, "注册资本", {})),
        (values.count_figures(raw, "参保人数", {}), values._count_figures(raw, "参保人数", {})),
    ):
        assert got.value.to_pylist() == want.value.to_pylist()
        assert (got.currency is None and want.currency is None) or got.currency.to_pylist() == want.currency.to_pylist()
        assert got.unreadable.tolist() == want.unreadable.tolist()
        assert got.wrong == want.wrong


def _hash_one(key: str | None) -> int:
    """keys.key_hashes of one key, word by word in Python (the documented algorithm)."""
    if key is None:
        return 0
    mask = (1 << 64) - 1

    def mix(h: int) -> int:
        h ^= h >> 33
        h = (h * 0xFF51AFD7ED558CCD) & mask
        h ^= h >> 33
        h = (h * 0xC4CEB9FE1A85EC53) & mask
        return h ^ (h >> 33)

    b = key.encode()
    h = mix((len(b) + 0x9E3779B97F4A7C15) & mask)
    for j in range(0, len(b), 8):
        h = mix(h ^ int.from_bytes(b[j : j + 8], "little"))
    return h or 1


@settings(max_examples=200, deadline=None)
@given(
    st.one_of(
        st.lists(st.one_of(st.none(), st.text(st.sampled_from(list("甲a1 -")), max_size=20)), max_size=20),
        st.lists(st.text(st.sampled_from(list("0123456789ABC")), min_size=18, max_size=18), max_size=20),
    ),
    st.integers(min_value=0, max_value=2),
)
def test_key_hashes_are_the_word_by_word_hashes_of_each_key(keys_, start):
    """Keys all of one length (credit codes: no rows picked out per word), of mixed lengths, empty and
    null, and a slice."""
    arr = pa.array(keys_, pa.string()).slice(min(start, len(keys_)))
    assert [int(h) for h in key_hashes(arr)] == [_hash_one(k) for k in arr.to_pylist()]


def test_every_character_trimming_removes_starts_with_a_byte_the_column_check_looks_for():
    """Over every code point: what Arrow's trimming removes begins with a byte :func:`columns.trim`
    looks for (so an Arrow that trims more characters fails here instead of leaving them in cells)."""
    points = [chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000]
    arr = pa.array([f"a{c}" for c in points], pa.string())
    removed = np.flatnonzero(np.asarray(pc.not_equal(pc.utf8_trim_whitespace(arr), arr), dtype=bool))
    assert len(removed) >= 29
    for i in removed:
        assert columns._space_lead(np.frombuffer(points[i].encode(), np.uint8)[:1]), hex(ord(points[i]))
    assert not columns._space_lead(np.frombuffer("乙az09（）".encode(), np.uint8))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(st.sampled_from(list("甲a。（\u3000 \u00a0\u2003\t")), max_size=5))))
def test_a_column_trimmed_unless_no_byte_can_start_white_space(cells):
    arr = pa.array(cells, pa.string())
    assert columns.trim(arr).to_pylist() == pc.utf8_trim_whitespace(arr).to_pylist()


def test_a_space_far_into_a_long_column_is_still_trimmed():
    long = pa.array(["甲乙丙丁" * 10] * 2000 + ["甲\u3000"], pa.string())  # the space after the first 64 KiB
    assert columns.trim(long).to_pylist()[-1] == "甲"
    spaceless = long.slice(0, 2000)
    assert columns.trim(spaceless) is spaceless  # nothing to trim: the column itself
