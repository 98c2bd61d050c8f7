"""Analysis straight from the firm store gives the very tables the graph path gives (issue 14, item 1).

A generated dense export is imported into a copy of the bundled library; the library is then loaded
twice: ``imported="graph"`` (every placed firm a Company and a networkx node, as before the store) and
the default (firms kept in the store, only some made nodes). Every table must be equal, cell for cell
and in order, whichever firms the store path made nodes of.
"""

from __future__ import annotations

import json
import shutil
import sys

import pytest
from pandas.testing import assert_frame_equal

from chainmap import api
from chainmap.graph import build_graph, graph_and_store, to_node_link
from chainmap.importer import ImportOptions, run_import
from chainmap.library import bundled_library
from chainmap.load import load_library
from chainmap.present.layout import limit_firms
from chainmap.store import recent_signals

from .conftest import ROOT

TABLES = ("feasibility", "chain_gaps", "gaps", "completeness", "all_targets", "excluded", "first_wave", "routes")


@pytest.fixture(scope="module")
def lib_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("storeana") / "chains"
    shutil.copytree(bundled_library(), root, ignore=shutil.ignore_patterns("ledger.sqlite*"))
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import gen_export

    f = gen_export.write(root.parent / "dense.csv", 3000, gen_export.chain_keywords(root), seed=11, match_share=0.85)
    lib = load_library(root)
    s = run_import(lib, ImportOptions(file=f, progress=False, store="parquet", region=api.region(lib))).as_dict()
    assert s["placed"] > 1500 and s["local"] > 20  # a dense export: most firms on nodes, some of them local
    return root


@pytest.fixture(scope="module")
def libs(lib_root):
    return load_library(lib_root, imported="graph"), load_library(lib_root)


def _analyses(libs, chains, firms, **kw):
    old, new = libs
    a = api.analyse(old, chains, **kw)
    b = api.analyse(new, chains, firms=firms, **kw)
    return a, b


def _same(a, b, name):
    x, y = getattr(a, name), getattr(b, name)
    if x is None or y is None:
        assert x is None and y is None, name
        return
    assert_frame_equal(x, y, obj=name)


def test_the_store_holds_the_firms_not_the_library(libs):
    old, new = libs
    assert new.store is not None and len(new.store) > 1500
    imported = [c for c in old.companies if c not in new.companies]
    assert len(imported) == len(new.store) and set(new.store.ids(range(len(new.store)))) == set(imported)


@pytest.mark.parametrize("firms", ["none", "lite", "local", "top"])
@pytest.mark.parametrize("chains", [None, "polyester", ["battery", "solar"]])
def test_every_table_is_the_same(libs, chains, firms):
    a, b = _analyses(libs, chains, firms)
    for name in TABLES:
        _same(a, b, name)
    assert len(a.all_targets) > 100 and a.feasibility is not None  # the store's firms are there
    if firms != "top":  # (with so few firms a map shows them all)
        assert len(b.graph) < len(a.graph)  # ... but not all of them as nodes


def test_heads_top_and_gap_are_the_same(libs):
    a, b = _analyses(libs, None, "none", top=25)
    _same(a, b, "targets")
    assert len(b.targets) == 25
    assert_frame_equal(b.targets_head(10), a.all_targets.head(10))
    gap = a.gaps[a.gaps["gap_type"].notna()].iloc[0]["node"]
    a, b = _analyses(libs, None, "lite", gap=gap)
    _same(a, b, "all_targets")
    assert len(b.all_targets) and all(gap in c for c in b.all_targets["covers"])


def test_what_if_on_a_stored_firm(libs):
    a, b = _analyses(libs, "polyester", "none")
    stored = [c for c in b.all_targets["company"] if c not in b.graph]  # kept in the store
    firm, other = stored[0], b.all_targets.set_index("company").loc[stored[1], "name"]
    wa, wb = a.what_if([firm, other]), b.what_if([firm, other])
    assert_frame_equal(wa.changes, wb.changes)
    assert_frame_equal(wa.completeness, wb.completeness)
    assert len(wb.changes) and firm not in b.graph  # the analysis' own graph is left as it was


def test_graph_all_and_top_are_the_same(libs, monkeypatch):
    old, new = libs
    monkeypatch.setattr(sys.modules["chainmap.graph"], "TOP_BUDGET", 60)
    reg = api.region(new)
    g_old = build_graph(old, ["polyester", "nylon"], reg)
    assert to_node_link(build_graph(new, ["polyester", "nylon"], reg, firms="all")) == to_node_link(g_old)
    top = build_graph(new, ["polyester", "nylon"], reg)
    assert len(top) < len(g_old)
    assert to_node_link(limit_firms(top, 60)[0]) == to_node_link(limit_firms(g_old, 60)[0])
    top, view = graph_and_store(new, ["polyester", "nylon"], reg)  # pages count the firms not drawn
    firms = [sum(d["kind"] == "company" for _n, d in g.nodes(data=True)) for g in (g_old, top)]
    assert view.hidden() > 0 and firms[0] == firms[1] + view.hidden()


