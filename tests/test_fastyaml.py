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
    bundled = sorted(BUNDLED.rglob("*.yaml"))
    fast = [check_same(f.read_text(encoding="utf-8")) for f in bundled]
    assert sum(fast) >= 0.9 * len(bundled)  # folded texts and quoted list items are in the subset
    assert sum(check_same(f.read_text(encoding="utf-8")) for f in sorted(MINI.rglob("*.yaml"))) >= 1


lines = (
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp")), min_size=1, max_size=15)
    .map(str.strip)
    .filter(bool)
)


@settings(max_examples=80, deadline=None)
@given(
    texts=st.lists(lines, min_size=1, max_size=4),
    indent=st.sampled_from([2, 4]),
    blank=st.booleans(),
    nested=st.booleans(),
)
def test_folded_text_reads_as_pyyaml_reads_it(texts, indent, blank, nested):
    pad = " " * indent
    body = "".join(f"{pad}{pad if nested else ''}{t}\n" for t in texts)
    text = f"{'a:' + chr(10) + pad if nested else ''}note: >-\n{body}{chr(10) if blank else ''}after: 1\n"
    assert check_same(text)  # the same data and positions as PyYAML's, without PyYAML


items = st.one_of(
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=8).map(
        lambda t: "'" + t.replace("'", "''") + "'"
    ),
    st.text(
        alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc"), exclude_characters='"\\'), max_size=8
    ).map(lambda t: '"' + t + '"'),
    st.sampled_from(["上市", "a b", "1,6", "x", "yes", "2024-01-01", "12", "421#"]),
)


@settings(max_examples=80, deadline=None)
@given(parts=st.lists(items, max_size=5), trailing=st.booleans())
def test_flow_lists_with_quoted_items_read_as_pyyaml_reads_them(parts, trailing):
    text = f"tags: [{', '.join(parts)}{',' if trailing and parts else ''}]\n"
    try:
        want = yaml.safe_load(text)
    except yaml.YAMLError:
        assert fast_parse(text) is None
        return
    fast = fast_parse(text)
    assert fast is None or fast[0] == want
    if all(p[0] in "'\"" for p in parts):
        assert fast is not None  # quoted items are always in the subset


def test_writing_outside_the_subset_falls_back_to_pyyaml():
    for text in (
        "a: &x 1\nb: *x\n",  # anchors
        "a: |\n  text\n",  # block scalars but folded text
        "a: >\n  text\n",  # folded text keeping its last line break
        "a: >-\n  one\n\n  two\n",  # a blank line inside folded text (a line break)
        "a: >-\n  one\n    two\n",  # a more-indented line (kept as it is)
        "a: >-\n  one \n  two\n",  # trailing spaces
        "a: >-\nb: 1\n",  # no text
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


@settings(max_examples=40, deadline=None)
@given(doc=docs, indent=st.sampled_from([2, 4]))
def test_shallow_marks_are_the_full_marks_down_to_the_top_level_items(doc, indent):
    text = yaml.safe_dump(doc, allow_unicode=True, default_flow_style=False, indent=indent, sort_keys=False)
    full, shallow = fast_parse(text), fast_parse(text, full=False)
    if full is None:
        assert shallow is None
        return
    assert shallow[0] == full[0]
    for got, want in ((shallow[1], full[1]), (shallow[2], full[2])):
        assert got.items() <= want.items()  # never a different position, only fewer
        assert {p for p in want if len(p) <= 2} <= set(got)


def test_problems_in_a_large_file_are_located_as_in_a_small_one(tmp_path, monkeypatch):
    from chainmap.validate import validate

    from .synth import write_library

    root = write_library(tmp_path / "lib", firms=1500)
    firms = next((root / "companies").glob("*.yaml"))
    text = firms.read_text(encoding="utf-8")
    assert text.count("\n") >= yamlsrc.SHALLOW_FROM
    lines = text.split("\n")
    deep = [i for i, ln in enumerate(lines) if ln.startswith("  - l")][700]  # a tie inside a record far down
    lines[deep] = lines[deep] + "99"
    name = [i for i, ln in enumerate(lines) if ln.startswith("  short_name:")][1200]
    lines[name] = lines[name].replace("short_name", "shortname")  # an unknown key
    firms.write_text("\n".join(lines), encoding="utf-8")
    shallow = [(p.line, p.column, p.message) for p in validate([root]).problems]
    monkeypatch.setattr(yamlsrc, "SHALLOW_FROM", 10**9)  # every mark read up front
    full = [(p.line, p.column, p.message) for p in validate([root]).problems]
    assert shallow == full and len(full) == 2
    assert {line for line, _c, _m in full} == {deep + 1, name + 1}
