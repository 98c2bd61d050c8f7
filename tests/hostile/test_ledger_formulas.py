"""Formula payloads typed into the ledger (as text) and into link names: never live in any CSV or XLSX the
ledger side writes (projects, scorecard, ledger export with its hidden 选项 sheet, the template), and an
exported ledger imports back unchanged. The full-width forms (＝ ＋ － ＠) were missed here once."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from chainmap.cli import main
from chainmap.ledger.sheets import read_text
from chainmap.ledger.workbook import template_workbook
from chainmap.safe import FORMULA_STARTS

from ..test_exports import PAYLOADS as EXPORT_PAYLOADS

# the export tests' payloads that fit in a cell typed as text, and the full-width spellings
PAYLOADS = [p for p in EXPORT_PAYLOADS if not p.startswith(("\t", "\r"))] + ["＋1", "－1", "＠x"]


def _cli(*args: str) -> None:
    res = CliRunner().invoke(main, list(args))
    assert res.exit_code == 0, (res.output, res.exception)


def _text_row(ws, row: list) -> None:
    ws.append(row)
    for cell in ws[ws.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"  # typed as text (a cell formatted as text, or a CSV)


def _filled(lib: Path, path: Path) -> Path:
    wb = load_workbook(io.BytesIO(template_workbook(None)))
    teams = [f"{p}队{i}" for i, p in enumerate(PAYLOADS)]
    for i, p in enumerate(PAYLOADS):
        _text_row(wb["团队"], [teams[i], f"{p}区", "专业招商队伍"])
        _text_row(wb["活动"], [f"HD{i}", "外出招商", teams[i], "2023-03-02", "2023-03-03", "上海市", f"{p}领导", p])
        project = [f"XM{i}", f"{p}项目", f"{p}投资方", None, "阿尔法链", None, teams[i], f"{p}区", "签约", 1, 0]
        _text_row(wb["项目"], [*project, "以商引商", "2023-01-05", "2023-03-05", None, None, p])
        _text_row(wb["拜访"], [f"HD{i}", "2023-03-02", f"{p}企业", None, f"XM{i}", p])
    wb.save(path)
    return path


def _live_cells(path: Path) -> list[str]:
    if path.suffix == ".csv":
        rows = csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline=""))
        return [f"{path.name}:{i}:{v!r}" for i, row in enumerate(rows, 1) for v in row if v.startswith(FORMULA_STARTS)]
    live = []
    for ws in load_workbook(path):
        for row in ws.iter_rows():
            for c in row:
                if c.data_type == "f" or (isinstance(c.value, str) and c.value.startswith(FORMULA_STARTS)):
                    live.append(f"{path.name}!{ws.title}!{c.coordinate}:{c.value!r}")
    return live


@pytest.fixture
def hostile_lib(mini: Path) -> Path:
    alpha = mini / "alpha.yaml"
    alpha.write_text(alpha.read_text(encoding="utf-8").replace("name: 甲原料", 'name: "@SUM(1) 甲原料"'), "utf-8")
    return mini


def test_no_formula_is_live_in_any_ledger_output(hostile_lib, tmp_path):
    chains = ["--chains", str(hostile_lib)]
    _cli(*chains, "ledger", "import", str(_filled(hostile_lib, tmp_path / "in.xlsx")))
    out = tmp_path / "out"
    outputs = [out / "template.xlsx", out / "ledger.xlsx"]
    _cli(*chains, "ledger", "template", "-o", str(outputs[0]))
    _cli(*chains, "ledger", "export", "-o", str(outputs[1]))
    for kind in ("csv", "xlsx"):
        outputs += [out / f"projects.{kind}", out / f"scorecard.{kind}"]
        _cli(*chains, "projects", "--format", kind, "-o", str(outputs[-2]))
        _cli(*chains, "scorecard", "--month", "2023-03", "--format", kind, "-o", str(outputs[-1]))
    assert [live for p in outputs for live in _live_cells(p)] == []
    projects = list(csv.reader(io.StringIO(outputs[2].read_text(encoding="utf-8-sig"), newline="")))
    assert {f"'{p}投资方" for p in PAYLOADS} <= {v for row in projects for v in row}  # they did reach it, quoted

    # the export imports back as it was: the quotes we added are taken off again
    again = CliRunner().invoke(main, [*chains, "ledger", "import", str(outputs[1])])
    assert again.exit_code == 0 and "新增0，更新0" in again.output, again.output


@pytest.mark.parametrize("payload", PAYLOADS)
def test_our_quote_comes_off_on_reading(payload):
    assert read_text("'" + payload) == payload.strip()
