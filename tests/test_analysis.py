"""Gaps, targets and routes on the hand-made library, where the right answers are known by construction."""

from __future__ import annotations

import pytest

import chainmap
from chainmap import UsageError
from chainmap.analysis.gaps import completeness, gaps
from chainmap.analysis.routes import routes
from chainmap.analysis.targets import targets


def analyse(root, chains=None):
    lib = chainmap.load(root)
    region = lib.regions["home"]
    g = chainmap.build_graph(lib, chains, region)
    gdf = gaps(g, region)
    return g, region, gdf


def by_node(gdf):
    return gdf.set_index("node")


def test_each_gap_type_where_the_chain_says(mini):
    _g, _r, gdf = analyse(mini, ["alpha"])
    rows = by_node(gdf)
    assert (rows.at["a1", "status"], rows.at["a1", "gap_type"]) == ("strong", None)  # 链主 makes it strong
    assert (rows.at["a2", "status"], rows.at["a2", "gap_type"]) == ("missing", "fill")  # between a1 and a3
    assert (rows.at["a3", "status"], rows.at["a3", "gap_type"]) == ("weak", "strengthen")  # one local firm
    assert (rows.at["a4", "status"], rows.at["a4", "gap_type"]) == ("missing", "extend")  # next to a3
    assert (rows.at["a5", "status"], rows.at["a5", "gap_type"]) == ("missing", None)  # two steps away
    assert rows.at["t3", "gap_type"] == "extend"  # a technology of a present link
    assert rows.at["t2", "gap_type"] == "fill"  # a technology of a fill link
    assert rows.at["a2", "local_firms"] == 0 and rows.at["a2", "candidates"] == 2
    assert rows.at["a1", "local_firms"] == 2
    assert "甲原料" in rows.at["a2", "reason"] and "丙材料" in rows.at["a2", "reason"]


def test_thresholds_come_from_the_profile(mini):
    path = mini / "regions" / "home.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("strong_min_firms: 2", "strong_min_firms: 1"), encoding="utf-8"
    )
    _g, _r, gdf = analyse(mini, ["alpha"])
    assert by_node(gdf).at["a3", "status"] == "strong"
    path.write_text(
        path.read_text(encoding="utf-8")
        .replace("strong_min_firms: 1", "strong_min_firms: 3")
        .replace("leader_tags: [链主]", "leader_tags: [单项冠军]"),
        encoding="utf-8",
    )
    _g, _r, gdf = analyse(mini, ["alpha"])
    assert by_node(gdf).at["a1", "status"] == "weak"  # 2 firms and no leader under these thresholds


def test_priority_order(mini):
    _g, _r, gdf = analyse(mini, ["alpha"])
    rows = by_node(gdf)
    assert list(gdf["priority"]) == sorted(gdf["priority"], reverse=True)
    assert rows.at["a2", "priority"] > rows.at["a4", "priority"] > rows.at["a3", "priority"] > 0
    assert rows.at["a2", "priority"] > rows.at["t2", "priority"]  # a link before its technologies
    assert rows.at["a1", "priority"] == 0 and rows.at["a5", "priority"] == 0
    assert gdf.iloc[0]["node"] == "a2"


def test_key_link_and_dependence_raise_priority(mini):
    _g, _r, before = analyse(mini, ["alpha"])
    f = mini / "alpha.yaml"
    f.write_text(
        f.read_text(encoding="utf-8").replace(
            "      - id: a4\n        name: 丁制品", "      - id: a4\n        name: 丁制品\n        key: true"
        ),
        encoding="utf-8",
    )
    _g, _r, after = analyse(mini, ["alpha"])
    assert by_node(after).at["a4", "priority"] == pytest.approx(by_node(before).at["a4", "priority"] + 20)


def test_completeness(mini):
    g, _r, gdf = analyse(mini)
    c = completeness(g, gdf).set_index("chain")
    assert c.at["alpha", "links"] == 6 and c.at["alpha", "strong"] == 1 and c.at["alpha", "weak"] == 1
    assert c.at["alpha", "completeness"] == pytest.approx(2 / 6, abs=1e-3)
    # key link a1 present counts double: (2 + 1) / (6 + 2)
    assert c.at["alpha", "weighted_completeness"] == pytest.approx(3 / 8, abs=1e-3)
    assert c.at["all", "links"] == 9
    # gap types count links (a2 fill, a4 extend, a3 strengthen); technologies and components apart
    assert (c.at["alpha", "fill"], c.at["alpha", "extend"], c.at["alpha", "strengthen"]) == (1, 1, 1)
    assert c.at["alpha", "part_gaps"] == 9  # t2 t2b c2 c2b (fill), t1 t1b c1 c1b t3 (extend)


