"""Change signals between exports, on two exports whose changes are known by construction: a capital
increase, a firm deregistered, one newly on a chain, one moved, one new; a re-import records nothing."""

from __future__ import annotations

import json

import openpyxl
import pytest
from click.testing import CliRunner
from rich.cells import cell_len

from chainmap import load_library
from chainmap.cli import main
from chainmap.import_report import summary_text
from chainmap.importer import ImportOptions, run_import
from chainmap.store import recent_signals

from .test_import import VALID, write_csv

HEADER = ["企业名称", "统一社会信用代码", "登记状态", "注册资本", "所属城市", "主营产品", "经营范围"]
FIRST = [
    HEADER,
    ["甲化工有限公司", VALID, "存续", "100万元", "宁波", "乙中间体", ""],
    ["乙化工有限公司", "", "存续", "", "南京", "乙中间体", ""],
    ["丙贸易有限公司", "", "存续", "", "上海", "", "日用百货销售"],
    ["丁化工有限公司", "", "存续", "", "宁波", "乙中间体", ""],
    ["戊材料有限公司", "", "存续", "", "宁波", "丙材料", ""],  # nothing changes
]
SECOND = [
    HEADER,
    ["甲化工有限公司", VALID, "存续", "500万元", "宁波", "乙中间体", ""],  # capital_up
    ["乙化工有限公司", "", "注销", "", "南京", "乙中间体", ""],  # status (a closed row of a known firm)
    ["丙贸易有限公司", "", "存续", "", "上海", "贝制品", "日用百货销售"],  # placed
    ["丁化工有限公司", "", "存续", "", "杭州", "乙中间体", ""],  # moved
    ["戊材料有限公司", "", "存续", "", "宁波", "丙材料", ""],
    ["己新材料有限公司", "", "存续", "", "苏州", "丙材料", ""],  # new
    ["庚贸易有限公司", "", "注销", "", "苏州", "", ""],  # closed and unknown: skipped, no signal
]
EXPECTED = {
    ("capital_up", "甲化工有限公司", "100万元", "500万元"),
    ("status", "乙化工有限公司", "存续", "注销"),
    ("placed", "丙贸易有限公司", None, "b2"),
    ("moved", "丁化工有限公司", "宁波市", "杭州市"),
    ("new", "己新材料有限公司", None, "苏州市"),
}


def imp(root, f):
    lib = load_library(root)
    return run_import(lib, ImportOptions(file=f, progress=False))


@pytest.fixture
def two_exports(mini, tmp_path):
    s1 = imp(mini, write_csv(tmp_path / "名单_20240101.csv", FIRST))
    assert s1.signals == {}  # the first export into an empty store: nothing to compare with
    f2 = write_csv(tmp_path / "名单_20240601.csv", SECOND)
    s2 = imp(mini, f2)
    return mini, f2, s1, s2


def test_changes_known_by_construction(two_exports):
    mini, f2, _s1, s2 = two_exports
    assert s2.skipped == 1 and s2.updated == 5 and s2.imported == 1
    df = recent_signals(mini)
    got = {(r.kind, r.name, r.old, r.new) for r in df.itertuples()}
    nodes = {r.kind: r.new for r in df.itertuples()}
    assert nodes["placed"] and got == {e if e[0] != "placed" else e[:3] + (nodes["placed"],) for e in EXPECTED}
    assert set(df["date"].astype(str)) == {"2024-06-01"} and set(df["since"].dropna().astype(str)) == {"2024-01-01"}
    assert s2.signals == {"capital_up": 1, "moved": 1, "new": 1, "placed": 1, "status": 1}
    status = {c.name: c.status for c in load_library(mini).companies.values() if c.id.startswith("imp_")}
    assert status["乙化工有限公司"] == "注销"
    again = imp(mini, f2)  # the same file again: nothing new
    assert again.signals == {} and len(recent_signals(mini)) == 5


