"""The fast reader of plain YAML gives exactly PyYAML's data and positions, or gives up."""

from __future__ import annotations

import datetime as dt

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from chainmap import yamlsrc
from chainmap.fastyaml import fast_parse

from .conftest import BUNDLED, MINI

keys = st.from_regex(r"[a-z_][a-z0-9_]{0,8}", fullmatch=True)
scalars = st.one_of(
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=12),
    st.sampled_from(["yes", "no", "null", "~", "1.5", "-3", "0x1F", "2024-06-30", "上市", "a: b", "#x", "'q'", ""]),
    st.integers(-(10**6), 10**6),
    st.booleans(),
    st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2030, 1, 1)),
    st.none(),
)
docs = st.recursive(
    st.dictionaries(keys, scalars, max_size=4),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(keys, inner, min_size=1, max_size=4)),
    max_leaves=25,
).filter(lambda d: isinstance(d, dict) and d)


def slow_source(text: str) -> yamlsrc.Source:
    node = yamlsrc._compose(text)[0]
    return yamlsrc.Source("f", None, node)


def check_same(text: str) -> bool:
    fast = fast_parse(text)
    if fast is None:
        return False
    data, marks, key_marks = fast
    assert data == yaml.safe_load(text)
    slow = slow_source(text)
    for path, mark in marks.items():
        assert (slow.at(path, "").line, slow.at(path, "").column) == mark, path
    for path, mark in key_marks.items():
        p = slow.at(path, "", key=True)
        assert (p.line, p.column) == mark, path
    return True


@settings(max_examples=60, deadline=None)
@given(doc=docs, flow=st.sampled_from([False, None]), indent=st.sampled_from([2, 4]))
def test_fast_reader_agrees_with_pyyaml(doc, flow, indent):
    text = yaml.safe_dump(doc, allow_unicode=True, default_flow_style=flow, indent=indent, sort_keys=False)
    check_same(text)


def test_library_files_read_the_same_either_way():
    read_fast = 0
    for f in sorted(BUNDLED.rglob("*.yaml")) + sorted(MINI.rglob("*.yaml")):
        read_fast += check_same(f.read_text(encoding="utf-8"))
    assert read_fast >= 1  # the hand-made test library is in the plain subset


def test_writing_outside_the_subset_falls_back_to_pyyaml():
    for text in (
        "a: &x 1\nb: *x\n",  # anchors
        "a: |\n  text\n",  # block scalars
        "a: 'it''s'\nb: \"tab\\there\"\n",  # escapes
        "a: one\n  two\n",  # a value over two lines
        "a: 1\na: 2\n",  # a duplicate key (PyYAML's reader reports it)
        "1: x\n",  # a key that is not an identifier
        "a:\tb\n",  # a tab
        "a: {b: 1}\n",  # a flow mapping
        "--- \na: 1\n",  # a document marker
    ):
        assert fast_parse(text) is None, text
    src, problems = yamlsrc.parse("a: 1\na: 2\n", "f.yaml")
    assert src.data == {"a": 1} and "duplicate key 'a'" in problems[0].message