def test_breakdowns_add_up_and_stay_within_weights(mini):
    g, region, gdf = analyse(mini)
    df = targets(g, region, gdf)
    assert len(df) == 3 and list(df["rank"]) == [1, 2, 3]
    for row in df.itertuples():
        assert sum(row.breakdown.values()) == pytest.approx(row.score, abs=1e-9)
        for criterion, points in row.breakdown.items():
            assert 0 <= points <= getattr(region.weights, criterion)
    assert list(df["score"]) == sorted(df["score"], reverse=True)
    top = df.iloc[0]
    assert top["company"] == "far_a2_big" and top["covers"] == ["a2", "t2"]
    assert "本地甲" in top["why"] and "长三角" in top["why"] and "乙中间体" in top["why"]


def test_local_supply_tie_raises_a_firm(mini):
    g, region, gdf = analyse(mini)
    with_tie = targets(g, region, gdf).set_index("company").loc["far_a2_big"]
    f = mini / "companies" / "firms.yaml"
    f.write_text(f.read_text(encoding="utf-8").replace("    supplies: [far_a2_big]\n", ""), encoding="utf-8")
    g, region, gdf = analyse(mini)
    without = targets(g, region, gdf).set_index("company").loc["far_a2_big"]
    assert with_tie["breakdown"]["ties"] > 0 and without["breakdown"]["ties"] == 0
    assert with_tie["score"] > without["score"]
    assert "以商引商" in with_tie["why_detail"] and "以商引商" not in without["why_detail"]
    assert "本地甲" in with_tie["why"] and "本地甲" not in without["why"]


def _add_firms(mini, text):
    f = mini / "companies" / "firms.yaml"
    f.write_text(f.read_text(encoding="utf-8") + text, encoding="utf-8")


TWIN = """  - id: {id}
    name: {name}
    province: 四川省
    city: 绵阳市
    operates: {ops}
    source: 测试数据
    as_of: 2024-01-01
"""


def test_two_gaps_beat_one_for_otherwise_equal_firms(mini):
    _add_firms(
        mini,
        TWIN.format(id="one_gap", name="一缺口有限公司", ops="[a2]")
        + TWIN.format(id="two_gaps", name="二缺口有限公司", ops="[a2, a4]"),
    )
    g, region, gdf = analyse(mini)
    df = targets(g, region, gdf).set_index("company")
    assert df.at["two_gaps", "score"] > df.at["one_gap", "score"]
    assert df.at["two_gaps", "rank"] < df.at["one_gap", "rank"]


def test_ties_are_broken_deterministically(mini):
    _add_firms(
        mini,
        TWIN.format(id="zz_twin", name="乙双胞胎二有限公司", ops="[a2]")
        + TWIN.format(id="aa_twin", name="乙双胞胎一有限公司", ops="[a2]"),
    )
    g, region, gdf = analyse(mini)
    first = targets(g, region, gdf)
    again = targets(g, region, gaps(g, region))
    ranks = first.set_index("company")["rank"]
    assert first.set_index("company").at["aa_twin", "score"] == first.set_index("company").at["zz_twin", "score"]
    assert ranks["aa_twin"] == ranks["zz_twin"] - 1
    assert list(first["company"]) == list(again["company"])


def test_gap_filter_and_top(mini):
    g, region, gdf = analyse(mini)
    only_a4 = targets(g, region, gdf, gap="a4")
    assert set(only_a4["company"]) == {"far_a2_a4", "far_a4"}
    assert len(targets(g, region, gdf, top=1)) == 1
    with pytest.raises(UsageError, match="“a1”在.*不是缺口（本地状态：强）.*chainmap gaps"):
        targets(g, region, gdf, gap="a1")
    with pytest.raises(UsageError, match="是不是“a4”"):
        targets(g, region, gdf, gap="a44")


def test_routes_group_targets_by_city(mini):
    _add_firms(
        mini,
        TWIN.format(id="mianyang_a", name="绵阳甲有限公司", ops="[a2]")
        + TWIN.format(id="mianyang_b", name="绵阳乙有限公司", ops="[a4]"),
    )
    g, region, gdf = analyse(mini)
    t = targets(g, region, gdf)
    r = routes(t, region)
    assert list(r["score"]) == sorted(r["score"], reverse=True)
    mianyang = r.set_index("city").loc["绵阳市"]
    scores = t.set_index("company")["score"]
    assert mianyang["score"] == pytest.approx(scores["mianyang_a"] + scores["mianyang_b"])
    assert mianyang["firms"] == sorted(["mianyang_a", "mianyang_b"], key=lambda c: t.set_index("company").at[c, "rank"])
    assert set(mianyang["covers"]) == {"a2", "a4"}
    assert r.set_index("city").at["宁波市", "priority_region"] == "长三角"
    assert r.set_index("city").at["绵阳市", "priority_region"] == ""
    assert sum(r["firm_count"]) == len(t)
