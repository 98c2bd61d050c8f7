"""geo.html in real headless Chromium (Debian chromium via playwright), offline: every request that is
not file: or data: is aborted and recorded."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import chainmap
from chainmap.analysis.trips import plan_trips
from chainmap.present.geo import geo_payload, render_geo, write_geo

from .browser import offline
from .conftest import BROWSER_MARKS

HOSTILE = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>'
pytestmark = BROWSER_MARKS


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("geo")
    lib = chainmap.load()
    a = chainmap.analyse(lib)
    write_geo(base / "plain", a.graph, a.region)
    write_geo(
        base / "ledger", a.graph, a.region, activity={"苏州市": {"trips": 4, "visits": 9}, "北京市": {"trips": 1}}
    )
    trips = plan_trips(a.routes, a.region)
    payload = geo_payload(a.graph, a.region, a.gaps, a.all_targets, a.routes, trips)
    payload["cities"][0]["firms"][0]["name"] = HOSTILE
    (base / "hostile.html").write_text(render_geo(payload, title="敌意测试"), encoding="utf-8")
    return {
        "plain": base / "plain" / "geo.html",
        "ledger": base / "ledger" / "geo.html",
        "hostile": base / "hostile.html",
    }


class Opened:
    def __init__(self, browser, path: Path, width: int = 1366, height: int = 768):
        self.page = browser.new_page(viewport={"width": width, "height": height})
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type in ("error", "warning") else None)
        offline(self.page, self.requests)
        self.page.goto(path.as_uri())
        self.page.wait_for_function("window.cmFirstDraw > 0", timeout=30_000)

    def __enter__(self) -> Opened:
        return self

    def __exit__(self, *exc: object) -> None:
        self.page.close()

    def shown(self, selector: str) -> bool:
        return self.page.eval_on_selector(selector, "e => getComputedStyle(e).display !== 'none'")


def test_loads_offline_with_no_error_and_no_request(browser, pages):
    for name in ("plain", "ledger"):
        with Opened(browser, pages[name]) as o:
            assert o.errors == [] and o.requests == [], name
            assert o.page.locator("#g-base path.g-prov").count() == 34
            assert o.page.locator("#g-inset use").count() == 1 and "南海诸岛" in o.page.text_content("#g-inset")
            # the 南海诸岛 schematic is drawn in the inset only, and fills most of it
            assert o.page.locator("#g-base .g-jd").count() == 0
            box = o.page.eval_on_selector("#g-inset use", "e => e.getBoundingClientRect().toJSON()")
            frame = o.page.eval_on_selector("#g-inset", "e => e.getBoundingClientRect().toJSON()")
            assert box["height"] > 0.7 * frame["height"] and box["width"] > 0.5 * frame["width"], (box, frame)


def test_layers_toggle(browser, pages):
    with Opened(browser, pages["ledger"]) as o:
        for box, layer in (("#T-targets", "#L-targets"), ("#T-trips", "#L-trips"), ("#T-locals", "#L-locals"),
                           ("#T-activity", "#L-activity"), ("#T-labels", "#L-labels")):  # fmt: skip
            assert o.shown(layer)
            o.page.uncheck(box)
            assert not o.shown(layer), layer
            o.page.check(box)
            assert o.shown(layer)
        assert o.page.locator("#L-activity circle").count() == 2


def test_without_ledger_data_the_activity_layer_says_so(browser, pages):
    with Opened(browser, pages["plain"]) as o:
        assert o.page.is_disabled("#T-activity") and "暂无" in o.page.text_content("#g-activity-note")


def test_click_a_city_shows_its_firms_ranked_with_why(browser, pages):
    with Opened(browser, pages["plain"]) as o:
        data = o.page.evaluate("window.chainmapGeo.data")
        # the best city whose bubble is not covered by a smaller one at its centre: click it as a user would
        rank, x, y = o.page.evaluate(
            """() => { for (const c of window.chainmapGeo.data.cities) {
                 const r = document.getElementById('city-' + c.rank).getBoundingClientRect();
                 const x = r.left + r.width / 2, y = r.top + r.height / 2;
                 if (document.elementFromPoint(x, y).id === 'city-' + c.rank) return [c.rank, x, y];
               } }"""
        )
        city = next(c for c in data["cities"] if c["rank"] == rank)
        o.page.mouse.click(x, y)
        items = o.page.locator("#g-panel li")
        assert items.count() == len(city["firms"])
        for i, f in enumerate(city["firms"]):
            text = items.nth(i).text_content()
            assert f["name"] in text and f["why"] in text
        assert city["city"] in o.page.text_content("#g-panel h2")


def test_gap_candidates_and_one_trip(browser, pages):
    with Opened(browser, pages["plain"]) as o:
        data = o.page.evaluate("window.chainmapGeo.data")
        o.page.select_option("#g-gap-select", "0")
        assert o.page.locator("#L-gap circle").count() == len(data["gaps"][0]["cands"])
        assert data["gaps"][0]["name"] in o.page.text_content("#g-panel")
        o.page.select_option("#g-trip-select", "1")
        assert o.page.locator("#L-trips polyline").count() == 1
        numbers = o.page.eval_on_selector_all("#L-trips text", "ts => ts.map(t => t.textContent)")
        assert numbers == [str(i) for i in range(1, len(data["trips"][0]["stops"]) + 1)]
        o.page.select_option("#g-trip-select", "")
        assert o.page.locator("#L-trips polyline").count() == len(data["trips"])


def test_labels_readable_and_apart_at_1366(browser, pages):
    with Opened(browser, pages["plain"]) as o:
        boxes = o.page.eval_on_selector_all(
            "#L-labels text",
            """ts => ts.filter(t => getComputedStyle(t).display !== 'none').map(t => {
                 const r = t.getBoundingClientRect();
                 return {text: t.textContent, x: r.left, y: r.top, w: r.width, h: r.height,
                         fs: parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a};
               })""",
        )
        texts = [b["text"] for b in boxes]
        assert "连云港市（本地）" in texts and "北京市" in texts and len(boxes) >= 6
        map_box = o.page.locator("#g-map").bounding_box()
        for b in boxes:
            assert b["fs"] >= 12.5, b  # readable at 1366x768
            assert map_box["x"] <= b["x"] and b["x"] + b["w"] <= map_box["x"] + map_box["width"], b
        for i, a in enumerate(boxes):
            for b in boxes[i + 1 :]:
                overlap = a["x"] < b["x"] + b["w"] and b["x"] < a["x"] + a["w"]
                assert not (overlap and a["y"] < b["y"] + b["h"] and b["y"] < a["y"] + a["h"]), (a, b)


def test_zoom_shows_prefecture_boundaries(browser, pages):
    with Opened(browser, pages["plain"]) as o:
        assert not o.shown("#g-pref")
        for _ in range(3):
            o.page.click("#g-zoom-in")
        assert o.shown("#g-pref")
        o.page.click("#g-zoom-reset")
        assert not o.shown("#g-pref")


def test_hostile_names_are_text(browser, pages):
    with Opened(browser, pages["hostile"]) as o:
        o.page.evaluate("window.chainmapGeo.showCity(window.chainmapGeo.data.cities[0], null)")
        assert HOSTILE in o.page.text_content("#g-panel")
        assert o.page.evaluate("window.__xss") is None and o.errors == []
        assert json.loads(o.page.text_content("#g-data"))["cities"][0]["firms"][0]["name"] == HOSTILE
