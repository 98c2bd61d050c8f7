"""geo.html and the static map (chainmap.present.geo), without a browser."""

from __future__ import annotations

import json
import re

import pytest

import chainmap
from chainmap import api
from chainmap.analysis.trips import plan_trips
from chainmap.present.geo import (
    GEO_INDEX_ROW,
    _boxes,
    base_paths,
    geo_payload,
    geo_png,
    geo_svg,
    project,
    render_geo,
)

from .conftest import MINI
from .synth import write_library

HOSTILE = '<img src=x onerror="window.__xss=1"></script><script>window.__xss=2</script>'


@pytest.fixture(scope="module")
def bundled():
    lib = chainmap.load()
    a = chainmap.analyse(lib)
    trips = plan_trips(a.routes, a.region)
    return a, geo_payload(a.graph, a.region, a.gaps, a.all_targets, a.routes, trips)


def data_of(html: str) -> dict:
    m = re.search(r'<script type="application/json" id="g-data">(.*?)</script>', html, re.S)
    return json.loads(m[1])


def test_projection_keeps_geography_in_order():
    # west is left, north is up, and the home city sits between Beijing and Shanghai
    bj, sh, lyg = project(116.41, 39.90), project(121.47, 31.23), project(119.22, 34.60)
    assert bj[0] < lyg[0] < sh[0] and bj[1] < lyg[1] < sh[1]


def test_every_province_and_the_dash_line_are_drawn():
    paths = {code: d for code, _name, d in base_paths("province")}
    # ECharts' 南海诸岛 schematic: the coast, the ten pieces of the dash line and the frame, all inside the inset box
    assert len(paths) == 35 and paths["100000_JD"].count("M") == 12
    x, y, w, h = _boxes()["inset"]
    pts = [tuple(map(float, p.split(","))) for p in re.findall(r"-?[\d.]+,-?[\d.]+", paths["100000_JD"])]
    assert all(x < px < x + w and y < py < y + h for px, py in pts)
    assert all(d.startswith("M") and d.endswith("Z") for d in paths.values())
    assert len(base_paths("prefecture")) > 300


def test_payload_places_every_route_city_or_lists_it(bundled):
    a, payload = bundled
    shown = {c["city"] for c in payload["cities"]} | {u["city"] for u in payload["unplaced"]}
    assert shown == set(a.routes["city"])
    off_map = [u for u in payload["unplaced"] if not u["at_province_seat"]]
    firms = sum(len(c["firms"]) for c in payload["cities"]) + sum(len(u["firms"]) for u in off_map)
    assert firms == len(a.all_targets)
    approx = {c["city"] for c in payload["cities"] if c["approx"]}
    assert (
        approx == {u["city"] for u in payload["unplaced"] if u["at_province_seat"]} and "江苏省（城市待核实）" in approx
    )
    assert not approx & set(payload["labels"])
    assert payload["home"]["city"] == "连云港市" and payload["labels"][:3] == list(a.routes["city"][:3])
    assert {"地点待核实", "江苏省（城市待核实）"} <= {u["city"] for u in payload["unplaced"]}
    trips = [t for t in payload["trips"]]
    assert trips and all(t["stops"] for t in trips)


def test_city_firms_are_ranked_with_their_why(bundled):
    a, payload = bundled
    bj = next(c for c in payload["cities"] if c["city"] == "北京市")
    scores = [f["score"] for f in bj["firms"]]
    assert scores == sorted(scores, reverse=True) and all(f["why"] for f in bj["firms"])
    assert sum(scores) == pytest.approx(bj["score"], abs=0.05)
    assert {c["id"] for c in payload["chains"]} >= {bj["chain"]}


def test_activity_layer_takes_a_city_mapping(bundled):
    a, _ = bundled
    trips = plan_trips(a.routes, a.region)
    payload = geo_payload(
        a.graph, a.region, a.gaps, a.all_targets, a.routes, trips, activity={"苏州": {"trips": 3, "visits": 7}}
    )
    assert [(x["city"], x["trips"], x["visits"]) for x in payload["activity"]] == [("苏州", 3, 7)]


def test_page_is_self_contained_escaped_and_deterministic(tmp_path):
    lib_root = write_library(tmp_path / "lib", firms=60, links=6, levels=3, hostile=HOSTILE)
    lib = chainmap.load(lib_root)
    one = api.render(lib, None, "bench", tmp_path / "a")
    two = api.render(lib, None, "bench", tmp_path / "b")
    html = (tmp_path / "a" / "geo.html").read_text(encoding="utf-8")
    assert (tmp_path / "a" / "geo.html").read_bytes() == (tmp_path / "b" / "geo.html").read_bytes()
    assert [p.name for p in one] == [p.name for p in two]
    assert "<script>window.__xss" not in html and "<img src=x" not in html
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)  # nothing loaded from the network


def test_hostile_text_stays_data(bundled):
    _, payload = bundled
    bad = json.loads(json.dumps(payload))
    bad["cities"][0]["firms"][0]["name"] = HOSTILE
    bad["unplaced"][0]["city"] = HOSTILE
    html = render_geo(bad, title=HOSTILE)
    assert "<script>window.__xss" not in html and "<img src=x" not in html
    data = data_of(html)
    assert data["cities"][0]["firms"][0]["name"] == HOSTILE and data["unplaced"][0]["city"] == HOSTILE


def test_index_links_the_geographic_map(tmp_path):
    api.render(chainmap.load(MINI), None, "home", tmp_path)
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert 'href="geo.html"' in index and GEO_INDEX_ROW["name"] in index


def test_static_svg_keeps_text_as_text_and_has_the_inset(bundled):
    _, payload = bundled
    svg = geo_svg(payload, title="招商地图 · 连云港市")
    assert "<text" in svg and "南海诸岛" in svg and "连云港市（本地）" in svg and "北京市</text>" in svg
    assert svg == geo_svg(payload, title="招商地图 · 连云港市")


def test_static_png_is_a_real_image(bundled):
    pytest.importorskip("cairosvg")
    _, payload = bundled
    png = geo_png(geo_svg(payload), dpi=150)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width = int.from_bytes(png[16:20], "big")
    assert width >= 1600 * 150 / 96 - 2


def test_render_geo_sets_title_and_back_link(bundled):
    _, payload = bundled
    html = render_geo(payload, title="T<x>", index_href="index.html")
    assert "<title>T&lt;x&gt;</title>" in html and 'href="index.html"' in html