def test_changes_command_formats_and_filters(two_exports, tmp_path):
    mini = two_exports[0]
    run = CliRunner().invoke
    res = run(main, ["--chains", str(mini), "changes", "--format", "json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert len(data) == 5 and all(
        list(d) == ["kind", "credit_code", "name", "date", "old", "new", "chains"] for d in data
    )
    capital = next(d for d in data if d["kind"] == "capital_up")
    assert (
        capital["credit_code"] == VALID and capital["chains"] == ["alpha", "beta"] and capital["date"] == "2024-06-01"
    )
    res = run(main, ["--chains", str(mini), "changes", "--format", "json", "--kind", "moved", "--kind", "new"])
    assert sorted(d["kind"] for d in json.loads(res.output)) == ["moved", "new"]
    res = run(main, ["--chains", str(mini), "changes", "--format", "json", "--since", "2024-06-02"])
    assert json.loads(res.output) == []
    res = run(main, ["--chains", str(mini), "changes", "--format", "json", "--chain", "alpha"])
    assert {d["name"] for d in json.loads(res.output)} == {
        "甲化工有限公司",
        "乙化工有限公司",
        "丁化工有限公司",
        "己新材料有限公司",
    }
    table = run(main, ["--chains", str(mini), "changes"]).output
    assert "增资" in table and "100万元" in table and "迁址" in table
    out = tmp_path / "changes.xlsx"
    assert run(main, ["--chains", str(mini), "changes", "--format", "xlsx", "-o", str(out)]).exit_code == 0
    ws = openpyxl.load_workbook(out)["变化信号"]
    assert ws["A1"].value == "日期" and ws.max_row == 6
    again = tmp_path / "again.xlsx"
    run(main, ["--chains", str(mini), "changes", "--format", "xlsx", "-o", str(again)])
    assert again.read_bytes() == out.read_bytes()


def _code(i: int) -> str:
    """A valid credit code (GB 32100-2015 check character) for firm ``i``."""
    alphabet, weights = "0123456789ABCDEFGHJKLMNPQRTUWXY", [3**k % 31 for k in range(17)]
    body = f"91320700MA{i:07d}"
    total = sum(alphabet.index(ch) * w for ch, w in zip(body, weights, strict=True))
    return body + alphabet[(31 - total % 31) % 31]


def test_a_long_table_says_it_shows_the_first_rows_and_never_cuts_a_credit_code(mini, tmp_path, monkeypatch):
    imp(mini, write_csv(tmp_path / "名单_20240101.csv", FIRST))
    many = [[f"己{i:03d}新材料有限公司", _code(i), "存续", "", "苏州", "丙材料", ""] for i in range(310)]
    imp(mini, write_csv(tmp_path / "名单_20240601.csv", SECOND + many))
    monkeypatch.setenv("COLUMNS", "80")
    res = CliRunner().invoke(main, ["--chains", str(mini), "changes"])
    assert res.exit_code == 0, res.output
    assert "共315条" in res.output and "只列出前 300 条，共 315 条" in res.output
    codes = {_code(i) for i in range(310)}
    cut = [w for w in res.output.split() if w.endswith("…") and any(c.startswith(w[:-1]) for c in codes)]
    assert not cut  # a credit code is shown whole or its column is left out
    assert all(cell_len(line) <= 80 for line in res.output.splitlines())


def test_a_status_the_model_does_not_know_is_counted_not_dropped_silently(mini, tmp_path):
    rows = [HEADER, *FIRST[1:3], ["辛化工有限公司", "", "待核实", "", "宁波", "乙中间体", ""]]
    rows[2] = ["乙化工有限公司", "", "待核实", "", "南京", "乙中间体", ""]
    s = imp(mini, write_csv(tmp_path / "名单_20240101.csv", rows))
    known = "存续、在业、迁入、迁出、停业、注销、吊销、破产、清算"
    assert s.warnings == {f"登记状态“待核实”不是可识别的状态（{known}），已留空": 2}
    status = {c.name: c.status for c in load_library(mini).companies.values() if c.id.startswith("imp_")}
    assert status["乙化工有限公司"] == "存续" and status["甲化工有限公司"] == "存续"  # empty: the model's default


def test_moved_registrations_are_statuses_and_a_move_out_is_a_signal(mini, tmp_path, store):
    """迁入 / 迁出 (registration moved here / away), which 天眼查 and 企查查 exports list, are kept as they are
    written: a firm that moves its registration out is a lead (a `status` signal), and stays a living firm
    that may be a target."""
    opts = {"store": store, "progress": False, "workers": 1}
    run_import(load_library(mini), ImportOptions(file=write_csv(tmp_path / "名单_20240101.csv", FIRST), **opts))
    rows = [HEADER, *FIRST[1:]]
    rows[1] = ["甲化工有限公司", VALID, "迁出", "100万元", "宁波", "乙中间体", ""]
    rows[4] = ["丁化工有限公司", "", "迁入（在册）", "", "宁波", "乙中间体", ""]
    s = run_import(load_library(mini), ImportOptions(file=write_csv(tmp_path / "名单_20240601.csv", rows), **opts))
    assert not s.warnings and s.signals == {"status": 2}, s
    df = recent_signals(mini)
    assert {(r.name, r.old, r.new) for r in df.itertuples()} == {
        ("甲化工有限公司", "存续", "迁出"),
        ("丁化工有限公司", "存续", "迁入"),
    }
    from chainmap.analysis.targets import is_active
    from chainmap.api import find_firm

    lib = load_library(mini)
    assert find_firm(lib, "甲化工有限公司").status == "迁出" and find_firm(lib, "丁化工有限公司").status == "迁入"

    assert all(is_active({"status": st}) for st in ("迁入", "迁出")) and not is_active({"status": "注销"})


def test_a_dry_run_does_not_send_the_officer_to_signals_it_did_not_record(mini, tmp_path):
    imp(mini, write_csv(tmp_path / "名单_20240101.csv", FIRST))
    f2 = write_csv(tmp_path / "名单_20240601.csv", SECOND)
    res = CliRunner().invoke(main, ["--chains", str(mini), "import", str(f2), "--dry-run"])
    assert res.exit_code == 0, res.output
    line = next(x for x in res.output.splitlines() if x.startswith("变化信号："))
    assert "试运行：未记录" in line and recent_signals(mini).empty


def test_a_newer_export_tells_changed_firms_from_firms_only_dated_again(mini, tmp_path, store):
    """A newer export repeats every firm with its new date: the summary must not say they all changed.
    Of the five stored firms the second export updates, four changed a fact and one (戊) only its date."""
    opts = {"store": store, "progress": False, "workers": 1}
    run_import(load_library(mini), ImportOptions(file=write_csv(tmp_path / "名单_20240101.csv", FIRST), **opts))
    f2 = write_csv(tmp_path / "名单_20240601.csv", SECOND)
    s2 = run_import(load_library(mini), ImportOptions(file=f2, **opts))
    assert (s2.updated, s2.unchanged, s2.refreshed) == (5, 0, 1), s2
    assert "4家信息有变化，1家仅数据日期更新，0家无变化" in summary_text(s2)
    again = run_import(load_library(mini), ImportOptions(file=f2, **opts))
    # the same file again: 己 (new the first time) and the closed 乙 (its own date's record) repeat as well
    assert (again.updated, again.unchanged, again.refreshed) == (6, 6, 0), again
    assert "（其中6家无变化）" in summary_text(again)
