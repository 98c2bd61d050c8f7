"""`chainmap review apply FILE`: a reviewed list as officers save it (Excel's GBK CSV, formulas), every
problem of the file at once and at its place, nothing recorded while any is left, and a list applied
twice is no error."""

from __future__ import annotations

import csv
import json

import openpyxl
from click.testing import CliRunner

from chainmap.cli import main

from .test_import import write_csv
from .test_import_review import ROWS, imp


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def listed(mini, tmp_path, fmt):
    """Import the rows with two open pairs (a2 and a3), write the review list; its path and rows."""
    imp(mini, write_csv(tmp_path / "名单.csv", ROWS), "parquet")
    sheet = tmp_path / f"review.{fmt}"
    assert run("--chains", mini, "review", "--format", fmt, "-o", sheet).exit_code == 0
    if fmt == "xlsx":
        return sheet, None
    with sheet.open(encoding="utf-8-sig", newline="") as fh:
        return sheet, list(csv.reader(fh))


def state(mini):
    """The store folder's files, byte for byte (what a refused apply must leave as it was)."""
    folder = mini / "imported"
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def open_nodes(mini):
    res = run("--chains", mini, "review", "--format", "json")
    return sorted(i["node"] for i in json.loads(res.output))


def test_every_problem_of_a_csv_at_once_at_its_place_and_nothing_recorded(mini, tmp_path):
    sheet, rows = listed(mini, tmp_path, "csv")
    a2 = next(r for r in rows if r[6] == "a2")
    a3 = next(r for r in rows if r[6] == "a3")
    bad = [
        rows[0],
        [a2[0], "也许", *a2[2:]],  # line 2: no decision word
        ["r00000000", "接受", *a3[2:]],  # line 3: no such open item
        [a3[0], "接受", *a3[2:]],  # line 4
        [a3[0], "拒绝", *a3[2:]],  # line 5: the same id the other way
        ["", "接受", *a3[2:]],  # line 6: the id wiped
    ]
    with sheet.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows(bad)
    before = state(mini)
    res = run("--chains", mini, "review", "apply", sheet)
    assert res.exit_code == 2, res.output
    lines = res.output.splitlines()
    assert lines[0].startswith(f"{sheet}:2:2: ") and "也许" in lines[0]
    assert lines[1].startswith(f"{sheet}:3:1: ") and "r00000000" in lines[1]
    assert lines[2].startswith(f"{sheet}:5:2: ") and "第4行" in lines[2]
    assert lines[3].startswith(f"{sheet}:6:1: ") and "编号" in lines[3]
    assert "共 4 处问题" in lines[4] and "Traceback" not in res.output
    assert state(mini) == before and open_nodes(mini) == ["a2", "a3"]


def test_a_csv_excel_saved_in_gbk_is_read(mini, tmp_path):
    sheet, rows = listed(mini, tmp_path, "csv")
    for r in rows[1:]:
        r[1] = "接受" if r[6] == "a3" else ""
    with sheet.open("w", encoding="gb18030", newline="") as fh:  # Excel's "CSV (逗号分隔)" on Chinese Windows
        csv.writer(fh).writerows(rows)
    res = run("--chains", mini, "review", "apply", sheet)
    assert res.exit_code == 0 and "接受 1 条" in res.output, res.output
    assert open_nodes(mini) == ["a2"]


def test_a_formula_without_its_result_is_a_located_problem_not_skipped(mini, tmp_path):
    sheet, _ = listed(mini, tmp_path, "xlsx")
    wb = openpyxl.load_workbook(sheet)
    ws = wb["待审核"]
    for row in ws.iter_rows(min_row=2):
        row[1].value = '=IF(1,"接受","拒绝")' if row[6].value == "a3" else "接受"
    wb.save(sheet)  # openpyxl saves no computed results: the formula's value is not in the file
    cell = next(f"B{row[0].row}" for row in ws.iter_rows(min_row=2) if row[6].value == "a3")
    before = state(mini)
    res = run("--chains", mini, "review", "apply", sheet)
    assert res.exit_code == 2, res.output
    assert f"待审核!{cell}" in res.output and "公式" in res.output and "Traceback" not in res.output
    assert state(mini) == before and open_nodes(mini) == ["a2", "a3"]


def test_a_list_applied_twice_is_no_error_and_a_flipped_decision_is(mini, tmp_path):
    sheet, rows = listed(mini, tmp_path, "csv")
    for r in rows[1:]:
        r[1] = "接受" if r[6] == "a3" else ""
    with sheet.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows(rows)
    assert "接受 1 条" in run("--chains", mini, "review", "apply", sheet).output
    again = run("--chains", mini, "review", "apply", sheet)
    assert again.exit_code == 0 and "此前已" in again.output, again.output
    a3 = next(r[0] for r in rows[1:] if r[6] == "a3")
    assert run("--chains", mini, "review", "accept", a3).exit_code == 0  # by id as well: no error
    for r in rows[1:]:
        r[1] = "拒绝" if r[6] == "a3" else ""
    with sheet.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows(rows)
    flipped = run("--chains", mini, "review", "apply", sheet)
    assert flipped.exit_code == 2 and "已于" in flipped.output and "接受" in flipped.output, flipped.output
    assert open_nodes(mini) == ["a2"]


def test_missing_columns_and_sheets_say_what_to_do(mini, tmp_path):
    sheet, rows = listed(mini, tmp_path, "csv")
    with sheet.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows([[c for i, c in enumerate(r) if i != 1] for r in rows])
    res = run("--chains", mini, "review", "apply", sheet)
    assert res.exit_code == 2 and f"{sheet}:1:1: " in res.output and "缺少“决定”列" in res.output
    book, _ = listed(mini, tmp_path, "xlsx")
    wb = openpyxl.load_workbook(book)
    wb["待审核"].title = "Sheet1"
    wb.save(book)
    res = run("--chains", mini, "review", "apply", book)
    assert res.exit_code == 2 and "没有“待审核”工作表" in res.output and "Sheet1" in res.output
    assert "Worksheet" not in res.output


def test_the_import_summary_tells_its_own_pairs_from_the_whole_queue(mini, tmp_path):
    imp(mini, write_csv(tmp_path / "名单_20240101.csv", ROWS), "parquet")
    later = [ROWS[0], ROWS[1], ROWS[3]]  # 丙 is not in the newer export: its open pair stays in the queue
    res = run("--chains", mini, "import", write_csv(tmp_path / "名单_20240601.csv", later))
    assert res.exit_code == 0, res.output
    assert "待审核的落链匹配：本次导入的企业 1 条；待审核清单共 2 条" in res.output
    assert len(json.loads(run("--chains", mini, "review", "--format", "json").output)) == 2


def test_an_applied_list_may_be_written_over_with_the_next_one(mini, tmp_path):
    sheet, _ = listed(mini, tmp_path, "xlsx")
    wb = openpyxl.load_workbook(sheet)
    for row in wb["待审核"].iter_rows(min_row=2):
        row[1].value = "接受" if row[6].value == "a3" else None
    wb.save(sheet)
    args = ["--chains", mini, "review", "--format", "xlsx", "-o", sheet]
    refused = run(*args)
    assert refused.exit_code == 2 and "1 条尚未应用" in refused.output and "review apply" in refused.output
    assert run("--chains", mini, "review", "apply", sheet).exit_code == 0
    again = run(*args)  # every decision in it is recorded now: next month's list goes in its place
    assert again.exit_code == 0, again.output
    ws = openpyxl.load_workbook(sheet)["待审核"]
    assert [r[6].value for r in ws.iter_rows(min_row=2)] == ["a2"] and ws["B2"].value is None
