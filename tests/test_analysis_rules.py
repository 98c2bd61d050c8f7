"""Each rule of the gap and target analysis on small hand-made chains whose answers are known by construction."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
import yaml

import chainmap
from chainmap.analysis.feasibility import feasibility, placements_from_graph, proximity, rca
from chainmap.analysis.wave import first_wave
from chainmap.errors import LoadError
from chainmap.present.pswot import pswot_svg

TODAY = dt.date(2026, 1, 1)


def link(id_, feeds=(), **extra):
    return {"id": id_, "name": f"{id_}环节", "feeds": list(feeds), **extra}


def chain(id_, links):
    return {"id": id_, "name": f"{id_}链", "segments": [{"id": "all", "name": "全链", "links": links}]}


def firm(id_, ops, city="测试市", province="江苏省", **extra):
    return {
        "id": id_,
        "name": f"{id_}有限公司",
        "short_name": id_,
        "province": province,
        "city": city,
        "operates": list(ops),
        "source": "测试数据",
        "as_of": "2025-06-30",
        **extra,
    }


REGION = {"id": "home", "name": "测试市", "province": "江苏省", "city": "测试市"}


def make_lib(root: Path, chains, firms, region=None) -> Path:
    for sub in ("companies", "regions"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    for c in chains:
        (root / f"{c['id']}.yaml").write_text(yaml.safe_dump(c, allow_unicode=True), encoding="utf-8")
    (root / "companies" / "firms.yaml").write_text(
        yaml.safe_dump({"companies": firms}, allow_unicode=True), encoding="utf-8"
    )
    (root / "regions" / "home.yaml").write_text(yaml.safe_dump(region or REGION, allow_unicode=True), encoding="utf-8")
    return root


def run(root: Path, chains=None, **kw):
    return chainmap.analyse(chainmap.load(root), chains, "home", **kw)


def cell(df, node, col, chain=None):
    rows = df[(df["node"] == node) & ((df["chain"] == chain) if chain else True)]
    assert len(rows) == 1, rows
    return rows.iloc[0][col]


# ---------------------------------------------------------------- gap types on each chain's own flow


@pytest.fixture
def two_chains(tmp_path):
    """Chain p: u -> m (u local). Chain q: m -> d (d local). m is shared: on the merged graph it sits between
    two present links, but each chain alone has a present link on one side only, so it is 延链 in both."""
    p = chain("p", [link("u", ["m"]), link("m")])
    q = chain("q", [{"ref": "m", "feeds": ["d"]}, link("d")])
    return make_lib(tmp_path / "lib", [p, q], [firm("fu", ["u"]), firm("fd", ["d"])])


def test_fill_needs_both_sides_in_the_same_chain(two_chains):
    a = run(two_chains)
    assert cell(a.chain_gaps, "m", "gap_type", "p") == "extend"
    assert cell(a.chain_gaps, "m", "gap_type", "q") == "extend"
    assert "fill" not in set(a.gaps["gap_type"])
    assert "上游「u环节」（相邻）" in cell(a.chain_gaps, "m", "reason", "p")
    assert "下游「d环节」（相邻）" in cell(a.chain_gaps, "m", "reason", "q")


def test_a_shared_link_judged_differently_in_two_chains(tmp_path):
    # chain p: a -> s -> b with a and b local: s is 补链 in p. chain q: s -> x -> y, nothing local: no gap in q.
    p = chain("p", [link("a", ["s"]), link("s", ["b"], key=True), link("b")])
    q = chain("q", [{"ref": "s", "feeds": ["x"]}, link("x", ["y"]), link("y")])
    root = make_lib(tmp_path / "lib", [p, q], [firm("fa", ["a"]), firm("fb", ["b"])])
    a = run(root)
    assert cell(a.chain_gaps, "s", "gap_type", "p") == "fill"
    assert cell(a.chain_gaps, "s", "gap_type", "q") is None
    # one row per node: the most urgent chain, named
    assert (cell(a.gaps, "s", "chain"), cell(a.gaps, "s", "gap_type")) == ("p", "fill")
    assert cell(a.gaps, "s", "chains") == ["p", "q"]
    # the same rows as an analysis of that chain alone
    alone = run(root, ["q"]).gaps.set_index("node")
    in_all = a.gaps_of_chain("q").set_index("node")
    cols = ["status", "gap_type", "priority", "reason"]
    assert alone.loc[["s", "x", "y"], cols].equals(in_all.loc[["s", "x", "y"], cols])


def test_fill_reach_counts_feeds_steps(tmp_path):
    # x1 -> x2 -> x3 -> x4 -> x5, x1 and x5 local: x3 is two steps from each.
    c = chain("c", [link("x1", ["x2"]), link("x2", ["x3"]), link("x3", ["x4"]), link("x4", ["x5"]), link("x5")])
    root = make_lib(tmp_path / "lib", [c], [firm("f1", ["x1"]), firm("f5", ["x5"])])
    g = run(root).gaps
    assert [cell(g, n, "gap_type") for n in ("x2", "x3", "x4")] == ["extend", "fill", "extend"]
    assert "（相距2步）" in cell(g, "x3", "reason")
    region = dict(REGION, thresholds={"fill_reach": 1})
    root = make_lib(tmp_path / "lib1", [c], [firm("f1", ["x1"]), firm("f5", ["x5"])], region)
    g = run(root).gaps
    assert [cell(g, n, "gap_type") for n in ("x2", "x3", "x4")] == ["extend", None, "extend"]


# ---------------------------------------------------------------- roles


def test_resource_and_service_links_are_never_gaps_nor_targets(tmp_path):
    c = chain(
        "c",
        [
            link("ore", ["smelt"], role="resource"),
            link("smelt", ["part"]),
            link("part", ["port"]),
            link("port", role="service"),
        ],
    )
    firms = [
        firm("local_smelt", ["smelt"]),
        firm("miner", ["ore"], city="宁波市", province="浙江省"),
        firm("shipper", ["port"], city="宁波市", province="浙江省"),
        firm("maker", ["part"], city="宁波市", province="浙江省"),
    ]
    a = run(make_lib(tmp_path / "lib", [c], firms))
    g = a.gaps.set_index("node")
    assert g.at["ore", "status"] == "missing" and g.at["ore", "gap_type"] is None and g.at["ore", "role"] == "resource"
    assert g.at["port", "gap_type"] is None and g.at["port", "priority"] == 0
    assert "资源保障环节" in g.at["ore", "reason"]
    assert g.at["part", "gap_type"] == "extend"
    assert list(a.targets["company"]) == ["maker"]


# ---------------------------------------------------------------- strength from capacity and overrides


def _cap(value):
    return [{"link": "p", "value": value, "unit": "万吨/年", "source": "测试公告", "as_of": "2025-01-01"}]


@pytest.mark.parametrize(("capacity", "status"), [(None, "weak"), (50, "weak"), (390, "strong")])
def test_one_large_plant_makes_a_link_strong(tmp_path, capacity, status):
    c = chain("c", [link("p")])
    extra = {"capacities": _cap(capacity)} if capacity else {}
    a = run(make_lib(tmp_path / "lib", [c], [firm("plant", ["p"], **extra)]))
    assert cell(a.gaps, "p", "status") == status
    if capacity:
        assert f"产能{capacity}万吨/年" in cell(a.gaps, "p", "reason")


def test_a_sourced_override_decides_strength(tmp_path):
    c = chain("c", [link("p")])
    region = dict(
        REGION, strength_overrides=[{"node": "p", "status": "strong", "source": "市发改委报告", "as_of": "2025-03-01"}]
    )
    a = run(make_lib(tmp_path / "lib", [c], [firm("plant", ["p"])], region))
    assert cell(a.gaps, "p", "status") == "strong"
    assert "市发改委报告" in cell(a.gaps, "p", "reason") and "2025-03-01" in cell(a.gaps, "p", "reason")


def test_capacity_must_sit_at_a_link_the_firm_operates(tmp_path):
    c = chain("c", [link("p"), link("q")])
    bad = firm("plant", ["q"], capacities=_cap(10))
    with pytest.raises(LoadError, match="capacities name p"):
        chainmap.load(make_lib(tmp_path / "lib", [c], [bad]))


# ---------------------------------------------------------------- targets: groups, status, why


@pytest.fixture
def groups_lib(tmp_path):
    c = chain("c", [link("a", ["b"]), link("b", ["c"]), link("c")])
    far = {"city": "苏州市", "province": "江苏省"}
    firms = [
        firm("home_a", ["a"]),
        firm("holding", ["b"], **far, tags=["链主"]),
        firm("plant_here", ["a"], parent="holding"),  # the group's local site
        firm("sister", ["b", "c"], parent="holding", **far),
        firm("newcomer", ["b"], city="宁波市", province="浙江省", as_of="2020-01-01"),
        firm("broke", ["b"], city="宁波市", province="浙江省", status="破产", delisted="2021-04-30"),
    ]
    return make_lib(tmp_path / "lib", [c], firms)


def test_groups_appear_once_and_existing_investors_are_marked(groups_lib):
    t = run(groups_lib).all_targets.set_index("company")
    assert "sister" not in t.index  # shown once, under its group
    row = t.loc["holding"]
    assert row["track"] == "existing" and row["members"] == ["holding", "sister"]
    assert row["local_sites"] == ["plant_here"] and row["covers"] == ["b"]  # c is two steps from a: no gap
    assert row["why"].startswith("链主企业，已在我市投资plant_here，争取")
    assert t.at["newcomer", "track"] == "new"


def test_firms_not_active_are_left_out_and_listed(groups_lib):
    a = run(groups_lib)
    assert "broke" not in set(a.all_targets["company"])
    ex = a.excluded.set_index("company")
    assert list(ex.index) == ["broke"] and ex.at["broke", "status"] == "破产"
    assert "破产" in ex.at["broke", "reason"] and "2021-04-30" in ex.at["broke", "reason"]


def test_data_date_and_stale_flag(groups_lib):
    lib = chainmap.load(groups_lib)
    a = chainmap.analyse(lib, None, "home")
    from chainmap.analysis.targets import targets

    t = targets(a.graph, a.region, a.gaps, today=TODAY).set_index("company")
    assert (t.at["newcomer", "as_of"], bool(t.at["newcomer", "stale"])) == ("2020-01-01", True)
    assert (t.at["holding", "as_of"], bool(t.at["holding", "stale"])) == ("2025-06-30", False)
    assert "数据较旧" in t.at["newcomer", "why_detail"]


def test_why_fits_forty_characters_with_long_names(tmp_path):
    long = "超长名称" * 8
    c = chain("c", [link("a", ["b"]), {"id": "b", "name": long + "(附注)", "feeds": []}])
    firms = [firm("home_a", ["a"]), firm("far", ["b"], city="宁波市", province="浙江省", tags=["链主"])]
    t = run(make_lib(tmp_path / "lib", [c], firms)).targets
    assert len(t.iloc[0]["why"]) <= 40 and len(t.iloc[0]["why_detail"]) > 40
    assert "附注" not in t.iloc[0]["why"]


# ---------------------------------------------------------------- projects, first wave, what-if


def test_projects_are_named_in_the_reason(tmp_path):
    c = chain("c", [link("a", ["b"]), link("b")])
    root = make_lib(tmp_path / "lib", [c], [firm("fa", ["a"])])
    a = run(root, projects={"b": [{"name": "年产10万吨b项目", "stage": "签约"}]})
    assert cell(a.gaps, "b", "projects") == ["年产10万吨b项目（签约）"]
    assert "已有项目：年产10万吨b项目（签约）" in cell(a.gaps, "b", "reason")
    assert cell(run(root).gaps, "b", "projects") == []


def test_first_wave_prefers_a_firm_that_opens_a_new_gap(tmp_path):
    c = chain("c", [link("a", ["b", "d"]), link("b"), link("d")])
    far = {"city": "宁波市", "province": "浙江省"}
    firms = [
        firm("home_a", ["a"]),
        firm("big_b", ["b"], **far, tags=["链主"]),
        firm("big_b2", ["b"], **far, tags=["龙头"]),
        firm("small_d", ["d"], **far),
    ]
    a = run(make_lib(tmp_path / "lib", [c], firms))
    ranked = list(a.all_targets["company"])
    assert ranked.index("small_d") == 2  # last by score
    wave = list(a.first_wave["company"])
    assert wave[:2] == ["big_b", "small_d"]  # the second b-maker adds only half of its value
    assert a.first_wave.iloc[1]["new_covers"] == ["d环节"] and a.first_wave.iloc[2]["new_covers"] == []
    assert list(first_wave(a.all_targets, a.gaps, size=1)["company"]) == ["big_b"]


def test_what_if_closes_gaps_and_raises_completeness(tmp_path):
    c = chain("c", [link("a", ["b"]), link("b")])
    far = {"city": "宁波市", "province": "浙江省"}
    a = run(make_lib(tmp_path / "lib", [c], [firm("fa", ["a"]), firm("fb", ["b"], tags=["链主"], **far)]))
    w = a.what_if(["fb"])
    row = w.changes.set_index("node").loc["b"]
    assert (row["status_before"], row["status_after"], bool(row["closed"])) == ("missing", "strong", True)
    comp = w.completeness.set_index("chain").loc["c"]
    assert (comp["before"], comp["after"]) == (0.5, 1.0)
    with pytest.raises(chainmap.UsageError, match="unknown firm"):
        a.what_if(["nobody"])


# ---------------------------------------------------------------- feasibility


def placements(rows):
    return pd.DataFrame(rows, columns=["firm", "province", "city", "node", "capital"])


def test_rca_density_and_quadrants_by_hand():
    # home (连云港) firms: h1 on x,y. Elsewhere: n1 on x,z; n2 on y,z; n3 on z.
    p = placements(
        [
            ("h1", "江苏省", "连云港市", "x", 1e8),
            ("h1", "江苏省", "连云港市", "y", 1e8),
            ("n1", "浙江省", "宁波市", "x", None),
            ("n1", "浙江省", "宁波市", "z", None),
            ("n2", "浙江省", "宁波市", "y", 3e8),
            ("n2", "浙江省", "宁波市", "z", 3e8),
            ("n3", "浙江省", "宁波市", "z", None),
        ]
    )
    r = rca(p).loc["江苏省连云港市"]
    # home: x 1/2, y 1/2; all: x 2/7, y 2/7, z 3/7 -> RCA x = y = 7/4, z = 0
    assert r["x"] == pytest.approx(1.75) and r["y"] == pytest.approx(1.75) and r["z"] == 0
    phi = proximity(p)
    # x: {h1,n1}, y: {h1,n2}, z: {n1,n2,n3}; x&z share n1: min(1/3, 1/2)
    assert phi.loc["x", "z"] == pytest.approx(1 / 3) and phi.loc["x", "y"] == pytest.approx(0.5)
    t = feasibility(p, ("江苏省", "连云港市"), {"c": ["x", "y", "z"]}).set_index("node")
    # density of z for home: M = {x, y}: (1/3 + 1/3) / (1/3 + 1/3) = 1
    assert t.at["z", "density"] == pytest.approx(1.0) and t.at["z", "quadrant"] == "机会"
    # by capital (known for h1 and n2 only): home x 1e8 of 2e8; all x 1e8 of 8e8 -> 4
    assert bool(t.at["x", "present"]) and t.at["x", "rca_capital"] == pytest.approx(4.0)
    assert feasibility(p.iloc[:0], ("江苏省", "连云港市"), {"c": ["x"]}) is None


def test_without_imported_firms_feasibility_is_not_computed(two_chains):
    a = run(two_chains)
    assert a.feasibility is None and a.gaps["feasibility"].isna().all()
    assert "density" not in str(list(a.gaps["breakdown"]))


def test_density_enters_the_priority_as_a_named_weight(two_chains):
    a = run(two_chains)
    g = a.graph
    feas = pd.DataFrame({"chain": ["p"], "node": ["m"], "rca": [0.0], "density": [0.5]})
    from chainmap.analysis.gaps import chain_gaps

    with_d = chain_gaps(g, a.region, feasibility=feas)
    row = with_d[(with_d.chain == "p") & (with_d.node == "m")].iloc[0]
    before = a.chain_gaps[(a.chain_gaps.chain == "p") & (a.chain_gaps.node == "m")].iloc[0]
    assert row["breakdown"]["density"] == pytest.approx(a.region.gap_weights.density * 0.5)
    assert row["priority"] == pytest.approx(before["priority"] + 5.0)
    assert row["feasibility"] == {"rca": 0.0, "density": 0.5} and "关联密度0.50" in row["reason"]


def test_placements_come_from_the_imported_firms_only(two_chains):
    a = run(two_chains)
    assert placements_from_graph(a.graph, []).empty
    assert set(placements_from_graph(a.graph, ["fu"])["node"]) == {"u"}


def test_pswot_chart_is_one_escaped_svg():
    import xml.etree.ElementTree as ET

    t = pd.DataFrame(
        {
            "chain": ["c"] * 3,
            "node": ["a", "b", "d"],
            "name": ["A<&>", "B", "D"],
            "rca": [3.0, 0.0, 0.5],
            "density": [0.9, 0.8, 0.1],
        }
    )
    svg = pswot_svg(t, "c", title="测试")
    root = ET.fromstring(svg)  # well-formed: names escaped
    texts = "".join(root.itertext())
    for label in ("优势", "机会", "威胁", "劣势", "A<&>"):
        assert label in texts
    assert len(root.findall(".//{http://www.w3.org/2000/svg}circle")) == 3
    assert svg == pswot_svg(t, "c", title="测试")
    assert "未计算" in pswot_svg(None, "c")


@pytest.mark.parametrize("store", ["yaml", "parquet"])
def test_feasibility_from_an_imported_census_end_to_end(mini, tmp_path, store):
    import csv

    from chainmap.importer import ImportOptions, run_import

    rows = [["企业名称", "登记状态", "注册资本", "所属省份", "所属城市", "主营产品"]]
    census = [
        ("测试甲丙一有限公司", "江苏", "测试", "甲原料、丙材料"),
        ("测试甲丙二有限公司", "江苏", "测试", "甲原料、丙材料"),
        ("宁波乙丙一有限公司", "浙江", "宁波", "乙中间体、丙材料"),
        ("宁波乙丙二有限公司", "浙江", "宁波", "乙中间体、丙材料"),
        ("宁波乙丁有限公司", "浙江", "宁波", "乙中间体、丁制品"),
        ("苏州甲乙有限公司", "江苏", "苏州", "甲原料、乙中间体"),
        ("苏州丁有限公司", "江苏", "苏州", "丁制品"),
    ]
    rows += [[n, "存续", "1000万元", p, c, prod] for n, p, c, prod in census]
    f = tmp_path / "census.csv"
    with f.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows(rows)
    lib = chainmap.load(mini)
    assert chainmap.analyse(lib, ["alpha"], "home").feasibility is None
    run_import(lib, ImportOptions(file=f, progress=False, region=lib.regions["home"], store=store))
    a = chainmap.analyse(chainmap.load(mini), ["alpha"], "home")
    feas = a.feasibility
    assert feas is not None and {"a1", "a2", "a3"} <= set(feas["node"])
    row = feas.set_index("node").loc["a2"]
    assert row["rca"] == 0 and 0 < row["density"] <= 1  # related to a1 and a3, which the home city has
    gap = a.gaps.set_index("node").loc["a2"]
    assert gap["feasibility"]["density"] == pytest.approx(row["density"], abs=1e-3)
    assert gap["breakdown"]["density"] > 0 and "关联密度" in gap["reason"]
    # the chain page shows the PSWOT chart of the same figures (open), and says when it is not computed
    out = tmp_path / "site"
    chainmap.render(chainmap.load(mini), ["alpha"], "home", outdir=out)
    page = (out / "alpha.html").read_text(encoding="utf-8")
    assert '<details class="at-feas" open>' in page and "<svg" in page.split("at-feas", 1)[1]
    assert "未计算" not in page.split("at-feas", 1)[1].split("</summary>", 1)[0]
    bare = tmp_path / "bare"
    chainmap.render(lib, ["alpha"], "home", outdir=bare)
    assert "未计算" in (bare / "alpha.html").read_text(encoding="utf-8").split("at-feas", 1)[1]
