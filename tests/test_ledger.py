"""The ledger's workbook: template, import (every bad-row class with its cell), idempotence, history, export."""

from __future__ import annotations

import datetime as dt
import doctest
import importlib
import io
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from chainmap.api import load
from chainmap.ledger import import_files, open_ledger, read_ledger
from chainmap.ledger.schema import projects, stage_history, teams, visits
from chainmap.ledger.workbook import export_workbook, ledger_rows, template_workbook

from .conftest import MINI
from .ledger_util import ACTS, PROJECTS, TEAMS, VISITS, base_rows, fill, valid_uscc

HEADERS = {
    "团队": ["团队", "板块", "类型"],
    "活动": ["活动编号", "类型", "团队", "开始日期", "结束日期", "城市", "带队领导", "说明"],
    "拜访": ["活动编号", "日期", "企业名称", "统一社会信用代码", "项目编号", "说明"],
    "项目": [
        "项目编号",
        "项目名称",
        "投资方",
        "统一社会信用代码",
        "产业链",
        "环节",
        "团队",
        "落地板块",
        "阶段",
        "计划总投资(亿元)",
        "累计到资(亿元)",
        "线索来源",
        "首次接触日期",
        "签约日期",
        "开工日期",
        "投产日期",
        "说明",
    ],
}


@pytest.fixture(scope="module")
def lib():
    return load(MINI)


@pytest.fixture
def engine(tmp_path):
    e = open_ledger(f"sqlite:///{tmp_path / 'ledger.sqlite'}")
    yield e
    e.dispose()


def test_doctests_of_the_ledger_package():
    for name in ("sheets", "scorecard", "pipeline"):
        result = doctest.testmod(importlib.import_module(f"chainmap.ledger.{name}"))
        assert result.attempted > 0 and result.failed == 0, name


def test_template_has_the_issue_sheets_headers_drop_downs_and_print_settings(lib):
    wb = load_workbook(io.BytesIO(template_workbook(lib)))
    assert wb.sheetnames[0] == "说明"
    for name, headers in HEADERS.items():
        ws = wb[name]
        assert [c.value for c in ws[1]] == headers
        assert ws.page_setup.orientation == "landscape"
        assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.print_title_rows == "$1:$1" and ws.freeze_panes == "A2"
        assert all(ws.column_dimensions[c.column_letter].width >= 6 for c in ws[1])
    stage_dv = [dv for dv in wb["项目"].data_validations.dataValidation if "I2" in str(dv.sqref)]
    assert stage_dv and stage_dv[0].type == "list"
    lists = wb["选项"]
    column = {c.value: c.column for c in lists[1]}
    stages = [lists.cell(r, column["阶段"]).value for r in range(2, 8)]
    assert stages == ["线索", "在谈", "签约", "开工", "投产", "终止"]
    chains = {lists.cell(r, column["产业链"]).value for r in range(2, 4)}
    assert chains == {"阿尔法链", "贝塔链"}
    team_dv = [dv for dv in wb["活动"].data_validations.dataValidation if "C2" in str(dv.sqref)]
    assert "团队!$A$2" in team_dv[0].formula1
    assert template_workbook(lib) == template_workbook(lib)  # same input, same bytes


def test_good_workbook_is_stored_with_dates_amounts_and_library_ids(lib, engine, tmp_path):
    path = fill(lib, tmp_path / "f.xlsx", **base_rows())
    summary = import_files(engine, lib, [path])
    assert summary.problems == []
    assert summary.sheets["项目"] == {"rows": 1, "inserted": 1, "updated": 0, "unchanged": 0, "rejected": 0}
    data = read_ledger(engine)
    p = data.projects.iloc[0]
    assert (p["chain"], p["link"], p["planned"], p["first_contact"]) == ("alpha", "a1", 10.0, dt.date(2023, 1, 5))
    assert data.visits.iloc[0]["date"] == dt.date(2023, 2, 9)


def _problems(lib, engine, tmp_path, **over):
    path = fill(lib, tmp_path / "bad.xlsx", **base_rows(**over))
    return import_files(engine, lib, [path])


