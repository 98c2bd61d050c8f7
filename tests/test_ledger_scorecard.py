"""The scorecard on a hand-made ledger whose answers are known, the pipeline views, and the commands."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from chainmap.api import load
from chainmap.cli import main
from chainmap.ledger import (
    import_files,
    live_projects,
    open_ledger,
    pipeline_stage_of_firms,
    project_list,
    read_ledger,
    scorecard,
)
from chainmap.ledger.report import card_html, card_xlsx

from .conftest import MINI
from .ledger_util import KNOWN, base_rows, fill, valid_uscc

MARCH = (dt.date(2023, 3, 1), dt.date(2023, 3, 31))
DEFAULT_WEIGHTS = {
    "trips": 3,
    "visits": 1,
    "projects": 2,
    "hosted": 2,
    "signed": 10,
    "signed_amount": 1,
    "started": 10,
    "producing": 10,
}
# Worked out by hand from KNOWN for March 2023 (previous period: February; year to date: Jan 1 - Mar 31):
# 甲队: trips H1 (H2 started in Feb); visits 3 of H1 + H2's visit of Mar 1 = 4; projects {P1, P2} from visits
#       + P5 first contacted Mar 31 = 3; signed P1 (10 亿元); P5 is signed in April. Feb: H2, 1 visit.
# 乙队: hosted H3 (H5 is a 推介会); visits 1; projects {P3} + P2 first contacted Mar 5 = 2; started P3.
#       Feb: P3 first contacted and signed (5 亿元).
# 丙队: producing P4 (Mar 31). January: H4, its visit, P4 contacted (Dec) but visited, P4 started.
# Score with the default weights: 甲 3+4+2*3+10+10 = 33, 乙 1+2*2+2+10 = 17, 丙 10.
EXPECTED = {
    "甲队": {
        "trips": 1,
        "visits": 4,
        "projects": 3,
        "hosted": 0,
        "signed": 1,
        "signed_amount": 10.0,
        "started": 0,
        "producing": 0,
        "score": 33.0,
        "rank": 1,
    },
    "乙队": {
        "trips": 0,
        "visits": 1,
        "projects": 2,
        "hosted": 1,
        "signed": 0,
        "signed_amount": 0.0,
        "started": 1,
        "producing": 0,
        "score": 17.0,
        "rank": 2,
    },
    "丙队": {
        "trips": 0,
        "visits": 0,
        "projects": 0,
        "hosted": 0,
        "signed": 0,
        "signed_amount": 0.0,
        "started": 0,
        "producing": 1,
        "score": 10.0,
        "rank": 3,
    },
}
EXPECTED_YTD = {
    "甲队": {"trips": 2, "visits": 5, "projects": 3, "signed": 1, "signed_amount": 10.0},
    "乙队": {"visits": 1, "projects": 2, "hosted": 1, "signed": 1, "signed_amount": 5.0, "started": 1},
    "丙队": {"trips": 1, "visits": 1, "projects": 1, "started": 1, "producing": 1},
}
EXPECTED_CHANGE = {
    "甲队": {"trips": 0, "visits": 3, "projects": 3, "signed": 1, "signed_amount": 10.0},
    "乙队": {"visits": 1, "projects": 1, "hosted": 1, "signed": -1, "signed_amount": -5.0, "started": 1},
    "丙队": {"producing": 1},
}


@pytest.fixture(scope="module")
def lib():
    return load(MINI)


def known_ledger(lib, url: str, folder: Path):
    engine = open_ledger(url)
    summary = import_files(engine, lib, [fill(lib, folder / "known.xlsx", **KNOWN)])
    assert summary.problems == []
    return engine


@pytest.fixture
def known(lib, tmp_path):
    engine = known_ledger(lib, f"sqlite:///{tmp_path / 'l.sqlite'}", tmp_path)
    yield engine
    engine.dispose()


def check_known_card(card):
    rows = {r["team"]: r for r in card.to_dict("records")}
    assert set(rows) == set(EXPECTED)
    for team, want in EXPECTED.items():
        assert {k: rows[team][k] for k in want} == want, team
        for m in ("trips", "visits", "projects", "hosted", "signed", "signed_amount", "started", "producing"):
            assert rows[team][f"{m}_ytd"] == EXPECTED_YTD[team].get(m, 0), (team, m)
            assert rows[team][f"{m}_change"] == EXPECTED_CHANGE[team].get(m, 0), (team, m)
    assert list(card["team"]) == ["甲队", "乙队", "丙队"]


def test_scorecard_figures_on_a_hand_made_ledger(known):
    check_known_card(scorecard(read_ledger(known), *MARCH, weights=DEFAULT_WEIGHTS))


def test_equal_scores_share_a_rank(known):
    card = scorecard(read_ledger(known), *MARCH, weights={"started": 10, "producing": 10})
    assert dict(zip(card["team"], card["rank"], strict=True)) == {"乙队": 1, "丙队": 1, "甲队": 3}


def test_by_district_counts_a_project_once_across_its_teams(known):
    card = scorecard(read_ledger(known), *MARCH, by="district", weights=DEFAULT_WEIGHTS)
    rows = {r["district"]: r for r in card.to_dict("records")}
    assert rows["海州区"]["projects"] == 4  # P1, P2 (both teams), P3, P5
    assert rows["海州区"]["visits"] == 5 and rows["海州区"]["team"] is None
    assert rows["赣榆区"]["producing"] == 1


def test_scorecard_command_json_uses_the_region_weights(lib, known, tmp_path):
    url = str(known.url)
    res = CliRunner().invoke(
        main, ["--chains", str(MINI), "--db", url, "scorecard", "--month", "2023-03", "--format", "json"]
    )
    assert res.exit_code == 0, res.output
    check_known_card_records(json.loads(res.output))
    env = CliRunner().invoke(
        main,
        ["--chains", str(MINI), "scorecard", "--from", "2023-03-01", "--to", "2023-03-31", "--format", "csv"],
        env={"CHAINMAP_DB": url},
    )
    assert env.exit_code == 0 and env.stdout_bytes.startswith(b"\xef\xbb\xbf")
    assert "外出招商(批次)" in env.output.splitlines()[0]
    bad = CliRunner().invoke(main, ["--db", url, "scorecard", "--month", "2023-13"])
    assert bad.exit_code == 2 and "不是月份" in bad.output


def check_known_card_records(records):
    import pandas as pd

    check_known_card(pd.DataFrame(records))
    assert set(records[0]) >= {
        "team",
        "district",
        "trips",
        "visits",
        "projects",
        "hosted",
        "signed",
        "signed_amount",
        "started",
        "producing",
        "score",
        "rank",
    }


def test_scorecard_html_and_xlsx_are_ready_to_circulate(known):
    card = scorecard(read_ledger(known), *MARCH, weights=DEFAULT_WEIGHTS)
    card.loc[0, "team"] = "<script>alert(1)</script>"
    page = card_html(card, *MARCH, by="team", region="测试市")
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "http://" not in page and "https://" not in page and "<link" not in page
    assert page.count("<svg") == 9 and "2023年3月" in page
    wb = load_workbook(io.BytesIO(card_xlsx(card, *MARCH, by="team", region="测试市")))
    assert wb.sheetnames == ["说明", "成绩单", "图表"]
    ws = wb["成绩单"]
    assert ws.page_setup.orientation == "landscape" and ws.freeze_panes == "A2"
    assert isinstance(ws["D2"].value, int | float)
    assert len(wb["图表"]._charts) == 9


def test_pipeline_overdue_paid_share_live_projects_and_firm_stage(lib, known):
    data = read_ledger(known)
    df = project_list(data, dt.date(2023, 12, 31), overdue_days=180)
    flags = dict(zip(df["code"], df["overdue"], strict=True))
    # signed, not started: P1 296 days before the end of 2023, P5 274 days
    assert flags == {"P1": True, "P2": False, "P3": False, "P4": False, "P5": True}
    df = project_list(data, dt.date(2023, 12, 31), overdue_days=280, overdue_only=True)
    assert list(df["code"]) == ["P1"]
    shares = dict(zip(df["code"], df["paid_share"], strict=True))
    assert shares == {"P1": 0.1}
    live = live_projects(known)
    assert [p["id"] for p in live["a1"]] == ["P1", "P4"] and [p["id"] for p in live["a2"]] == ["P3"]
    assert "b1" not in live  # P2 is only 在谈
    stages = pipeline_stage_of_firms(known, lib)
    assert stages == {}  # no credit codes, no library firm among the fictitious investors


def test_firm_stage_by_credit_code_and_library_name(lib, tmp_path):
    firm = next(iter(lib.companies.values()))
    code = valid_uscc("91320700MA1MABCD0")
    projects = [
        [
            "Q1",
            "项目",
            firm.name,
            None,
            None,
            None,
            "一队",
            None,
            "在谈",
            None,
            None,
            None,
            "2023-01-01",
            None,
            None,
            None,
            None,
        ],
        [
            "Q2",
            "项目",
            "示例企业Z",
            code,
            None,
            None,
            "一队",
            None,
            "签约",
            None,
            None,
            None,
            "2023-01-01",
            "2023-02-01",
            None,
            None,
            None,
        ],
    ]
    engine = open_ledger(f"sqlite:///{tmp_path / 'l.sqlite'}")
    assert (
        import_files(engine, lib, [fill(lib, tmp_path / "f.xlsx", **base_rows(项目=projects, 拜访=[]))]).problems == []
    )
    assert pipeline_stage_of_firms(engine, lib) == {firm.id: "在谈", code: "签约"}


def test_projects_command_lists_funnel_and_overdue(known):
    res = CliRunner().invoke(
        main,
        [
            "--chains",
            str(MINI),
            "--db",
            str(known.url),
            "projects",
            "--overdue",
            "--as-of",
            "2023-12-31",
            "--format",
            "json",
        ],
    )
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert [p["code"] for p in out["projects"]] == ["P1", "P5"] and out["projects"][0]["chain"] == "阿尔法链"
    assert out["funnel"][-1]["chain"] == "合计" and out["funnel"][-1]["签约"] == 2
    table = CliRunner().invoke(
        main, ["--chains", str(MINI), "--db", str(known.url), "projects", "--chain", "alpha", "--as-of", "2023-12-31"]
    )
    assert table.exit_code == 0 and "逾期" in table.output and "P2" not in table.output


def test_project_commands_add_and_move_with_history(known):
    db = ["--chains", str(MINI), "--db", str(known.url)]
    run = CliRunner().invoke
    ok = run(
        main,
        [
            *db,
            "project",
            "add",
            "P9",
            "--name",
            "示例项目9",
            "--team",
            "甲队",
            "--chain",
            "阿尔法链",
            "--link",
            "甲原料",
        ],
    )
    assert ok.exit_code == 0, ok.output
    assert run(main, [*db, "project", "add", "P9", "--name", "again"]).exit_code == 2
    bad = run(main, [*db, "project", "stage", "P9", "开工", "--date", "2023-05-01"])
    assert bad.exit_code == 2 and "签约日期" in bad.output
    assert run(main, [*db, "project", "stage", "P9", "签约", "--date", "2023/4/1"]).exit_code == 0
    assert run(main, [*db, "project", "stage", "P9", "开工", "--date", "2023年5月1日"]).exit_code == 0
    from sqlalchemy import select

    from chainmap.ledger.schema import stage_history

    with known.connect() as conn:
        hist = conn.execute(select(stage_history).where(stage_history.c.project == "P9")).mappings().all()
    assert [(h["old_stage"], h["new_stage"], h["source"]) for h in hist] == [
        (None, "线索", "cli"),
        ("线索", "签约", "cli"),
        ("签约", "开工", "cli"),
    ]
    p9 = read_ledger(known).projects.set_index("code").loc["P9"]
    assert (p9["signed"], p9["started"]) == (dt.date(2023, 4, 1), dt.date(2023, 5, 1))
    assert run(main, [*db, "project", "stage", "P9", "在谈"]).exit_code == 0  # a correction: later dates go
    p9 = read_ledger(known).projects.set_index("code").loc["P9"]
    assert (p9["stage"], p9["signed"], p9["started"]) == ("在谈", None, None)


def test_ledger_commands_exit_codes_and_json_summary(lib, tmp_path):
    run = CliRunner().invoke
    db = ["--chains", str(MINI), "--db", f"sqlite:///{tmp_path / 'cli.sqlite'}"]
    tpl = tmp_path / "t.xlsx"
    assert run(main, [*db, "ledger", "template", "-o", str(tpl)]).exit_code == 0
    again = run(main, [*db, "ledger", "template", "-o", str(tpl)])
    assert again.exit_code == 2 and "--force" in again.output
    bad = base_rows(活动=[*base_rows()["活动"], ["HD2", "外出招商", "三队", "2023-02-08", None, None, None, None]])
    res = run(main, [*db, "ledger", "import", str(fill(lib, tmp_path / "f.xlsx", **bad)), "--format", "json"])
    assert res.exit_code == 2
    out = json.loads(res.output)
    assert set(out) == {"sheets", "problems"}
    assert out["sheets"]["活动"] == {"rows": 2, "inserted": 1, "updated": 0, "unchanged": 0, "rejected": 1}
    assert out["problems"] == [{"sheet": "活动", "row": 3, "cell": "C3", "message": out["problems"][0]["message"]}]
    text = run(main, [*db, "ledger", "import", str(tmp_path / "f.xlsx")])
    assert text.exit_code == 2 and "活动!C3: 没有团队“三队”" in text.output
    assert run(main, [*db, "ledger", "import", str(tmp_path / "missing.xlsx")]).exit_code == 2
    exported = tmp_path / "e.xlsx"
    assert run(main, [*db, "ledger", "export", "-o", str(exported)]).exit_code == 0
    assert load_workbook(exported)["活动"]["A2"].value == "HD1"
    nodb = run(main, ["--db", "nonsense://", "scorecard"])
    assert nodb.exit_code == 2 and "台账数据库" in nodb.output


def test_default_ledger_sits_in_a_user_library_or_the_user_data_folder(mini, monkeypatch, tmp_path):
    from chainmap.ledger.db import default_url
    from chainmap.library import bundled_library

    assert default_url(mini) == f"sqlite:///{(mini / 'ledger.sqlite').resolve()}"
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    url = default_url(bundled_library())
    assert url.startswith(f"sqlite:///{tmp_path / 'data'}") and url.endswith("ledger.sqlite")


def test_readers_get_no_ledger_until_one_exists(mini, monkeypatch):
    from chainmap.ledger import existing_ledger

    monkeypatch.delenv("CHAINMAP_DB", raising=False)
    assert existing_ledger(None, mini) is None and not (mini / "ledger.sqlite").exists()
    open_ledger(None, mini).dispose()
    engine = existing_ledger(None, mini)
    assert engine is not None and live_projects(engine) == {}
    engine.dispose()


LEDGER_OUTPUTS = [
    ("scorecard", "csv", ["--month", "2023-02"]),
    ("scorecard", "xlsx", ["--month", "2023-02"]),
    ("scorecard", "html", ["--month", "2023-02"]),
    ("scorecard", "json", ["--month", "2023-02"]),
    ("projects", "csv", ["--as-of", "2023-12-31"]),
    ("projects", "xlsx", ["--as-of", "2023-12-31"]),
    ("projects", "json", ["--as-of", "2023-12-31"]),
]


@pytest.mark.parametrize(("command", "fmt", "extra"), LEDGER_OUTPUTS)
def test_ledger_outputs_never_replace_a_file_chainmap_did_not_write(known, tmp_path, command, fmt, extra):
    out = tmp_path / f"out.{fmt}"
    hand = "手写的清单：请勿覆盖\n" if fmt != "json" else '{"我的": "笔记"}\n'
    out.write_text(hand, encoding="utf-8")

    def run(*more: str):
        args = ["--chains", str(MINI), "--db", str(known.url), command, *extra, "--format", fmt, "-o", str(out)]
        return CliRunner().invoke(main, [*args, *more])

    refused = run()
    assert refused.exit_code == 2 and "--force" in refused.output and "Traceback" not in refused.output
    assert out.read_text(encoding="utf-8") == hand  # the user's file is untouched
    assert run("--force").exit_code == 0
    first = out.read_bytes()
    assert first != hand.encode("utf-8")
    again = run()  # its own output: recognised by its marker or header, re-written without --force
    assert again.exit_code == 0, again.output
    assert out.read_bytes() == first
