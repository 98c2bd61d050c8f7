"""The 招商图谱 chain pages and the panorama matrix in real headless Chromium, at 1366x768: a box for every
link with its status in words, names readable (>= 12 px), a click shows ranked candidates with why,
offline, no console errors, printing fits one landscape page, text from data stays text."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

import chainmap
from chainmap import api
from chainmap.present.atlas import STATE_WORDS
from chainmap.present.guard import page_file
from chainmap.vocab import chain_node

from .browser import offline
from .conftest import BROWSER_MARKS, BUNDLED
from .synth import write_library

HOSTILE = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>'
TEMPLATES = Path(chainmap.__file__).resolve().parent / "present" / "templates"

pytestmark = BROWSER_MARKS


@pytest.fixture(scope="module")
def bundled(tmp_path_factory):
    out = tmp_path_factory.mktemp("atlas") / "site"
    lib = chainmap.load(BUNDLED)
    api.render(lib, None, None, out)
    return lib, out


def _open(browser, url: str, width: int = 1366, height: int = 768, init: str | None = None):
    page = browser.new_page(viewport={"width": width, "height": height})
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(f"pageerror: {exc}"))
    page.on("console", lambda m: problems.append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else None)
    offline(page, problems, "request: ")
    if init:
        page.add_init_script(init)
    page.goto(url)
    page.wait_for_function("document.documentElement.getAttribute('data-atlas') === '1'", timeout=20_000)
    return page, problems


def _links(lib, cid: str) -> dict[str, str]:
    g = chainmap.build_graph(lib, [cid], None)
    segs = [u for u, _v, k in g.in_edges(chain_node(cid), keys=True) if k == "part_of"]
    return {u: g.nodes[u]["name"] for s in segs for u, _v, k in g.in_edges(s, keys=True) if k == "part_of"}


def test_every_link_has_a_readable_box_with_status_words(browser, bundled):
    lib, out = bundled
    for cid in lib.chains:
        page, problems = _open(browser, (out / page_file(cid)).as_uri())
        boxes = page.eval_on_selector_all(
            ".at-box",
            """els => els.map(e => ({id: e.dataset.link, name: e.querySelector('.at-name').textContent,
                state: e.querySelector('.at-state').textContent,
                px: parseFloat(getComputedStyle(e.querySelector('.at-name')).fontSize),
                w: e.getBoundingClientRect().width}))""",
        )
        expected = _links(lib, cid)
        assert {b["id"] for b in boxes} == set(expected), cid
        for b in boxes:
            assert expected[b["id"]] in b["name"]
            assert b["state"] in STATE_WORDS.values() or b["state"] in ("资源保障", "配套服务")
            assert b["px"] >= 12 and b["w"] >= 100, (cid, b)
        # the 图谱 fits the width of a 1366 screen: no sideways scrolling
        assert page.evaluate("document.getElementById('at-view').scrollWidth <= 1366")
        assert problems == [], (cid, problems)
        page.close()


def test_a_click_shows_ranked_candidates_with_why_and_sources(browser, tmp_path):
    lib = chainmap.load(BUNDLED)
    out = tmp_path / "site"
    api.render(lib, ["carbon_fiber"], "lianyungang", out)
    page, problems = _open(browser, (out / "carbon_fiber.html").as_uri())
    words = page.eval_on_selector_all(".at-box .at-state", "els => els.map(e => e.textContent)")
    assert {"缺失·补链", "强"} <= set(words)  # the region gives real statuses
    box = page.locator(".at-box", has=page.locator(".at-top")).first
    top_text = box.locator(".at-top").text_content()
    assert re.search(r"目标：.+（.+市）", top_text)  # top targets with their city
    box.click()
    page.wait_for_selector("#at-detail:not([hidden])")
    rows = page.eval_on_selector_all("#at-detail .at-cands tbody tr", "rs => rs.map(r => r.innerText)")
    assert rows, "no ranked candidates in the panel"
    ranks = [int(r.split()[0]) for r in rows]
    assert ranks == sorted(ranks)
    assert all("来源" in r and "数据日期" in r for r in rows)
    whys = page.eval_on_selector_all("#at-detail .at-cands .at-why", "es => es.map(e => e.textContent)")
    assert whys and all(0 < len(w) <= 40 for w in whys)
    assert problems == []
    page.close()


def test_print_fits_one_landscape_page(browser, bundled, tmp_path):
    if not shutil.which("pdfinfo"):
        pytest.skip("needs poppler-utils")
    lib, out = bundled
    for name in ("polyester", "petrochem", "panorama"):
        page, _problems = _open(browser, (out / f"{name}.html").as_uri())
        page.emulate_media(media="print")
        pdf = tmp_path / f"{name}.pdf"
        page.pdf(path=str(pdf), format="A4", landscape=True, print_background=True)
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
        assert re.search(r"^Pages:\s+1$", info, re.M), (name, info)
        if name != "panorama":
            text = subprocess.run(["pdftotext", "-raw", str(pdf), "-"], capture_output=True, text=True).stdout
            squeezed = re.sub(r"\s+", "", text)
            missing = [n for n in _links(lib, name).values() if re.sub(r"\s+", "", n) not in squeezed]
            assert not missing, (name, missing)
        page.close()


def test_panorama_matrix_rows_chips_and_shared_links(browser, bundled):
    lib, out = bundled
    page, problems = _open(browser, (out / "panorama.html").as_uri())
    rows = page.eval_on_selector_all("tbody tr", "rs => rs.map(r => r.id)")
    assert rows == [f"row-{c}" for c in lib.chains]
    chips = page.eval_on_selector_all(
        ".mx-chip",
        "cs => cs.map(c => ({id: c.id, px: parseFloat(getComputedStyle(c).fontSize), href: c.getAttribute('href'),"
        " words: c.querySelector('.mx-w').textContent, shared: c.classList.contains('shared')}))",
    )
    assert len(chips) == sum(len(_links(lib, c)) for c in lib.chains)
    assert all(c["px"] >= 12 and c["words"] for c in chips)
    assert any(c["shared"] for c in chips)  # the petrochemical base feeds the fiber chains
    assert {c["href"] for c in chips} == {page_file(c) for c in lib.chains}
    jump = page.locator(".mx-x").first
    target = jump.get_attribute("href")
    assert page.locator(target.replace("#", "#", 1)).count() == 1  # the shared link's twin in another row
    assert problems == []
    page.close()


def test_hostile_names_stay_text_in_boxes_and_panel(browser, tmp_path):
    root = write_library(tmp_path / "lib", firms=60, links=8, levels=4, hostile=HOSTILE)
    out = tmp_path / "site"
    api.render(chainmap.load(root), None, "bench", out)
    page, problems = _open(browser, (out / "synth.html").as_uri())
    box = page.locator('.at-box[data-link="l001"]')
    assert HOSTILE in box.text_content()
    box.click()
    page.wait_for_selector("#at-detail:not([hidden])")
    assert HOSTILE in page.text_content("#at-detail")
    assert page.evaluate("window.__xss") is None
    assert page.evaluate("document.querySelectorAll('img').length") == 0
    assert problems == []
    page.close()


def test_the_page_says_so_when_the_network_cannot_draw(browser, tmp_path):
    out = tmp_path / "site"
    api.render(chainmap.load(BUNDLED), ["solar"], None, out)
    # an old kernel where the network library does not load: vis never becomes defined
    init = "Object.defineProperty(window, 'vis', {configurable: false, get: function () {}, set: function () {}});"
    page, _problems = _open(browser, (out / "solar.html").as_uri(), init=init)
    assert page.locator(".at-box").count() > 0  # the 图谱 itself needs no script library
    page.click("#tab-net")
    page.wait_for_selector("#at-warn:not([hidden])")
    assert "无法绘制关系网络" in page.text_content("#at-warn")
    page.close()


OLD_KERNEL_BREAKERS = {
    "js": [r"\?\.", r"\?\?", r"=>", r"\blet\s", r"\bconst\s", r"`", r"replaceChildren", r"\.at\(", r"\breplaceAll\("],
    "css": [r"\binset\s*:", r":is\(", r":where\(", r"aspect-ratio", r"(?<![-\w])gap\s*:"],
}


def test_own_scripts_and_styles_run_on_chromium_80_era_kernels():
    for asset in sorted(TEMPLATES.iterdir()):
        kind = {".js": "js", ".css": "css"}.get(asset.suffix)
        if not kind:
            continue
        text = asset.read_text(encoding="utf-8")
        for pattern in OLD_KERNEL_BREAKERS[kind]:
            # flex/grid "gap" is only a missing space on old kernels, but grid-*-gap spells it the old way
            hits = [m.group(0) for m in re.finditer(pattern, text)]
            assert not hits, f"{asset.name}: {pattern} {hits[:3]}"


def test_poster_downloads_from_the_page(browser, bundled, tmp_path):
    _lib, out = bundled
    page, problems = _open(browser, (out / "nylon.html").as_uri())
    with page.expect_download() as dl:
        page.click("#at-svg")
    svg = tmp_path / "p.svg"
    dl.value.save_as(svg)
    text = svg.read_text(encoding="utf-8")
    assert dl.value.suggested_filename.endswith(".svg") and text.startswith("<svg") and "尼龙纤维产业链招商图谱" in text
    with page.expect_download() as dl:
        page.click("#at-png")
    png = tmp_path / "p.png"
    dl.value.save_as(png)
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000  # drawn, not blank
    assert problems == []
    page.close()