def _project(**change):
    row = list(PROJECTS[0])
    idx = {h: i for i, h in enumerate(HEADERS["项目"])}
    row[idx["项目编号"]] = "XM9"
    for header, value in change.items():
        row[idx[header]] = value
    return row


BAD = [
    (
        "unknown team",
        "活动",
        [["HD2", "外出招商", "三队", "2023-02-08", None, None, None, None]],
        "C3",
        "没有团队“三队”",
    ),
    ("unknown activity type", "活动", [["HD2", "出差", "一队", "2023-02-08", None, None, None, None]], "B3", "类型"),
    (
        "end before start",
        "活动",
        [["HD2", "外出招商", "一队", "2023-02-08", "2023-02-01", None, None, None]],
        "E3",
        "早于开始日期",
    ),
    ("date not a date", "活动", [["HD2", "外出招商", "一队", "2月8日", None, None, None, None]], "D3", "不是日期"),
    ("impossible date", "活动", [["HD2", "外出招商", "一队", "2023-02-30", None, None, None, None]], "D3", "不是日期"),
    (
        "visit to unknown activity",
        "拜访",
        [["HD9", "2023-02-09", "示例企业B", None, None, None]],
        "A3",
        "没有活动“HD9”",
    ),
    ("visit to unknown project", "拜访", [["HD1", "2023-02-09", "示例企业B", None, "XM404", None]], "E3", "没有项目"),
    ("bad credit code", "拜访", [["HD1", "2023-02-09", "示例企业B", "91320700MA1M", None, None]], "D3", "应为18位"),
    (
        "credit code check character",
        "拜访",
        [
            [
                "HD1",
                "2023-02-09",
                "示例企业B",
                valid_uscc("91320700MA1MABCDE")[:-1] + ("0" if valid_uscc("91320700MA1MABCDE")[-1] != "0" else "1"),
                None,
                None,
            ]
        ],
        "D3",
        "校验位",
    ),
    ("unknown stage", "项目", [_project(阶段="已签约")], "I3", "不是可选的阶段"),
    ("unknown link", "项目", [_project(环节="不存在的环节")], "F3", "没有环节"),
    ("link of another chain", "项目", [_project(环节="贝原料")], "F3", "不属于产业链"),
    ("unknown chain", "项目", [_project(产业链="伽马链")], "E3", "没有产业链"),
    ("unknown team of a project", "项目", [_project(团队="三队")], "G3", "没有团队"),
    ("negative amount", "项目", [_project(**{"计划总投资(亿元)": -5})], "J3", "不能为负数"),
    ("amount not a number", "项目", [_project(**{"累计到资(亿元)": "五亿"})], "K3", "不是金额"),
    ("started without signed", "项目", [_project(阶段="开工", 开工日期="2023-03-01")], "N3", "没有签约日期"),
    (
        "producing without started",
        "项目",
        [_project(阶段="投产", 签约日期="2023-02-01", 投产日期="2023-09-01")],
        "O3",
        "没有开工日期",
    ),
    ("signed stage without its date", "项目", [_project(阶段="签约")], "N3", "签约日期却为空"),
    ("signed before first contact", "项目", [_project(阶段="签约", 签约日期="2022-12-01")], "N3", "早于首次接触日期"),
    ("date of a later stage", "项目", [_project(阶段="在谈", 签约日期="2023-02-01")], "I3", "请把阶段改为"),
    ("missing name", "项目", [_project(项目名称=None)], "B3", "不能为空"),
    ("formula without a saved result", "项目", [_project(项目名称='=CONCAT(C3,"项目")')], "B3", "是公式"),
    ("duplicate key", "项目", [_project(), _project()], "A4", "重复"),
]


