"""gaps / targets / routes through the real entry point, on the bundled library, in every format."""

from __future__ import annotations

import io
import json
import unicodedata

import openpyxl
import pandas as pd
import pytest

from .conftest import run_cli

GAP_KEYS = {"chain", "node", "name", "kind", "status", "gap_type", "local_firms", "candidates", "priority", "reason"}
TARGET_KEYS = {"rank", "company", "name", "province", "city", "score", "covers", "chains", "why", "breakdown"}
ROUTE_KEYS = {"city", "province", "score", "firms", "covers"}

# the sheets of the 招商清单 workbook, in order (the contract's names; `report` and `demo` write it)
REPORT_SHEETS = [
    "说明",
    "产业链完整度",
    "缺链清单",
    "全部节点状态",
    "目标企业清单",
    "招商线路",
    "外出行程",
    "首批推荐",
    "未列入企业",
]


def ok(*args: str) -> str:
    res = run_cli(*args)
    assert res.returncode == 0, res.stderr
    return res.stdout


@pytest.fixture(scope="module")
def gaps_json():
    return json.loads(ok("gaps", "--all", "--format", "json"))


@pytest.fixture(scope="module")
def targets_json():
    return json.loads(ok("targets", "--all", "--top", "30", "--format", "json"))


def test_gaps_json_follows_the_contract(gaps_json):
    assert gaps_json and all(GAP_KEYS <= set(row) for row in gaps_json)
    priorities = [row["priority"] for row in gaps_json]
    assert priorities == sorted(priorities, reverse=True)
    for row in gaps_json:
        assert row["kind"] in {"link", "technology", "component"}
        assert row["status"] in {"strong", "weak", "missing"}
        assert row["gap_type"] in {"fill", "extend", "strengthen", None}
        if row["gap_type"] == "strengthen":
            assert row["status"] == "weak" and row["role"] is None
        if row["status"] == "weak" and row["kind"] == "link" and row["role"] is None:
            assert row["gap_type"] == "strengthen"  # resource / service links are never gaps
        assert row["reason"].endswith("。")
    assert {"fill", "extend", "strengthen"} <= {row["gap_type"] for row in gaps_json}


def test_targets_json_follows_the_contract(targets_json, gaps_json):
    assert len(targets_json) == 30
    open_gaps = {row["node"] for row in gaps_json if row["gap_type"]}
    for i, row in enumerate(targets_json, 1):
        assert TARGET_KEYS <= set(row) and row["rank"] == i
        assert sum(row["breakdown"].values()) == pytest.approx(row["score"], abs=1e-6)
        assert row["covers"] and set(row["covers"]) <= open_gaps
        assert 0 < len(row["why"]) <= 40  # read aloud; the full reasoning is in why_detail
        assert row["why_detail"].startswith(row["short_name"]) and row["why_detail"].endswith("。")
        assert row["track"] in {"new", "existing"}
    scores = [row["score"] for row in targets_json]
    assert scores == sorted(scores, reverse=True)


def test_target_gap_filter_through_cli(gaps_json):
    fill = next(
        row["node"] for row in gaps_json if row["gap_type"] == "fill" and row["kind"] == "link" and row["candidates"]
    )
    rows = json.loads(ok("targets", "--all", "--gap", fill, "--format", "json"))
    assert rows and all(fill in row["covers"] for row in rows)
    strong = next(row["node"] for row in gaps_json if row["status"] == "strong")
    res = run_cli("targets", "--all", "--gap", strong)
    assert res.returncode == 2 and "not a gap" in res.stderr


def test_routes_json(targets_json):
    rows = json.loads(ok("routes", "--all", "--format", "json"))
    assert rows and all(ROUTE_KEYS <= set(r) for r in rows)
    assert [r["score"] for r in rows] == sorted((r["score"] for r in rows), reverse=True)
    top = json.loads(ok("routes", "--all", "--top", "3", "--format", "json"))
    assert [r["city"] for r in top] == [r["city"] for r in rows[:3]]


@pytest.mark.parametrize(
    "kind,header", [("gaps", "缺口类型"), ("targets", "推荐理由"), ("routes", "拜访企业（按优先顺序）")]
)
def test_csv_has_bom_and_chinese_headers(tmp_path, kind, header):
    out = tmp_path / f"{kind}.csv"
    ok(kind, "carbon_fiber", "--format", "csv", "-o", str(out))
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    df = pd.read_csv(io.BytesIO(raw), encoding="utf-8-sig")
    assert header in df.columns and len(df) > 0


def test_one_workbook_holds_all_lists(tmp_path):
    out = tmp_path / "report.xlsx"
    ok("report", "--all", "--top", "50", "-o", str(out))
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == REPORT_SHEETS
    targets = wb["目标企业清单"]
    assert targets.freeze_panes == "A2"
    headers = [c.value for c in targets[1]]
    assert "企业名称" in headers and "缺口优先级（满分30）" in headers and targets.max_row == 51
    widths = {targets.column_dimensions[c.column_letter].width for c in targets[1]}
    assert len(widths) > 1  # fitted, not all default
    again = tmp_path / "again.xlsx"
    ok("report", "--all", "--top", "50", "-o", str(again))
    assert again.read_bytes() == out.read_bytes()


@pytest.mark.parametrize("kind", ["gaps", "targets", "routes"])
def test_xlsx_per_list(tmp_path, kind):
    out = tmp_path / f"{kind}.xlsx"
    ok(kind, "petrochem", "--format", "xlsx", "-o", str(out))
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[0] == "说明" and all(ws.freeze_panes == "A2" for ws in wb.worksheets[1:])
    res = run_cli(kind, "petrochem", "--format", "xlsx")
    assert res.returncode == 2 and "-o" in res.stderr


def _cells(line: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)


def test_table_aligns_cjk():
    out = ok("targets", "solar", "--top", "5")
    lines = [ln for ln in out.splitlines() if ln.startswith(("┃", "│", "┏", "┡", "└"))]
    assert len(lines) > 5 and len({_cells(ln) for ln in lines}) == 1
    assert "推荐理由" in out


def test_long_terminal_tables_say_what_they_leave_out():
    import chainmap
    from chainmap.present.exports import to_table

    a = chainmap.analyse(chainmap.load(), None, "lianyungang")
    text = to_table(a.gaps, "gaps", max_rows=20)
    assert f"仅显示前 20 行，共 {len(a.gaps)} 行" in text
    assert a.gaps.iloc[19]["name"][:4] in text
    assert "仅显示" not in to_table(a.gaps.head(10), "gaps", max_rows=20)