def test_bundled_library_unchanged():
    """No store: the default path is the graph path (the results at the merge-base)."""
    root = bundled_library()
    lib_graph, lib = load_library(root, imported="graph"), load_library(root)
    assert lib.store is None
    for chains in (None, "carbon_fiber"):
        a, b = api.analyse(lib_graph, chains), api.analyse(lib, chains, firms="lite")
        for name in TABLES:
            _same(a, b, name)
        assert len(a.all_targets) > 5


def test_cli_lists_from_the_store(lib_root, libs):
    from click.testing import CliRunner

    from chainmap.cli import main

    r = CliRunner().invoke(main, ["--chains", str(lib_root), "targets", "--all", "--format", "json"])
    assert r.exit_code == 0, r.output
    rows = json.loads(r.stdout)
    a = api.analyse(libs[0], None)
    assert [x["company"] for x in rows] == a.all_targets["company"].tolist()
    r = CliRunner().invoke(main, ["--chains", str(lib_root), "targets", "--all"])
    assert r.exit_code == 0 and "目标企业清单（" + str(len(a.all_targets)) + "家）" in r.output
    assert f"共 {len(a.all_targets)} 行" in r.output  # the note counts them all, though 300 were built
    r = CliRunner().invoke(main, ["--chains", str(lib_root), "graph", "--all"])
    assert r.exit_code == 0 and '"kind": "company"' in r.output


def test_feasibility_by_codes_matches_rca_and_proximity(libs):
    """The coded feasibility gives the numbers of the public rca / proximity / density, chain by chain."""
    from chainmap.analysis.feasibility import density, placements_from_graph, proximity, rca

    a = api.analyse(libs[0], None)
    p = placements_from_graph(a.graph, api.imported_firms(libs[0]))
    key = a.region.province + a.region.city
    for _, row in a.feasibility.sample(40, random_state=1).iterrows():
        links = [n for n, d in a.graph.nodes(data=True) if d["kind"] == "link" and row["chain"] in d["chains"]]
        sub = p[p["node"].isin(links)]
        r, rc = rca(sub), rca(sub, by="capital")
        d = density((r >= 1).astype(float), proximity(sub))
        assert row["rca"] == round(float(r.loc[key, row["node"]]) if key in r.index else 0.0, 3)
        has_cap = key in rc.index and row["node"] in rc.columns
        if has_cap:
            assert row["rca_capital"] == round(float(rc.loc[key, row["node"]]), 3)
        else:
            assert row["rca_capital"] is None or row["rca_capital"] != row["rca_capital"]  # None / NaN
        if key in d.index:
            assert row["density"] == round(float(d.loc[key, row["node"]]), 3)


def test_a_region_by_province_and_districts(libs):
    """Local firms by province and district (no city): the store's mask reads the district column."""
    for lib in libs:
        home = api.region(lib)
        lib.regions["districts"] = home.model_copy(
            update={"id": "districts", "city": None, "districts": ["赣榆区", "海州区"], "default": False}
        )
    a, b = _analyses(libs, ["polyester", "nylon"], "none", region_id="districts")
    for name in TABLES:
        _same(a, b, name)
    local = a.gaps["local_names"].map(len).sum()
    assert local and local < api.analyse(libs[0], ["polyester", "nylon"]).gaps["local_names"].map(len).sum()


def test_recent_changes_read_in_why_detail(tmp_path):
    """A newer export raising every firm's capital: the targets' why_detail names the increase."""
    import csv

    root = tmp_path / "chains"
    shutil.copytree(bundled_library(), root, ignore=shutil.ignore_patterns("ledger.sqlite*"))
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import gen_export

    first = gen_export.write(tmp_path / "a.csv", 600, gen_export.chain_keywords(root), seed=5, match_share=0.9)
    rows = list(csv.reader(first.open(encoding="utf-8-sig")))
    rows[0][0] = rows[0][0].replace("2024-06-01", "2024-09-01")
    col = rows[1].index("注册资本")
    for r in rows[2:]:
        r[col] = "9亿元"
    second = tmp_path / "b.csv"
    with second.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows(rows)
    for f in (first, second):
        lib = load_library(root)
        run_import(lib, ImportOptions(file=f, progress=False, store="parquet", region=api.region(lib)))
    a = api.analyse(load_library(root), None, firms="none")
    raised = set(recent_signals(root, kinds=["capital_up"])["id"])
    hit = a.all_targets["company"].isin(raised)
    assert hit.sum() > 20 and (~hit).sum() > 20  # (some had 9亿元 or more, or another currency, already)
    assert all(
        "；近期变动：2024-09-01增资（" in d and d.index("近期变动") < d.index("数据日期")
        for d in a.all_targets[hit]["why_detail"]
    )
    assert not any("近期变动" in d for d in a.all_targets[~hit]["why_detail"])
    # the lists officers print carry no why_detail: the signals have their own column (近期变动)
    assert all(s.startswith("2024-09-01增资（") for s in a.all_targets[hit]["signals"])
    assert (a.all_targets[~hit]["signals"] == "").all()
    from chainmap.present.exports import to_csv

    printed = list(csv.reader(to_csv(a.all_targets, "targets").decode("utf-8-sig").splitlines()))
    col = printed[0].index("近期变动")
    assert sum(r[col].startswith("2024-09-01增资（") for r in printed[1:]) == hit.sum()
    assert_frame_equal(a.targets_head(5), a.all_targets.head(5))