@pytest.mark.parametrize(("what", "sheet", "extra", "cell", "words"), BAD, ids=[b[0] for b in BAD])
def test_every_bad_row_is_reported_at_its_cell_and_not_stored(lib, engine, tmp_path, what, sheet, extra, cell, words):
    base = base_rows()
    summary = _problems(lib, engine, tmp_path, **{sheet: base[sheet] + extra})
    cells = [(p["sheet"], p["cell"]) for p in summary.problems]
    assert (sheet, cell) in cells, summary.problems
    assert any(words in p["message"] and p["cell"] == cell for p in summary.problems), summary.problems
    assert all(set(p) == {"sheet", "row", "cell", "message"} for p in summary.as_dict()["problems"])
    assert summary.sheets[sheet]["rejected"] >= 1
    # the good rows of the same file are stored all the same
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(teams)) == 2
        assert conn.scalar(select(func.count()).select_from(visits)) == 1 + (sheet == "拜访" and what == "duplicate")


@pytest.mark.parametrize("written", ["2023-02-08", "2023/2/8", "2023年2月8日", dt.datetime(2023, 2, 8), "2023.2.8"])
def test_every_date_form_is_read_as_the_same_day(lib, engine, tmp_path, written):
    acts = [["HD1", "外出招商", "一队", written, None, None, None, None]]
    path = fill(lib, tmp_path / "d.xlsx", **base_rows(活动=acts))
    assert import_files(engine, lib, [path]).problems == []
    assert read_ledger(engine).activities.iloc[0]["start_date"] == dt.date(2023, 2, 8)


def test_missing_column_rejects_the_sheet_with_a_message(lib, engine, tmp_path):
    path = fill(lib, tmp_path / "f.xlsx", **base_rows())
    wb = load_workbook(path)
    wb["团队"]["C1"] = "类别"
    wb.save(path)
    summary = import_files(engine, lib, [path])
    assert any(p["sheet"] == "团队" and "缺少列：类型" in p["message"] for p in summary.problems)
    assert summary.sheets["团队"]["rejected"] == 2


def _snapshot(engine, lib):
    return ledger_rows(engine, lib)


def test_reimporting_the_same_file_changes_nothing(lib, engine, tmp_path):
    path = fill(lib, tmp_path / "f.xlsx", **base_rows())
    import_files(engine, lib, [path])
    before = _snapshot(engine, lib)
    summary = import_files(engine, lib, [path])
    assert all(c["unchanged"] == c["rows"] and c["inserted"] == c["updated"] == 0 for c in summary.sheets.values())
    assert _snapshot(engine, lib) == before
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(stage_history)) == 1


def test_a_newer_file_updates_rows_and_keeps_the_stage_history(lib, engine, tmp_path):
    import_files(engine, lib, [fill(lib, tmp_path / "一月.xlsx", **base_rows())])
    newer = [_project(项目编号="XM1", 阶段="签约", 签约日期="2023-03-01", **{"累计到资(亿元)": 2.5})]
    summary = import_files(engine, lib, [fill(lib, tmp_path / "三月.xlsx", **base_rows(项目=newer))])
    assert summary.sheets["项目"]["updated"] == 1 and summary.sheets["团队"]["unchanged"] == 2
    with engine.connect() as conn:
        row = conn.execute(select(projects)).mappings().one()
        hist = conn.execute(select(stage_history).order_by(stage_history.c.id)).mappings().all()
    assert (row["stage"], row["signed"], row["paid_in"]) == ("签约", dt.date(2023, 3, 1), 2.5)
    assert [(h["old_stage"], h["new_stage"], h["source"]) for h in hist] == [
        (None, "在谈", "一月.xlsx"),
        ("在谈", "签约", "三月.xlsx"),
    ]
    assert all(dt.datetime.fromisoformat(h["changed_at"]).tzinfo is not None for h in hist)


