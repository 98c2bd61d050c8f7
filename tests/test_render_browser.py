"""The HTML maps in real headless Chromium (Debian ``chromium`` driven by ``playwright``).

One browser for the module. Every request a page makes is routed: ``file:`` and ``data:`` go
through, anything else is aborted and recorded, so "no request leaves the page" is checked, not
assumed. Node counts follow the rule in :mod:`chainmap.present.html`: one browser node per link,
technology, component, institution and company, plus one "+N" node per folded firm group.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

import chainmap
from chainmap import api
from chainmap.present.html import browser_node_ids
from chainmap.present.layout import SHOWN_KINDS

from .browser import offline
from .conftest import BROWSER_MARKS, BUNDLED, MINI
from .synth import write_library

HOSTILE = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>'

pytestmark = BROWSER_MARKS


@dataclass
class Loaded:
    page: object
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def __enter__(self) -> Loaded:
        return self

    def __exit__(self, *exc: object) -> None:
        self.page.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> dict[str, Path]:
    """Maps of the hand-made library, and of a synthetic one with grouped firms and hostile names."""
    base = tmp_path_factory.mktemp("maps")
    mini = base / "mini"
    api.render(chainmap.load(MINI), None, "home", mini)
    synth_lib = write_library(base / "synth_lib", firms=400, links=12, levels=4, hostile=HOSTILE)
    synth = base / "synth"
    api.render(chainmap.load(synth_lib), None, "bench", synth, firm_cap=6)
    return {"mini": mini, "synth": synth, "synth_lib": synth_lib}


def open_map(browser, path: Path, width: int = 1400, height: int = 850) -> Loaded:
    page = browser.new_page(viewport={"width": width, "height": height})
    loaded = Loaded(page)
    page.on("pageerror", lambda exc: loaded.errors.append(f"pageerror: {exc}"))
    page.on(
        "console",
        lambda msg: (
            loaded.errors.append(f"console {msg.type}: {msg.text}") if msg.type in ("error", "warning") else None
        ),
    )
    offline(page, loaded.requests)
    network = path.name != "index.html"
    # chain pages and the panorama open on the 图谱 / matrix; "#network" opens the relationship network tab
    page.goto(path.as_uri() + ("#network" if network else ""))
    if network:
        page.wait_for_function("window.cmFirstDraw > 0", timeout=30_000)
    return loaded


def graph_of(lib_root: Path, chains: list[str] | None, region: str):
    lib = chainmap.load(lib_root)
    return chainmap.build_graph(lib, chains, lib.regions[region])


def test_every_page_loads_offline_without_errors(browser, site):
    for path in sorted(site["mini"].glob("*.html")) + sorted(site["synth"].glob("*.html")):
        with open_map(browser, path) as loaded:
            assert loaded.errors == [], path.name
            assert loaded.requests == [], path.name
            if path.name == "index.html":
                links = loaded.page.eval_on_selector_all("a", "as => as.map(a => a.getAttribute('href'))")
                assert {p.name for p in path.parent.glob("*.html")} - {"index.html"} == set(links)


def test_node_count_matches_the_graph(browser, site):
    cases = [
        (site["mini"] / "alpha.html", MINI, ["alpha"], "home", 12),
        (site["mini"] / "panorama.html", MINI, None, "home", 12),
        (site["synth"] / "synth.html", site["synth_lib"], None, "bench", 6),
    ]
    for path, lib, chains, region, cap in cases:
        g = graph_of(lib, chains, region)
        expected = browser_node_ids(g, firm_cap=cap)
        with open_map(browser, path) as loaded:
            count = loaded.page.evaluate("network.body.data.nodes.length")
            graph_nodes = sum(1 for _n, d in g.nodes(data=True) if d["kind"] in SHOWN_KINDS)
            more = [n[5:] for n in expected if n.startswith("more:")]
            folded = sum(
                len(grp["firms"]) - grp["shown"] for grp in loaded.page.evaluate("chainmap.data.groups").values()
            )
            assert count == len(expected) == graph_nodes - folded + len(more), path.name
            assert loaded.page.evaluate("network.body.data.nodes.getIds()") == expected
            if path.parent == site["synth"]:
                assert more and folded > 0  # the synthetic chain has links with more than 6 firms


def _settle(page) -> None:
    """Wait until the view stops moving (the focus animation), however slow the machine."""
    last = None
    for _ in range(100):
        now = page.evaluate("[network.getViewPosition(), network.getScale()]")
        if now == last:
            return
        last = now
        page.wait_for_timeout(120)
    raise AssertionError("the view kept moving")


def _search(page, text: str) -> str:
    page.fill("#cm-search", text)
    page.press("#cm-search", "Enter")
    page.wait_for_function("window.cmFocused !== undefined")
    focused = page.evaluate("window.cmFocused")
    _settle(page)
    return focused


def test_search_by_chinese_or_english_name_focuses_the_node(browser, site):
    with open_map(browser, site["mini"] / "alpha.html") as loaded:
        page = loaded.page
        for text, node in (("丙材料", "a3"), ("Alpha raw", "a1"), ("远方乙", "far_a2_big"), ("甲催化剂", "c1")):
            page.evaluate("window.cmFocused = undefined")
            assert _search(page, text) == node
            assert page.evaluate("network.getSelectedNodes()") == [node]
            assert page.is_visible("#cm-panel")
            # the node sits in the middle of the canvas the side panel leaves free
            at = page.evaluate(f"network.canvasToDOM(network.getPosition({node!r}))")
            width, height, panel = page.evaluate("""[document.getElementById('cm-network').clientWidth,
                document.getElementById('cm-network').clientHeight, document.getElementById('cm-panel').offsetWidth]""")
            assert abs(at["x"] - (width - panel - 20) / 2) < 5 and abs(at["y"] - height / 2) < 5
        assert loaded.errors == []


def test_search_reveals_a_folded_firm(browser, site):
    with open_map(browser, site["synth"] / "synth.html") as loaded:
        page = loaded.page
        folded = page.evaluate("""() => { const g = Object.values(chainmap.data.groups)[0];
                                          return g.firms[g.firms.length - 1]; }""")
        assert page.evaluate(f"network.body.data.nodes.get({folded!r})") is None  # not in the data set yet
        before = page.evaluate("network.body.data.nodes.length")
        name = page.evaluate(f"chainmap.data.meta[{folded!r}].short")
        assert _search(page, name) == folded
        assert page.evaluate(f"network.body.data.nodes.get({folded!r}).hidden") is False
        assert page.evaluate("network.body.data.nodes.length") > before
        edges = page.evaluate(f"network.body.data.edges.get().filter(e => e.from === {folded!r}).length")
        assert edges >= 1  # its operates edge came with it
        assert loaded.errors == []


def test_injected_markup_in_names_notes_and_sources_stays_text(browser, site):
    with open_map(browser, site["synth"] / "synth.html") as loaded:
        page = loaded.page
        # put the hostile firm, link and institution into every place text lands: panel, tooltip, results
        for node in ("f00001", "l001", "synth_univ"):
            page.evaluate(f"chainmap.focus({node!r})")
            _settle(page)
            pos = page.evaluate(f"network.canvasToDOM(network.getPosition({node!r}))")
            box = page.locator("#cm-network").bounding_box()
            page.mouse.move(box["x"] + 5, box["y"] + 5)  # every focused node lands on the same spot: leave it
            page.mouse.move(box["x"] + pos["x"], box["y"] + pos["y"], steps=3)
            page.wait_for_selector("#cm-tip:not([hidden])", timeout=3000)
            assert HOSTILE in page.text_content("#cm-tip")
            assert HOSTILE in page.text_content("#cm-panel")
        page.fill("#cm-search", "onerror")
        page.wait_for_selector("#cm-results:not([hidden])")
        assert HOSTILE in page.text_content("#cm-results")
        assert page.evaluate("window.__xss") is None
        assert page.evaluate("document.querySelectorAll('img').length") == 0
        # 图谱 data, poster SVG (text), network data, vis-network (as text, then run once), map.js, atlas.js
        assert page.evaluate("document.querySelectorAll('script').length") == 7
        assert loaded.errors == [] and loaded.requests == []
    with open_map(browser, site["synth"] / "index.html") as index:
        assert index.page.evaluate("window.__xss") is None and index.errors == []


def test_click_on_a_link_highlights_its_parts_and_firms(browser, site):
    with open_map(browser, site["mini"] / "alpha.html") as loaded:
        page = loaded.page
        page.evaluate("network.moveTo({position: network.getPosition('a2'), scale: 1})")
        _settle(page)
        pos = page.evaluate("network.canvasToDOM(network.getPosition('a2'))")
        box = page.locator("#cm-network").bounding_box()
        page.mouse.click(box["x"] + pos["x"], box["y"] + pos["y"])
        page.wait_for_selector("#cm-panel:not([hidden])")
        assert page.evaluate("network.getSelectedNodes()") == ["a2"]
        lit = set(
            page.evaluate("""network.getSelectedEdges().map(id => {
            const e = network.body.data.edges.get(id); return e.from === 'a2' ? e.to : e.from; })""")
        )
        assert {"t2", "t2b", "c2", "c2b", "far_a2_big", "far_a2_a4", "test_univ"} <= lit
        panel = page.text_content("#cm-panel")
        assert "远方乙" in panel and "乙合成" in panel and "测试大学" in panel and "补链" in panel
        page.keyboard.press("Escape")
        assert page.evaluate("network.getSelectedNodes()") == []
        assert loaded.errors == []


def test_filters_hide_and_show_by_status_and_kind(browser, site):
    with open_map(browser, site["mini"] / "alpha.html") as loaded:
        page = loaded.page
        hidden = "id => network.body.data.nodes.get(id).hidden === true"
        page.uncheck("input[data-status=missing]")
        assert page.evaluate(f"['a2','a4','a5'].every({hidden})")
        assert not page.evaluate(f"['a1','a3'].some({hidden})")
        assert page.evaluate(f"['far_a2_big'].every({hidden})")  # firms follow their link
        page.check("input[data-status=missing]")
        page.uncheck("input[data-kind=candidate]")
        assert page.evaluate(f"['far_a2_big','far_a4'].every({hidden})")
        assert not page.evaluate(f"['home_a1_leader','a2'].some({hidden})")
        page.check("input[data-kind=candidate]")
        assert not page.evaluate(f"['far_a2_big','a2'].some({hidden})")
        assert loaded.errors == []


def test_expanding_a_group_shows_its_firms_and_moves_the_blocks_below(browser, site):
    with open_map(browser, site["synth"] / "synth.html") as loaded:
        page = loaded.page
        info = page.evaluate("""() => {
            const d = chainmap.data;
            for (const [link, g] of Object.entries(d.groups)) {
                const lane = d.meta[link].col, top = d.blocks[link][0];
                const below = Object.keys(d.blocks).find(l => d.meta[l].col === lane && d.blocks[l][0] > top);
                if (below && g.extra > 0) return {link, below, more: g.more, extra: g.extra,
                                                 firm: g.firms[g.firms.length - 1]};
            }
            return null; }""")
        assert info, "the synthetic map should have a group with a block under it"
        y0 = page.evaluate(f"network.getPosition({info['below']!r}).y")
        page.evaluate(f"chainmap.focus({info['more']!r})")
        _settle(page)
        pos = page.evaluate(f"network.canvasToDOM(network.getPosition({info['more']!r}))")
        box = page.locator("#cm-network").bounding_box()
        page.evaluate(f"chainmap.toggleGroup({info['link']!r}, false)")  # focus() selected it; start collapsed
        page.mouse.click(box["x"] + pos["x"], box["y"] + pos["y"])
        assert page.evaluate(f"network.body.data.nodes.get({info['firm']!r}).hidden") is False
        assert page.evaluate(f"network.getPosition({info['below']!r}).y") == y0 + info["extra"]
        page.mouse.click(box["x"] + pos["x"], box["y"] + pos["y"])
        assert page.evaluate(f"network.body.data.nodes.get({info['firm']!r}).hidden") is True  # stays, hidden
        assert page.evaluate(f"network.getPosition({info['below']!r}).y") == y0
        assert loaded.errors == []


@pytest.fixture(scope="module")
def bundled(tmp_path_factory) -> Path:
    lib = chainmap.load(BUNDLED)
    out = tmp_path_factory.mktemp("bundled")
    api.render(lib, None, None, out)
    return out


def test_bundled_pages_load_offline_and_count_right(browser, bundled):
    lib = chainmap.load(BUNDLED)
    region = api.region(lib)
    for path in sorted(bundled.glob("*.html")):
        with open_map(browser, path) as loaded:
            assert loaded.errors == [] and loaded.requests == [], path.name
            if path.name not in ("index.html", "geo.html"):  # geo.html: tests/test_geo_browser.py
                chains = None if path.stem == "panorama" else [path.stem]
                g = chainmap.build_graph(lib, chains, region)
                assert loaded.page.evaluate("network.body.data.nodes.length") == len(browser_node_ids(g)), path.name
