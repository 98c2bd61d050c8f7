"""HTML maps without a browser: escaping, layout, grouping, determinism, the index page and the CLI."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pyvis

import chainmap
from chainmap import api
from chainmap.analysis.gaps import gaps
from chainmap.present.html import (
    _canvas_markup,
    browser_node_ids,
    map_payload,
    render_index,
    render_map,
    script_json,
)
from chainmap.present.layout import SHOWN_KINDS, compute_layout, segment_column

from .conftest import ROOT, run_cli
from .synth import write_library

HOSTILE = '<img src=x onerror="window.__xss=1"></script><script>window.__xss=2</script><!--'


def mini_graph(mini, chains=None):
    lib = chainmap.load(mini)
    region = lib.regions["home"]
    g = chainmap.build_graph(lib, chains, region)
    return g, gaps(g, region)


def payload_of(html: str) -> dict:
    m = re.search(r'<script id="cm-data" type="application/json">(.*?)</script>', html, re.S)
    assert m, "the data element is missing"
    return json.loads(m.group(1))


# -- escaping ------------------------------------------------------------------------------------------


def test_script_json_cannot_close_the_script_element():
    data = {"name": HOSTILE + "\u2028\u2029 & <b>", "k<e>y": ["</SCRIPT>", "<!-- -->"]}
    text = script_json(data)
    for bad in ("<", ">", "&", "\u2028", "\u2029"):
        assert bad not in text
    assert json.loads(text) == data


def test_canvas_markup_keeps_tags_from_data_as_text():
    out = _canvas_markup("a<b>c</b><i>d</I><code>e")
    assert "<b>" not in out and "</b>" not in out and "<i>" not in out and "<code>" not in out
    assert out.replace("\u200b", "") == "a<b>c</b><i>d</I><code>e"


def test_hostile_strings_never_reach_the_page_raw(tmp_path):
    root = write_library(tmp_path / "lib", firms=30, links=8, levels=4, hostile=HOSTILE)
    lib = chainmap.load(root)
    region = lib.regions["bench"]
    g = chainmap.build_graph(lib, None, region)
    html = render_map(g, gaps(g, region), title=f"标题{HOSTILE}", subtitle=HOSTILE)
    assert HOSTILE not in html
    assert "window.__xss" in html  # it is there, but only escaped
    assert "&lt;img src=x onerror=&#34;window.__xss=1&#34;&gt;" in html  # the heading, autoescaped
    data = payload_of(html)
    assert data["meta"]["f00001"]["name"] == f"企业{HOSTILE}有限公司"
    assert any(HOSTILE in v for _k, v in data["meta"]["f00001"]["info"])
    index = render_index([{"name": HOSTILE, "href": 'x" onclick="alert(1)', "completeness": 0.5}], title=HOSTILE)
    assert HOSTILE not in index and 'onclick="alert' not in index


def test_page_is_self_contained_and_declares_utf8(mini):
    g, gdf = mini_graph(mini, ["alpha"])
    html = render_map(g, gdf, title="阿尔法链")
    assert '<meta charset="utf-8">' in html[:300]
    assert "<link" not in html and not re.search(r"<script[^>]+src=", html) and "@import" not in html
    vis = (Path(pyvis.__file__).resolve().parent / "lib" / "vis-9.1.2" / "vis-network.min.js").read_text("utf-8")
    assert (
        vis[:2000] in html and vis[len(vis) // 2 : len(vis) // 2 + 2000] in html
    )  # the whole library inlined, not fetched
    assert "Noto Sans CJK SC" in html and "Microsoft YaHei" in html


# -- layout ----------------------------------------------------------------------------------------------


def test_segments_are_the_columns_in_file_order(mini):
    g, _gdf = mini_graph(mini)
    lay = compute_layout(g)
    links = [n for n, d in g.nodes(data=True) if d["kind"] == "link"]
    for a in links:
        for b in links:
            if segment_column(g, a) < segment_column(g, b):
                assert lay.pos[a][0] < lay.pos[b][0], (a, b)
    band_of = {n: next(b.index for b in lay.bands if b.x0 <= lay.pos[n][0] <= b.x1) for n in links}
    assert all(band_of[a] == segment_column(g, a) for a in links)
    seg_names = {d["name"] for _n, d in g.nodes(data=True) if d["kind"] == "segment"}
    assert all(b.header[0] in seg_names or " / " in b.header[0] for b in lay.bands)
    shown = {n for n, d in g.nodes(data=True) if d["kind"] in SHOWN_KINDS}
    assert shown <= set(lay.pos)
    for n in shown - {n for n, d in g.nodes(data=True) if d["kind"] == "link"}:
        assert lay.anchor[n] in g and g.nodes[lay.anchor[n]]["kind"] == "link"


def test_a_wide_segment_gets_lanes_and_segments_never_mix(tmp_path):
    root = write_library(tmp_path / "lib", firms=200, links=48, levels=3)
    g = chainmap.build_graph(chainmap.load(root), None, None)
    lay = compute_layout(g)
    assert len(lay.lanes) > len(lay.bands) == 3  # 16 links per segment: split into lanes side by side
    for b in lay.bands:
        for other in lay.bands:
            assert b.index == other.index or b.x1 < other.x0 or other.x1 < b.x0
    links = [n for n, d in g.nodes(data=True) if d["kind"] == "link"]
    for a in links:
        for b in links:
            if segment_column(g, a) < segment_column(g, b):
                assert lay.pos[a][0] < lay.pos[b][0]


def test_firms_beyond_the_cap_fold_behind_a_more_node(mini):
    g, gdf = mini_graph(mini, ["alpha"])
    lay = compute_layout(g, firm_cap=1)
    assert set(lay.groups) == {"a1", "a2"}  # two firms each are anchored there
    assert lay.groups["a1"].firms[0] == "home_a1_leader"  # the local leader comes first
    assert lay.hidden == {"home_a1_small", "far_a2_a4"}
    ids = browser_node_ids(g, firm_cap=1)
    kinds = [n for n, d in g.nodes(data=True) if d["kind"] in SHOWN_KINDS]
    # the documented count: every link/technology/component/institution/company, less the folded
    # firms, plus one "+N" per group
    assert len(ids) == len(kinds) - len(lay.hidden) + len(lay.groups)
    assert sorted(n for n in ids if n.startswith("more:")) == ["more:a1", "more:a2"]
    data = map_payload(g, gdf, firm_cap=1)
    assert [n["id"] for n in data["nodes"] if not n.get("hidden")] == ids
    assert {n["id"] for n in data["nodes"] if n.get("hidden")} == lay.hidden
    more, folded = lay.pos["more:a1"], lay.pos["home_a1_small"]
    assert (folded[1], folded[0]) > (more[1], more[0])  # after the "+N" node, in reading order
    ends = {n["id"] for n in data["nodes"]}
    assert all(e["from"] in ends and e["to"] in ends for e in data["edges"])


def test_no_cap_shows_every_firm(mini):
    g, gdf = mini_graph(mini, ["alpha"])
    data = map_payload(g, gdf, firm_cap=None)
    assert not data["groups"] and not any(n.get("hidden") for n in data["nodes"])


def test_status_colours_and_labels_follow_the_gaps(mini):
    g, gdf = mini_graph(mini, ["alpha"])
    data = map_payload(g, gdf)
    groups = {n["id"]: n["group"] for n in data["nodes"]}
    assert groups["a1"] == "link.strong.none.key"
    assert groups["a2"] == "link.missing.fill.key"
    assert groups["a3"] == "link.weak.strengthen.std"
    assert groups["a4"] == "link.missing.extend.std"
    assert groups["home_a1_leader"] == "company.local.leader" and groups["far_a4"] == "company.candidate.std"
    label = next(n["label"] for n in data["nodes"] if n["id"] == "a2")
    assert label == "<b>★ 乙中间体</b>\n缺失 · 补链"
    far = data["meta"]["far_a2_big"]
    facts = dict(far["info"])
    assert facts["股票代码"].startswith("600001.SH") and facts["地区"] == "浙江省 宁波市"
    assert facts["来源"] == "测试数据" and facts["数据日期"] == "2024-01-01" and facts["标签"] == "上市"


def test_without_a_region_the_map_has_no_status(mini):
    lib = chainmap.load(mini)
    g = chainmap.build_graph(lib, ["alpha"], None)
    data = payload_of(render_map(g, None, title="无地区"))
    assert data["hasGaps"] is False
    assert {n["group"] for n in data["nodes"] if n["id"] == "a2"} == {"link.unknown.none.key"}


# -- api.render, determinism, CLI --------------------------------------------------------------------


def test_render_writes_maps_panorama_and_index(mini, tmp_path):
    lib = chainmap.load(mini)
    paths = api.render(lib, None, "home", tmp_path / "out")
    assert [p.name for p in paths] == ["alpha.html", "beta.html", "panorama.html", "index.html", "geo.html", "geo.svg"]
    index = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    for href in ("alpha.html", "beta.html", "panorama.html"):
        assert f'href="{href}"' in index
    assert "阿尔法链" in index and "33%" in index  # alpha: 2 of 6 links present
    pano = payload_of((tmp_path / "out" / "panorama.html").read_text(encoding="utf-8"))
    assert "b1" in pano["meta"] and "a1" in pano["meta"]  # both chains, joined
    assert sum(1 for n in pano["nodes"] if n["id"] == "a2") == 1  # the shared link once


def test_same_input_byte_identical_output_across_processes(mini, tmp_path):
    outs = []
    for seed in ("1", "2"):
        out = tmp_path / f"out{seed}"
        env = {**os.environ, "PYTHONHASHSEED": seed}
        r = subprocess.run(
            [sys.executable, "-m", "chainmap", "--chains", str(mini), "render", "--region", "home", "-o", str(out)],
            capture_output=True,
            text=True,
            env=env,
            encoding="utf-8",
        )
        assert r.returncode == 0, r.stderr
        outs.append({p.name: p.read_bytes() for p in sorted(out.iterdir())})
    assert outs[0] == outs[1] and len(outs[0]) == 6


def test_cli_render_errors_exit_2(mini, tmp_path):
    r = run_cli("--chains", str(mini), "render", "nochain", "-o", str(tmp_path / "o"))
    assert r.returncode == 2 and "unknown chain" in r.stderr
    afile = tmp_path / "file.txt"
    afile.write_text("x", encoding="utf-8")
    r = run_cli("--chains", str(mini), "render", "-o", str(afile))
    assert r.returncode == 2 and "is a file" in r.stderr and "是一个文件" in r.stderr
    r = run_cli("--chains", str(mini), "render", "-o", str(afile / "sub"))  # a folder under a file
    assert r.returncode == 2 and "无法创建文件夹" in r.stderr and "Traceback" not in r.stderr
    r = run_cli("--chains", str(mini), "render", "alpha", "--all", "-o", str(tmp_path / "o"))
    assert r.returncode == 2
    r = run_cli("--chains", str(mini), "render", "alpha", "--region", "home", "-o", str(tmp_path / "o"))
    assert r.returncode == 0 and (tmp_path / "o" / "alpha.html").is_file()
    assert not (tmp_path / "o" / "beta.html").exists()


def test_library_without_a_region_renders_without_status(mini, tmp_path):
    import shutil

    shutil.rmtree(mini / "regions")
    paths = api.render(chainmap.load(mini), ["alpha"], None, tmp_path / "out")
    assert [p.name for p in paths] == ["alpha.html", "panorama.html", "index.html"]
    index = paths[-1].read_text(encoding="utf-8")
    assert "未指定地区" in index and index.count("—") >= 10
    assert payload_of(paths[0].read_text(encoding="utf-8"))["hasGaps"] is False


def test_bundled_library_renders(tmp_path):
    lib = chainmap.load(ROOT / "chains")
    paths = api.render(lib, None, None, tmp_path)
    assert len(paths) == len(lib.chains) + 4  # + panorama, index, geo.html, geo.svg
    for cid, p in zip(lib.chains, paths, strict=False):
        data = payload_of(p.read_text(encoding="utf-8"))
        assert p.name == f"{cid}.html" and set(lib.chains[cid].links) <= {n["id"] for n in data["nodes"]}
    assert Path(tmp_path / "index.html").read_text(encoding="utf-8").count("<tr") == len(lib.chains) + 2


def test_crowded_links_keep_local_and_leading_firms_on_the_map():
    import networkx as nx

    from chainmap.present.layout import limit_firms

    g = nx.MultiDiGraph()
    g.add_node("l1", kind="link", name="环节")
    for i in range(30):
        g.add_node(
            f"f{i:02d}",
            kind="company",
            name=f"企业{i:02d}",
            short_name=f"企业{i:02d}",
            local=(i == 29),
            tags=["链主"] if i == 28 else [],
        )
        g.add_edge(f"f{i:02d}", "l1", key="operates", kind="operates")
    small, left_out = limit_firms(g, budget=5)
    firms = sorted(n for n, d in small.nodes(data=True) if d["kind"] == "company")
    assert left_out == 25 and len(firms) == 5
    assert "f29" in firms and "f28" in firms  # the local firm and the 链主 come first
    for i in range(20, 28):  # many local firms: candidates still get half of the share
        g.nodes[f"f{i:02d}"]["local"] = True
    small, _ = limit_firms(g, budget=6)
    kept = [n for n, d in small.nodes(data=True) if d["kind"] == "company"]
    assert sum(1 for n in kept if small.nodes[n]["local"]) == 3 and len(kept) == 6
    assert g.number_of_nodes() == 31  # the input graph is untouched
    assert limit_firms(g, budget=50) == (g, 0)


def test_examples_in_the_present_docstrings_run():
    import doctest
    import importlib

    for name in ("atlas", "pages", "poster", "guard"):
        mod = importlib.import_module(f"chainmap.present.{name}")
        assert doctest.testmod(mod).failed == 0, name
    assert doctest.testmod(importlib.import_module("chainmap.safe")).failed == 0
