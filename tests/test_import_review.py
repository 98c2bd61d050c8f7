"""The review queue: matches between the review minimum and the placing threshold are kept as
uncertain with their evidence; accept / reject by id or with a reviewed CSV / XLSX; decisions survive
re-imports."""

from __future__ import annotations

import csv
import json

import openpyxl
import pytest
from click.testing import CliRunner

from chainmap import load_library
from chainmap.cli import main
from chainmap.importer import ImportOptions, run_import

from .test_import import write_csv

HEADER = ["企业名称", "经营范围", "主营产品"]
ROWS = [
    HEADER,
    ["乙中间体科技有限公司", "", ""],  # name only: 0.4, uncertain
    ["丙材料技术有限公司", "", ""],  # name only: uncertain
    ["丁制品有限公司", "", "丁制品"],  # products: placed, nothing to review
    ["戊贸易有限公司", "日用百货销售", ""],  # no hit
]


def cli(*args):
    res = CliRunner().invoke(main, [str(a) for a in args])
    assert res.exit_code == 0, (res.output, res.exception)
    return res.output


def imp(root, f, store):
    return run_import(load_library(root), ImportOptions(file=f, store=store, progress=False))


def ties(root):
    return {
        c.name: sorted(c.operates + c.makes + c.holds)
        for c in load_library(root, imported="graph").companies.values()
        if c.id.startswith("imp_")
    }


@pytest.mark.parametrize("store", ["yaml", "parquet"])
def test_accept_reject_and_decisions_survive_reimport(mini, tmp_path, store):
    f = write_csv(tmp_path / "名单_20240101.csv", ROWS)
    imp(mini, f, store)
    items = json.loads(cli("--chains", mini, "review", "--format", "json"))
    assert {(i["name"], i["node"]) for i in items} == {("乙中间体科技有限公司", "a2"), ("丙材料技术有限公司", "a3")}
    first = next(i for i in items if i["node"] == "a2")
    assert "名称「乙中间体」0.40" in first["evidence"] and first["chains"] == ["alpha", "beta"]
    assert set(first) == {"id", "firm", "name", "credit_code", "city", "node", "node_name", "chains", "evidence"}
    assert ties(mini).get("乙中间体科技有限公司", []) == []
    other = next(i for i in items if i["node"] == "a3")
    out = cli("--chains", mini, "review", "accept", first["id"])
    assert "接受 1 条" in out
    cli("--chains", mini, "review", "reject", other["id"])
    assert ties(mini)["乙中间体科技有限公司"] == ["a2"]
    assert json.loads(cli("--chains", mini, "review", "--format", "json")) == []
    # a newer export of the same firms: the decisions hold
    imp(mini, write_csv(tmp_path / "名单_20240601.csv", ROWS), store)
    assert ties(mini)["乙中间体科技有限公司"] == ["a2"] and ties(mini).get("丙材料技术有限公司", []) == []
    assert json.loads(cli("--chains", mini, "review", "--format", "json")) == []


def test_unknown_id_is_a_message(mini, tmp_path):
    imp(mini, write_csv(tmp_path / "名单.csv", ROWS), "yaml")
    res = CliRunner().invoke(main, ["--chains", str(mini), "review", "accept", "r00000000"])
    assert res.exit_code == 2 and "r00000000" in res.output


def test_a_decision_before_any_import_is_refused_and_makes_no_folder(mini):
    assert not (mini / "imported").exists()
    res = CliRunner().invoke(main, ["--chains", str(mini), "review", "accept", "r00000000"])
    assert res.exit_code == 2 and "r00000000" in res.output and not (mini / "imported").exists()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_reviewed_list_is_imported_back(mini, tmp_path, fmt):
    imp(mini, write_csv(tmp_path / "名单.csv", ROWS), "yaml")
    sheet = tmp_path / f"review.{fmt}"
    cli("--chains", mini, "review", "--format", fmt, "-o", sheet)
    if fmt == "csv":
        with sheet.open(encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.reader(fh))
        for r in rows[1:]:
            r[1] = "接受" if r[6] == "a3" else ""
        with sheet.open("w", encoding="utf-8-sig", newline="") as fh:
            csv.writer(fh).writerows(rows)
    else:
        wb = openpyxl.load_workbook(sheet)
        ws = wb["待审核"]
        for row in ws.iter_rows(min_row=2):
            row[1].value = "接受" if row[6].value == "a3" else None
        wb.save(sheet)
    filled = sheet.read_bytes()
    again = CliRunner().invoke(main, ["--chains", str(mini), "review", "--format", fmt, "-o", str(sheet)])
    assert again.exit_code == 2 and "review apply" in again.output and "--force" in again.output
    assert sheet.read_bytes() == filled  # the decisions written in it are kept
    assert "接受 1 条" in cli("--chains", mini, "review", "apply", sheet)
    assert ties(mini)["丙材料技术有限公司"] == ["a3"]
    left = json.loads(cli("--chains", mini, "review", "--format", "json"))
    assert [i["node"] for i in left] == ["a2"]


@pytest.mark.parametrize("command", ["review", "changes"])
@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_review_and_changes_never_replace_a_file_chainmap_did_not_write(mini, tmp_path, command, fmt):
    imp(mini, write_csv(tmp_path / "名单.csv", ROWS), "yaml")
    out = tmp_path / f"out.{fmt}"
    out.write_text("我的笔记\n", encoding="utf-8")
    args = ["--chains", str(mini), command, "--format", fmt, "-o", str(out)]
    refused = CliRunner().invoke(main, args)
    assert refused.exit_code == 2 and "--force" in refused.output
    assert out.read_text(encoding="utf-8") == "我的笔记\n"
    assert CliRunner().invoke(main, [*args, "--force"]).exit_code == 0
    ours = out.read_bytes()
    rerun = CliRunner().invoke(main, args)  # its own (unfilled) list: written again without --force
    assert rerun.exit_code == 0, rerun.output
    assert out.read_bytes() == ours


@pytest.mark.parametrize("store", ["yaml", "parquet"])
@pytest.mark.parametrize("decision", ["accept", "reject"])
def test_decisions_hold_for_a_firm_listed_twice_in_the_newer_export(mini, tmp_path, store, decision):
    """A duplicate row is folded into its record after the decisions are applied to the rows: it put a
    rejected node back among the firm's open pairs (the 20k dense export folds 351 duplicate rows)."""
    rows = [*ROWS, ROWS[1]]  # 乙 twice
    imp(mini, write_csv(tmp_path / "名单_20240101.csv", rows), store)
    items = json.loads(cli("--chains", mini, "review", "--format", "json"))
    a2 = next(i for i in items if i["node"] == "a2")
    cli("--chains", mini, "review", decision, a2["id"])
    imp(mini, write_csv(tmp_path / "名单_20240601.csv", rows), store)
    assert [i["node"] for i in json.loads(cli("--chains", mini, "review", "--format", "json"))] == ["a3"]
    assert ties(mini).get("乙中间体科技有限公司", []) == (["a2"] if decision == "accept" else [])
