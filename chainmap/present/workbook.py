"""The workbook officers print and hand out (招商清单.xlsx): a 说明 sheet first (every sheet and column
explained from :data:`chainmap.vocab.OUTPUTS`, how scores work with each criterion's maximum, data date,
region), then one sheet per list. Every sheet prints landscape, one page wide, header row repeated and
frozen, text wrapped; chain names in Chinese; numbers as numbers with formats; formula injection
neutralised (:mod:`chainmap.safe`). Same tables -> same bytes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from ..files import workbook_bytes
from ..safe import neutralise
from ..vocab import CRITERIA_LABELS, OUTPUTS
from .exports import HEADERS, SHEET_NAMES, _width, for_people

__all__ = ["NODE_SHEET", "workbook"]

NODE_SHEET = "全部节点状态"
PERCENT_COLS = {"完整度", "加权完整度(重点环节×2)"}
MAX_WIDTH = 42
SHEET_MEANING = {
    "completeness": "每条产业链的环节数、强/弱/缺失环节数、完整度与缺口数。",
    "gaps": "只列缺口（补链/延链/强链），按优先级从高到低；全部节点的本地状态见「全部节点状态」。",
    "nodes": "每个环节、关键技术、关键部件/材料的本地状态（含无缺口的节点）。",
    "targets": "外地候选企业，按得分从高到低；各评分项的满分见表头括号。",
    "routes": "值得外出拜访的城市，按该市目标企业的得分合计排序。",
    "trips": "外出招商行程：从本市出发并返回，每站一行、每家拜访企业一行，可打印作行程单。",
    "first_wave": "首批推荐：按边际价值逐家挑选（后选企业只填已被覆盖的缺口时价值减半），建议先接触的一批企业。",
    "excluded": "因登记状态（停业、注销、吊销、破产、清算）或退市破产而不列入目标企业清单的企业及原因。",
    "feasibility": "招商可行性：本地在各环节的显性比较优势（RCA）与关联密度（PSWOT 象限）；需先导入全国企业名单才能计算。",
}


def _chain_names(df: pd.DataFrame, names: Mapping[str, str]) -> pd.DataFrame:
    df = df.copy()
    for col in ("chain", "chains"):
        if col in df.columns:
            df[col] = [
                [names.get(c, c) for c in v] if isinstance(v, list) else names.get(v, v) if isinstance(v, str) else v
                for v in df[col]
            ]
    return df


def _people(kind: str, df: pd.DataFrame, maxima: Mapping[str, float]) -> pd.DataFrame:
    """The sheet's table: Chinese headers; a target's breakdown as one column per criterion."""
    sheet_kind = "gaps" if kind == "nodes" else kind
    people = for_people(df, sheet_kind, list(HEADERS[sheet_kind]))
    if kind == "targets" and "breakdown" in df.columns:
        for crit, label in CRITERIA_LABELS.items():
            top = maxima.get(crit)
            head = f"{label}（满分{top:g}）" if top is not None else label
            people[head] = [float((b or {}).get(crit, 0.0)) if isinstance(b, dict) else None for b in df["breakdown"]]
        total = sum(maxima.values()) if maxima else None
        if total:
            people = people.rename(columns={"得分": f"得分（满分{total:g}）"})
    if "优先级" in people.columns:
        people = people.rename(columns={"优先级": "优先级（0-100）"})
    for col in PERCENT_COLS & set(people.columns):  # back to numbers: the sheet formats them as percent
        people[col] = [_plain_number(v) for v in df[[c for c, h in HEADERS[sheet_kind].items() if h == col][0]]]
    return people


def _plain_number(v: Any) -> Any:
    try:
        return None if v is None or pd.isna(v) else float(v)
    except (TypeError, ValueError):
        return v


def _sheet(wb: Any, title: str, people: pd.DataFrame) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill

    ws = wb.create_sheet(title)
    ws.append(list(people.columns))
    for row in people.itertuples(index=False):
        ws.append([neutralise(_cell_value(v)) for v in row])
    head_fill = PatternFill("solid", fgColor="DCE6F0")
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = head_fill
        cell.alignment = Alignment(vertical="center", wrap_text=True)
    wrap = Alignment(vertical="top", wrap_text=True)
    for i, col in enumerate(people.columns, 1):
        letter = ws.cell(row=1, column=i).column_letter
        longest = max([_width(col) * 0.6] + [_width(v) for v in people[col].head(500)])
        ws.column_dimensions[letter].width = min(max(longest + 2, 6), MAX_WIDTH)
        fmt = "0%" if col in PERCENT_COLS else "0.0" if people[col].dtype.kind == "f" else None
        for (cell,) in ws.iter_rows(min_row=2, min_col=i, max_col=i):
            cell.alignment = wrap
            if fmt and isinstance(cell.value, (int, float)):
                cell.number_format = fmt
    _print_setup(ws)


def _cell_value(v: Any) -> Any:
    if v is None or (isinstance(v, float) and pd.isna(v)):
        return None
    return v.item() if hasattr(v, "item") and not isinstance(v, str) else v


def _print_setup(ws: Any) -> None:
    ws.freeze_panes = "A2"
    if ws.max_row > 1:
        ws.auto_filter.ref = ws.dimensions
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "1:1"
    ws.print_options.gridLines = True
    ws.page_margins.left = ws.page_margins.right = 0.4


def _explain(wb: Any, sheets: list[tuple[str, str]], region: str, as_of: str, maxima: Mapping[str, float]) -> None:
    from openpyxl.styles import Alignment, Font

    ws = wb.create_sheet("说明", 0)
    rows: list[list[Any]] = [
        ["招商清单说明", ""],
        ["本地（地区）", region or "未指定"],
        ["企业数据截至", as_of or "不详"],
        ["生成工具", "chainmap（同样的数据生成同样的文件）"],
        ["", ""],
        ["评分方法", "目标企业得分＝各评分项之和；每项按下表满分封顶，来自地区档案的权重。"],
    ]
    rows += [[f"  {CRITERIA_LABELS.get(k, k)}", f"满分 {v:g} 分"] for k, v in maxima.items()]
    rows += [["", ""], ["工作表", "含义"]]
    for kind, title in sheets:
        rows.append([title, SHEET_MEANING.get(kind, "")])
        out_kind = {"nodes": "gaps", "trips": "itinerary"}.get(kind, kind)
        for col in OUTPUTS.get(out_kind, ()):
            if col.key in HEADERS.get(out_kind, {}):
                rows.append([f"  {col.header}", col.meaning])
    for r in rows:
        ws.append([neutralise(v) for v in r])
    ws["A1"].font = Font(bold=True, size=14)
    for (cell,) in ws.iter_rows(min_col=1, max_col=1):
        if cell.value and not str(cell.value).startswith("  "):
            cell.font = Font(bold=True, size=14 if cell.row == 1 else 11)
    ws.column_dimensions["A"].width = 26
    ws.column_dimensions["B"].width = 100
    for row in ws.iter_rows():
        for cell in row:
            cell.alignment = Alignment(vertical="top", wrap_text=True)
    _print_setup(ws)
    ws.freeze_panes = None
    ws.auto_filter.ref = None


def workbook(
    tables: Mapping[str, pd.DataFrame],
    *,
    region: str = "",
    as_of: str = "",
    chain_names: Mapping[str, str] | None = None,
    maxima: Mapping[str, float] | None = None,
) -> bytes:
    """The workbook of ``tables`` (kinds: completeness, gaps, targets, routes) as XLSX bytes.

    The gaps table gives two sheets: the gaps only, and every node's status (:data:`NODE_SHEET`).
    ``maxima``: criterion -> maximum points (the region's weights).
    """
    from openpyxl import Workbook

    names = dict(chain_names or {})
    maxima = dict(maxima or {})
    wb = Workbook()
    wb.remove(wb.active)
    done: list[tuple[str, str]] = []
    for kind, df in tables.items():
        df = _chain_names(df, names)
        if kind == "gaps":
            gaps_only = df[df["gap_type"].notna()] if "gap_type" in df.columns else df
            _sheet(wb, SHEET_NAMES["gaps"], _people("gaps", gaps_only, maxima))
            done.append(("gaps", SHEET_NAMES["gaps"]))
            _sheet(wb, NODE_SHEET, _people("nodes", df, maxima))
            done.append(("nodes", NODE_SHEET))
            continue
        title = SHEET_NAMES.get(kind, kind)
        _sheet(wb, title, _people(kind, df, maxima))
        done.append((kind, title))
    _explain(wb, done, region, as_of, maxima)
    return _fixed_bytes(wb)


def _fixed_bytes(wb: Any) -> bytes:
    """The workbook's bytes, the same for the same tables (:func:`chainmap.files.workbook_bytes`)."""
    return workbook_bytes(wb)
