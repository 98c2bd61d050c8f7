"""The vectorised chunk matcher against the per-firm reference (Matcher.place_text), on the cases its
segmenting (texts cut at clause ends, each distinct segment matched once) must get right."""

import pyarrow as pa

from chainmap.importer.chunkmatch import ChunkMatcher
from chainmap.importer.match import Matcher
from chainmap.importer.place import match_texts
from chainmap.library import bundled_library
from chainmap.load import load_library

_CACHE: dict[str, tuple[Matcher, ChunkMatcher]] = {}


def _matchers() -> tuple[Matcher, ChunkMatcher]:
    if "m" not in _CACHE:
        m = Matcher(load_library(bundled_library()))
        _CACHE["m"] = (m, ChunkMatcher(m))
    return _CACHE["m"]


def _same(texts: list[str | None]) -> list[list]:
    m, cm = _matchers()
    arr = pa.array(texts, pa.string())
    got, want = cm.match(arr), match_texts(m, pa.array([t or "" for t in texts], pa.string()))
    for g, w in zip(got, want, strict=True):
        assert g.to_pylist() == w.to_pylist()
    return [w.to_pylist() for w in want]


def test_a_term_holding_a_comma_and_a_shorter_clause_before_it():
    """'PTA和1,4-丁二醇销售': the clause of PTA ends at the comma inside 1,4-丁二醇 (and trades
    nothing), the clause of 1,4-丁二醇 runs to the end (and only trades): two clauses of one start."""
    m, _cm = _matchers()
    assert any("," in p[0] for p in m.patterns)
    texts = ["\nPTA和1,4-丁二醇销售\n\n某公司", "\n1,4-丁二醇销售；PTA和1,4-丁二醇生产\n\n某公司"]
    evidence = _same(texts)[3]
    assert "经营范围(仅销售)" in evidence[0] and "「PTA」0.70" in evidence[0]


def test_segments_repeated_across_rows_rows_and_fields_kept_apart():
    """The same segment in many rows and in different fields (products, scope, name) is matched once
    but counted for each row and field; a text ending without a line break, empty and missing texts."""
    seg = "精对苯二甲酸(PTA)的生产；"
    texts = [
        f"{seg}\n{seg}服装销售。\n\n{seg}",
        f"\n{seg}\n化学原料和化学制品制造业\n某{seg}公司",
        None,
        "",
        f"\n\n\n{seg}",
        "涤纶长丝；PTA；px:聚酯切片\n批发：PTA，PX\n\n",
        "PTA",
    ]
    ties = _same(texts)[0]
    assert ties[0] and ties[1] and not ties[2] and not ties[3]


def test_a_term_holding_a_clause_end_is_still_found(mini):
    """A library whose terms hold '；' and '：' (no segment is cut there, so the term is found whole),
    business scopes with those terms among trading and making clauses."""
    chain = (mini / "alpha.yaml").read_text(encoding="utf-8")
    (mini / "alpha.yaml").write_text(
        chain.replace("keywords: [共用体]", "keywords: [共用体, 甲料；乙料, 丙料：丁料]"), "utf-8"
    )
    m = Matcher(load_library(mini))
    cm = ChunkMatcher(m)
    assert any("；" in p[0] for p in m.patterns) and any("：" in p[0] for p in m.patterns)  # noqa: RUF001
    texts = [
        "\n甲料；乙料生产；服装销售\n\n某公司",
        "\n批发：丙料：丁料\n\n丙料：丁料公司",
        "甲料；乙料\n丙料；丁料销售。\n\n",
        "\n甲料；\n乙料\n",
    ]
    arr = pa.array(texts, pa.string())
    got, want = cm.match(arr), match_texts(m, arr)
    for g, w in zip(got, want, strict=True):
        assert g.to_pylist() == w.to_pylist()
    assert got[0].to_pylist()[:2] == [["shared"], ["shared"]]
