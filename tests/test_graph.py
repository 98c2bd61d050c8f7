"""Graph building: typed nodes and edges as docs/outputs.md lists them, merging chains on shared ids."""

from __future__ import annotations

import json

import networkx as nx

from chainmap import build_graph, load_library, to_node_link

from .conftest import run_cli


def test_single_chain_graph(mini):
    lib = load_library(mini)
    g = build_graph(lib, ["alpha"], lib.regions["home"])
    kinds = nx.get_node_attributes(g, "kind")
    assert kinds["chain:alpha"] == "chain" and kinds["alpha:up"] == "segment"
    assert {n for n, k in kinds.items() if k == "link"} == {"a1", "a2", "a3", "a4", "a5", "shared"}
    assert "b1" not in g and "far_b2" not in g  # beta-only nodes stay out
    assert g.has_edge("a1", "a2", key="feeds") and g.has_edge("a1", "t1", key="requires")
    assert g.has_edge("a1", "c1", key="uses") and g.has_edge("far_a2_big", "t2", key="holds")
    assert g.has_edge("test_univ", "a2", key="researches") and g.has_edge("a1", "alpha:up", key="part_of")
    assert g.has_edge("home_a1_leader", "far_a2_big", key="supplies")
    assert g.nodes["home_a1_leader"]["local"] is True and g.nodes["far_a2_big"]["local"] is False
    assert g.nodes["far_a2_big"]["registered_capital"] == 1e9 and g.nodes["far_a2_big"]["capital_currency"] == "CNY"
    assert [g.nodes[n]["level"] for n in ("a1", "a2", "a3", "a4", "a5")] == [0, 1, 2, 3, 4]


def test_merged_graph_joins_on_shared_links(mini):
    lib = load_library(mini)
    g = build_graph(lib)
    assert g.nodes["a2"]["chains"] == ["alpha", "beta"]
    assert g.nodes["shared"]["chains"] == ["alpha", "beta"]
    assert g.nodes["t2"]["chains"] == ["alpha", "beta"]  # a technology belongs to its link's chains
    assert g.has_edge("a2", "alpha:mid", key="part_of") and g.has_edge("a2", "beta:mid", key="part_of")
    assert g.has_edge("a2", "b2", key="feeds")
    links = [n for n, d in g.nodes(data=True) if d["kind"] == "link"]
    assert nx.is_weakly_connected(g.subgraph(links).to_directed())
    assert g.nodes["far_b2"]["registered_capital"] == 3e6 and g.nodes["far_b2"]["capital_currency"] == "USD"


def test_graph_cli_writes_node_link_json(mini, tmp_path):
    out = tmp_path / "g.json"
    res = run_cli("--chains", str(mini), "graph", "--all", "--region", "home", "-o", str(out))
    assert res.returncode == 0, res.stderr
    data = json.loads(out.read_text(encoding="utf-8"))
    g = nx.node_link_graph(data, edges="edges")
    assert g.is_multigraph() and g.is_directed()
    for _n, d in g.nodes(data=True):
        assert d["kind"] in {"chain", "segment", "link", "technology", "component", "institution", "company"}
        assert d["name"] and isinstance(d["chains"], list)
        if d["kind"] == "company":
            assert {"province", "city", "source", "as_of", "local"} <= set(d)
    for _u, _v, d in g.edges(data=True):
        assert d["kind"]
    again = tmp_path / "g2.json"
    run_cli("--chains", str(mini), "graph", "--all", "--region", "home", "-o", str(again))
    assert again.read_bytes() == out.read_bytes()  # deterministic


def test_show_prints_a_tree(mini):
    res = run_cli("--chains", str(mini), "show", "alpha", "--region", "home")
    assert res.returncode == 0, res.stderr
    assert "阿尔法链" in res.stdout and "★ 甲原料  [a1]" in res.stdout and "【本地】本地甲" in res.stdout


def test_validate_summary_json(mini):
    res = run_cli("--chains", str(mini), "validate", "--format", "json")
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    alpha = next(c for c in out["results"][0]["chains"] if c["chain"] == "alpha")
    assert alpha["links"] == 6 and alpha["key_links"] == 2 and alpha["companies"] == 6 and alpha["institutions"] == 1


def test_a_supply_ties_evidence_survives_node_link_json(mini):
    f = mini / "companies" / "firms.yaml"
    text = f.read_text(encoding="utf-8")
    assert "supplies: [far_a2_big]" in text
    f.write_text(
        text.replace("supplies: [far_a2_big]", "supplies: [{to: far_a2_big, product: 乙中间体, source: 年报2023}]"),
        encoding="utf-8",
    )
    lib = load_library(mini)
    data = to_node_link(build_graph(lib, ["alpha"], lib.regions["home"]))
    [tie] = [e for e in data["edges"] if e["kind"] == "supplies"]
    assert (tie["source"], tie["target"]) == ("home_a1_leader", "far_a2_big")
    assert tie["evidence"] == "年报2023" and tie["product"] == "乙中间体"
