"""The example ledger of ``demo`` (示例数据, no real firm) and the scorecard page in real headless Chromium."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from chainmap.api import load, region
from chainmap.ledger import read_ledger
from chainmap.ledger.example import example_ledger, write_example

from .browser import offline
from .conftest import BROWSER_MARKS, BUNDLED


@pytest.fixture(scope="module")
def bundled():
    return load(BUNDLED)


@pytest.fixture(scope="module")
def example(bundled):
    return write_example(bundled, region(bundled))


def test_example_names_no_real_firm_and_is_marked_on_every_sheet(bundled, example):
    data = read_ledger(example_ledger(bundled))
    real = {c.name for c in bundled.companies.values()} | {
        a for c in bundled.companies.values() for a in (c.short_name, *c.aliases) if a
    }
    named = set(data.visits["company"]) | set(data.projects["investor"])
    assert named and all(n.startswith("示例企业") for n in named) and not named & real
    assert set(data.projects["stage"]) >= {"线索", "在谈", "签约", "开工"}
    for name in ("示例成绩单.xlsx", "示例台账.xlsx"):
        wb = load_workbook(io.BytesIO(example[name]))
        for ws in wb.worksheets:
            if ws.sheet_state == "hidden":
                continue
            cells = [str(c.value) for row in ws.iter_rows(max_row=3) for c in row if c.value is not None]
            assert any("示例数据" in c for c in cells), (name, ws.title)
    assert example["示例成绩单.html"].decode().count("示例数据") >= 1
    assert write_example(bundled, region(bundled)) == example  # same input, same bytes


@BROWSER_MARKS[0]
@BROWSER_MARKS[1]
def test_scorecard_page_draws_its_bars_offline_at_1366x768(example, tmp_path, browser):
    page_file = tmp_path / "card.html"
    page_file.write_bytes(example["示例成绩单.html"])
    requests: list[str] = []
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    offline(page, requests)
    page.goto(page_file.as_uri())
    widths = page.eval_on_selector_all("svg rect", "rs => rs.map(r => r.getBoundingClientRect().width)")
    table = page.eval_on_selector("table", "t => t.getBoundingClientRect().right")
    scroll = page.evaluate("document.documentElement.scrollWidth")
    page.close()
    assert requests == []
    assert len(widths) == 9 * 3 and max(widths) > 100  # 9 charts x 3 teams, the best bar drawn long
    assert table <= 1366 and scroll <= 1366  # readable without sideways scrolling