def test_a_ledger_project_names_an_imported_firm_and_its_target_row_shows_the_stage(libs):
    """Projects name their investor; an imported firm is found in the store as it was among the
    library's companies, so the target list's pipeline column reads the same both ways."""
    from chainmap.ledger.data import LedgerData
    from chainmap.ledger.feed import feed_of

    old, new = libs
    targets = api.analyse(old, None).all_targets
    firm = targets[targets["company"].str.startswith("imp_")].iloc[0]  # an imported firm, not a curated one
    assert firm["company"] in new.store.ids(range(len(new.store))) and firm["company"] not in new.companies
    data = LedgerData.from_records(
        projects=[{"code": "P1", "name": "项目", "investor": firm["name"], "stage": "洽谈", "chain": "", "link": ""}]
    )
    rows = []
    for lib in (old, new):
        t = api.analyse(lib, None, ledger=feed_of(data, lib)).all_targets
        rows.append(t.loc[t["company"] == firm["company"], "pipeline"].tolist())
    assert rows[0] == rows[1] == ["洽谈"]


def test_validate_counts_the_imported_firms_kept_in_the_store(lib_root, libs):
    from click.testing import CliRunner

    from chainmap.cli import main

    n = len(libs[1].store)
    text = CliRunner().invoke(main, ["--chains", str(lib_root), "validate"])
    assert text.exit_code == 0 and f"(+{n:,} imported firms on chain nodes, in the store)" in text.output
    js = CliRunner().invoke(main, ["--chains", str(lib_root), "validate", "--format", "json"])
    assert json.loads(js.output)["results"][0]["imported"] == n


def test_show_finds_a_firm_kept_in_the_store(libs, lib_root):
    """``chainmap show`` of an imported firm (by id or full name) prints the record the graph path
    loads for it, read from the store; an unknown name is still a usage error (exit 2)."""
    from click.testing import CliRunner

    from chainmap.cli import main
    from chainmap.present.terminal import firm_card

    old, new = libs
    store = new.store
    row = int(store.tie_row[len(store.tie_row) // 2])
    fid = store.ids([row])[0]
    assert fid not in new.companies and fid in old.companies  # kept in the store, a Company on the graph path
    expected = firm_card(old.companies[fid], old.nodes)
    assert api.find_firm(new, fid) is not None and firm_card(api.find_firm(new, fid), new.nodes) == expected
    name = old.companies[fid].name
    run = CliRunner().invoke
    for arg in (fid, name):
        res = run(main, ["--chains", str(lib_root), "show", arg], catch_exceptions=False)
        assert res.exit_code == 0, res.output
        assert res.output == expected if store.find([name]).get(name) == row else fid in res.output
    assert "从事环节" in expected or "生产部件/材料" in expected or "掌握技术" in expected
    bad = run(main, ["--chains", str(lib_root), "show", "没有这家企业"], catch_exceptions=False)
    assert bad.exit_code == 2 and "unknown chain" in bad.output


@pytest.mark.parametrize("store", ["yaml", "parquet"])
def test_closed_or_departed_firms_are_neither_local_strength_nor_candidates(mini, tmp_path, store):
    """A local firm a newer export lists 注销 (or 迁出: its registration left) no longer makes its link
    strong, and an outside firm listed 注销 is no candidate; the graph path and the store path agree."""
    from .test_import import write_csv

    head = ["企业名称", "登记状态", "所属城市", "主营产品"]
    firms = [["测试甲材料有限公司", "测试市"], ["测试乙材料有限公司", "测试市"], ["远地丙材料有限公司", "苏州市"]]
    firms.append(["远地丁材料有限公司", "杭州市"])  # moves its registration: still a candidate
    for day, statuses in (("20240101", ("存续",) * 4), ("20240601", ("注销", "迁出", "注销", "迁出"))):
        rows = [head, *[[n, st, city, "丙材料"] for (n, city), st in zip(firms, statuses, strict=True)]]
        f = write_csv(tmp_path / f"名单_{day}.csv", rows)
        run_import(load_library(mini), ImportOptions(file=f, progress=False, store=store, workers=1))
        counts = []
        for lib in (load_library(mini, imported="graph"), load_library(mini)):
            g = api.analyse(lib, ["alpha"]).chain_gaps
            counts.append(g.set_index("node").loc["a3", ["local_firms", "candidates"]].tolist())
        assert counts[0] == counts[1], (day, counts)  # the two paths agree
        from chainmap.placements import placements, presence

        table = presence(placements(mini), load_library(mini).regions["home"]).to_pylist()
        stored = next(([r["local"], r["outside"]] for r in table if r["node"] == "a3"), [0, 0])
        assert stored == ([2, 2] if day == "20240101" else [0, 1]), (day, stored)  # the notebook's table too
        if day == "20240101":
            before = counts[0]
    assert counts[0] == [before[0] - 2, before[1] - 1], (before, counts)