def test_export_then_import_round_trips(lib, tmp_path):
    first = open_ledger(f"sqlite:///{tmp_path / 'a.sqlite'}")
    rows = base_rows(项目=[*PROJECTS, _project(阶段="签约", 签约日期="2023-02-01")])
    path = fill(lib, tmp_path / "f.xlsx", **rows)
    wb = load_workbook(path)
    wb["项目"]["Q3"].value = '=HYPERLINK("x")'
    wb["项目"]["Q3"].data_type = "s"  # typed as text, as in a CSV or a cell formatted as text
    wb.save(path)
    import_files(first, lib, [path])
    assert read_ledger(first).projects.set_index("code").loc["XM9", "note"] == '=HYPERLINK("x")'
    exported = tmp_path / "export.xlsx"
    exported.write_bytes(export_workbook(first, lib))
    wb = load_workbook(exported)
    assert wb["项目"]["Q3"].value.startswith("'=")  # formula injection neutralised
    assert wb["项目"]["N3"].is_date and isinstance(wb["项目"]["J2"].value, int | float)
    assert "阶段记录" in wb.sheetnames
    second = open_ledger(f"sqlite:///{tmp_path / 'b.sqlite'}")
    assert import_files(second, lib, [exported]).problems == []
    assert ledger_rows(second, lib) == ledger_rows(first, lib)
    again = import_files(first, lib, [exported])
    assert all(c["unchanged"] == c["rows"] for c in again.sheets.values())
    assert read_ledger(second).projects.set_index("code").loc["XM9", "note"] == '=HYPERLINK("x")'


def test_strict_stores_nothing_when_any_row_is_wrong(lib, engine, tmp_path):
    bad = base_rows(活动=[*ACTS, ["HD2", "外出招商", "三队", "2023-02-08", None, None, None, None]])
    summary = import_files(engine, lib, [fill(lib, tmp_path / "f.xlsx", **bad)], strict=True)
    assert summary.problems and not summary.stored
    assert all(c["rejected"] == c["rows"] for c in summary.sheets.values())
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(teams)) == 0


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030"])
def test_csv_files_are_one_sheet_each_inferred_from_headers(lib, engine, tmp_path, encoding):
    def csv(name: str, sheet: str, rows: list[list]) -> Path:
        lines = [",".join(HEADERS[sheet])] + [",".join("" if v is None else str(v) for v in r) for r in rows]
        path = tmp_path / name
        path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
        return path

    files = [
        csv("t.csv", "团队", TEAMS),
        csv("a.csv", "活动", ACTS),
        csv("p.csv", "项目", PROJECTS),
        csv("v.csv", "拜访", [*VISITS, ["HD7", "2023/2/9", "示例企业C", None, None, None]]),
    ]
    summary = import_files(engine, lib, files)
    assert set(summary.sheets) == {"团队", "活动", "项目", "拜访"}
    assert [(p["sheet"], p["cell"]) for p in summary.problems] == [("拜访", "A3")]
    assert len(read_ledger(engine).visits) == 1


def test_opening_again_keeps_the_rows_and_the_schema_at_head(lib, tmp_path):
    url = f"sqlite:///{tmp_path / 'l.sqlite'}"
    e = open_ledger(url)
    import_files(e, lib, [fill(lib, tmp_path / "f.xlsx", **base_rows())])
    e.dispose()
    e = open_ledger(url)
    with e.connect() as conn:
        from sqlalchemy import text

        assert conn.scalar(text("SELECT version_num FROM alembic_version")) == "0001"
    assert len(read_ledger(e).projects) == 1


def test_migrations_build_exactly_the_tables_the_code_uses(tmp_path):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from chainmap.ledger.schema import metadata

    engine = open_ledger(f"sqlite:///{tmp_path / 'l.sqlite'}")
    with engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), metadata)
    engine.dispose()
    assert diffs == []


def test_an_older_workbook_does_not_move_a_project_back(lib, engine, tmp_path):
    newer = [_project(项目编号="XM1", 阶段="签约", 签约日期="2023-03-01")]
    import_files(engine, lib, [fill(lib, tmp_path / "三月.xlsx", **base_rows(项目=newer))])
    summary = import_files(engine, lib, [fill(lib, tmp_path / "一月.xlsx", **base_rows())])
    assert [(p["cell"], "较旧的文件" in p["message"]) for p in summary.problems] == [("I2", True)]
    row = read_ledger(engine).projects.iloc[0]
    assert (row["stage"], row["signed"]) == ("签约", dt.date(2023, 3, 1))
