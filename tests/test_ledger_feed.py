"""The ledger feeds the lists and the maps: live projects at their 环节, the pipeline stage of target
firms, and trips out / visits by destination city for geo.html."""

from __future__ import annotations

import json

import chainmap
from chainmap.ledger.data import LedgerData
from chainmap.ledger.feed import activity_by_city, feed_of

from .conftest import run_cli


def _project(code: str, name: str, investor: str, link: str, stage: str) -> dict:
    return {"code": code, "name": name, "investor": investor, "link": link, "stage": stage, "team": "一队"}


def test_live_projects_reach_gaps_and_the_stage_reaches_targets():
    lib = chainmap.load()
    before = chainmap.analyse(lib, "carbon_fiber")
    top = before.targets.iloc[0]
    link = next(n for n in top["covers"] if lib.nodes[n].kind == "link")
    data = LedgerData.from_records(
        projects=[
            _project("XM1", "测试签约项目", top["name"], link, "签约"),
            _project("XM2", "测试线索项目", "某外地企业", link, "线索"),  # a lead is no live project
        ]
    )
    after = chainmap.analyse(lib, "carbon_fiber", ledger=feed_of(data, lib))
    row = after.gaps.set_index("node").loc[link]
    assert "测试签约项目" in str(row["projects"]) and "测试签约项目" in row["reason"]
    assert "测试线索项目" not in str(row["projects"])
    assert after.targets.set_index("company").loc[top["company"], "pipeline"] == "签约"
    # without a ledger nothing is said
    assert before.all_targets["pipeline"].isna().all()
    assert not before.gaps.set_index("node").loc[link, "projects"]


def test_activity_counts_trips_out_and_visits_by_official_city_name():
    data = LedgerData.from_records(
        activities=[
            {"code": "HD1", "type": "外出招商", "city": "苏州"},
            {"code": "HD2", "type": "外出招商", "city": "苏州市"},
            {"code": "HD3", "type": "来访接待", "city": "苏州市"},  # hosted here: not a trip out
        ],
        visits=[{"activity": "HD1"}, {"activity": "HD2"}, {"activity": "HD2"}, {"activity": "HD3"}],
    )
    assert activity_by_city(data) == {"苏州市": {"trips": 2, "visits": 3}}


def test_cli_reads_the_ledger_given_with_db(tmp_path):
    db = f"sqlite:///{tmp_path / 'l.db'}"
    book = tmp_path / "示例台账.xlsx"
    from chainmap.ledger.example import example_workbook

    book.write_bytes(example_workbook(chainmap.load()))
    assert run_cli("--db", db, "ledger", "import", str(book)).returncode == 0
    gaps = json.loads(run_cli("--db", db, "gaps", "--all", "--format", "json").stdout)
    live = [g for g in gaps if g["projects"]]
    assert live and all("示例项目" in " ".join(g["projects"]) for g in live)


def test_pages_and_posters_show_live_projects_and_stages(tmp_path):
    from chainmap.present.atlas import atlas

    lib = chainmap.load()
    plain = chainmap.analyse(lib, "carbon_fiber")
    top = plain.targets.iloc[0]
    link = next(n for n in top["covers"] if lib.nodes[n].kind == "link")
    data = LedgerData.from_records(projects=[_project("XM1", "测试签约项目", top["name"], link, "开工")])
    feed = feed_of(data, lib)
    a = chainmap.analyse(lib, "carbon_fiber", ledger=feed)
    doc = atlas(a.graph, "carbon_fiber", a.gaps, a.all_targets)
    box = next(ln for s in doc["segments"] for ln in s["links"] if ln["id"] == link)
    assert box["projects"] == ["测试签约项目（开工）"]
    assert any(c["pipeline"] == "开工" and "台账：开工" in c["track"] for c in box["candidates"])
    pages = chainmap.render(lib, "carbon_fiber", outdir=tmp_path, ledger=feed)
    html = (tmp_path / "carbon_fiber.html").read_text(encoding="utf-8")
    assert "项目：测试签约项目（开工）" in html and tmp_path / "geo.html" in pages
