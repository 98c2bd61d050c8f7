"""The scorecard and the pipeline for people: CSV, JSON, a self-contained HTML page and an XLSX with charts."""

from __future__ import annotations

import datetime as dt
import html
import json
import math

import pandas as pd

from .scorecard import MEASURES
from .sheets import neutralise
from .xlsx import fill_sheet, note_sheet, to_bytes, width_of

__all__ = [
    "LABELS",
    "card_html",
    "card_xlsx",
    "funnel_label",
    "label",
    "output_headers",
    "period_text",
    "projects_xlsx",
    "records",
    "to_csv",
    "to_json",
]

LABELS = {
    "team": "团队",
    "district": "板块",
    "trips": "外出招商(批次)",
    "visits": "拜访企业(家次)",
    "projects": "对接项目(个)",
    "hosted": "来访接待(批次)",
    "signed": "签约项目(个)",
    "signed_amount": "签约金额(亿元)",
    "started": "开工项目(个)",
    "producing": "投产项目(个)",
    "score": "得分",
    "rank": "排名",
    "code": "项目编号",
    "name": "项目名称",
    "investor": "投资方",
    "chain": "产业链",
    "link": "环节",
    "stage": "阶段",
    "planned": "计划总投资(亿元)",
    "paid_in": "累计到资(亿元)",
    "paid_share": "到资进度",
    "signed_date": "签约日期",
    "started_date": "开工日期",
    "days_since_signed": "签约后天数",
    "overdue": "逾期未开工",
    "projects_n": "项目数",
}
_SHORT = {m: LABELS[m].split("(")[0] for m in MEASURES}


def label(col: str) -> str:
    """The Chinese header of a column (year-to-date and change columns too)."""
    for suffix, word in (("_ytd", "本年累计"), ("_change", "较上期")):
        if col.endswith(suffix):
            return f"{_SHORT.get(col.removesuffix(suffix), col)}{word}"
    return LABELS.get(col, col)


def _plain(v: object) -> object:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    if isinstance(v, dt.date):
        return v.isoformat()
    if hasattr(v, "item"):
        return v.item()
    return v


def records(df: pd.DataFrame) -> list[dict]:
    """Rows as plain JSON-ready dicts (dates as ISO text, NaN as null)."""
    return [{k: _plain(v) for k, v in row.items()} for row in df.to_dict("records")]


def to_json(df: pd.DataFrame) -> str:
    return json.dumps(records(df), ensure_ascii=False, indent=1) + "\n"


def _people(df: pd.DataFrame, kind: str, percent_text: bool = True) -> pd.DataFrame:
    out = df.copy()
    if kind == "projects":
        out = out.rename(columns={"signed": "signed_date", "started": "started_date"})
        out["overdue"] = out["overdue"].map(lambda x: "是" if x else "")
        if percent_text:
            out["paid_share"] = out["paid_share"].map(lambda x: None if x is None else f"{x:.0%}")
        return out.rename(columns=lambda c: "落地板块" if c == "district" else label(c))
    return out.rename(columns=label)


def to_csv(df: pd.DataFrame, kind: str) -> bytes:
    """UTF-8 with BOM, Chinese headers, text cells neutralised against formula injection."""
    people = _people(df, kind).map(lambda v: neutralise(_plain(v)))
    return people.to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


def output_headers() -> dict[str, list[str]]:
    """What the ledger's CSV and JSON files start with, so the overwrite guard (present/guard.py) knows
    them: ``csv`` header lines (UTF-8 BOM) of `projects` and `scorecard`, ``json`` keys of their records.

    >>> h = output_headers()
    >>> h["csv"][0].startswith("\ufeff项目编号,项目名称"), "得分" in h["csv"][1], "funnel" in h["json"]
    (True, True, True)
    """
    from .data import LedgerData
    from .pipeline import funnel, project_list
    from .scorecard import scorecard

    empty = LedgerData.from_records()
    day = dt.date(2000, 1, 1)
    tables = {"projects": project_list(empty, day), "scorecard": scorecard(empty, day, day)}
    lines = [to_csv(df, kind).decode("utf-8").split("\r\n", 1)[0] for kind, df in tables.items()]
    keys = {str(k) for df in (*tables.values(), funnel(tables["projects"])) for k in df.columns}
    return {"csv": lines, "json": sorted(keys | {"funnel", "projects"})}


def period_text(start: dt.date, end: dt.date) -> str:
    if start.day == 1 and (end + dt.timedelta(days=1)).day == 1 and (start.year, start.month) == (end.year, end.month):
        return f"{start.year}年{start.month}月"
    return f"{start.isoformat()} 至 {end.isoformat()}"


def _bars(df: pd.DataFrame, key: str, measure: str) -> str:
    """One horizontal bar chart as inline SVG (names escaped, no script, no network)."""
    values = [(str(k), float(v)) for k, v in zip(df[key], df[measure], strict=True)]
    top = max([v for _, v in values] + [0]) or 1
    name_w = min(max([width_of(k) for k, _ in values] + [4]) * 7 + 10, 190)
    bar_w, row_h = 220, 20
    height = row_h * len(values) + 10
    parts = [
        f'<svg width="{name_w + bar_w + 60}" height="{height}" role="img" aria-label="{html.escape(label(measure))}">'
    ]
    for i, (name, v) in enumerate(values):
        y = 5 + i * row_h
        w = 0 if v <= 0 else max(1, round(bar_w * v / top))
        shown = f"{v:g}"
        parts.append(
            f'<text x="{name_w - 6}" y="{y + 14}" text-anchor="end" font-size="12">{html.escape(name)}</text>'
            f'<rect x="{name_w}" y="{y + 3}" width="{w}" height="14" fill="#2f75b5"/>'
            f'<text x="{name_w + w + 4}" y="{y + 14}" font-size="12">{shown}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


_CSS = """
body{font-family:"Noto Sans CJK SC","Microsoft YaHei","PingFang SC",sans-serif;margin:16px 24px;color:#222}
h1{font-size:22px;margin:0 0 4px} .sub{color:#555;margin:0 0 12px;font-size:13px}
.sample{background:#c00000;color:#fff;padding:6px 10px;font-weight:bold;margin-bottom:10px}
table{border-collapse:collapse;font-size:13px;margin-bottom:14px}
th,td{border:1px solid #bbb;padding:3px 7px;text-align:right;white-space:nowrap}
th{background:#ddebf7} td.t{text-align:left} .up{color:#c00000} .down{color:#2e7d32}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(420px,1fr));gap:6px 18px}
.chart h2{font-size:14px;margin:6px 0 2px} @media print{.charts{grid-template-columns:1fr 1fr}}
"""


def _change(v: float) -> str:
    if not v:
        return "–"
    cls = "up" if v > 0 else "down"
    return f'<span class="{cls}">{"+" if v > 0 else ""}{v:g}</span>'


def card_html(
    card: pd.DataFrame, start: dt.date, end: dt.date, *, by: str, region: str, sample: str | None = None
) -> str:
    """The scorecard as one self-contained HTML page: the table (with change on the previous period and
    year to date) and a bar chart per measure."""
    key = "team" if by == "team" else "district"
    title = f"{region} 招商成绩单 · {period_text(start, end)}（按{'团队' if by == 'team' else '板块'}）"
    head = (
        ["排名", label(key)] + ([label("district")] if by == "team" else []) + [label(m) for m in MEASURES] + ["得分"]
    )
    rows = []
    for _, r in card.iterrows():
        cells = [f"<td>{r['rank']}</td>", f'<td class="t">{html.escape(str(r[key]))}</td>']
        if by == "team":
            cells.append(f'<td class="t">{html.escape(str(r["district"]))}</td>')
        for m in MEASURES:
            cells.append(f"<td>{r[m]:g}<br><small>{_change(r[m + '_change'])} · 年{r[m + '_ytd']:g}</small></td>")
        cells.append(f"<td><b>{r['score']:g}</b></td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    charts = "".join(
        f'<div class="chart"><h2>{html.escape(label(m))}</h2>{_bars(card, key, m)}</div>' for m in (*MEASURES, "score")
    )
    banner = f'<div class="sample">{html.escape(sample)}</div>' if sample else ""
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8"><meta name="generator" content="chainmap">'
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>{banner}"
        f"<h1>{html.escape(title)}</h1>"
        f'<p class="sub">每格：本期数；下方为较上期变化 · 本年累计。得分按地区配置的权重计算（chainmap scorecard）。</p>'
        "<table><thead><tr>"
        + "".join(f"<th>{html.escape(h)}</th>" for h in head)
        + "</tr></thead><tbody>"
        + "".join(rows)
        + f'</tbody></table><div class="charts">{charts}</div></body></html>\n'
    )


def card_xlsx(
    card: pd.DataFrame, start: dt.date, end: dt.date, *, by: str, region: str, sample: str | None = None
) -> bytes:
    """The scorecard as a workbook: 说明, 成绩单 (all figures, numbers as numbers) and 图表 (a bar chart per measure)."""
    from openpyxl import Workbook
    from openpyxl.chart import BarChart, Reference

    key = "team" if by == "team" else "district"
    title = f"{region} 招商成绩单 · {period_text(start, end)}（按{'团队' if by == 'team' else '板块'}）"
    wb = Workbook()
    note = wb.active
    note.title = "说明"
    lines = ([sample] if sample else []) + [
        title,
        "外出招商、来访接待：本期开始的活动批次；拜访企业：本期拜访记录（家次），计入活动所属团队；",
        "对接项目：本期拜访涉及的项目与本期首次接触的项目（去重）；签约/开工/投产：本期有相应日期的项目，签约金额为其计划总投资之和（亿元）。",
        "“本年累计”自当年1月1日起至本期末；“较上期”为本期减上一期（上月或等长的前一段时间）。得分 = 各项 × 权重之和，权重见地区配置 scorecard.weights。",
    ]
    note_sheet(note, "招商成绩单说明", lines)
    ws = wb.create_sheet("成绩单")
    cols = ["rank", key] + (["district"] if by == "team" else []) + list(MEASURES) + ["score"]
    cols += [f"{m}_change" for m in MEASURES] + [f"{m}_ytd" for m in MEASURES]
    data = [[_plain(r[c]) for c in cols] for _, r in card.iterrows()]
    head = fill_sheet(ws, [label(c) for c in cols], data, banner=sample)
    charts = wb.create_sheet("图表")
    charts.append([sample or title])
    n = len(card)
    cats = Reference(ws, min_col=2, min_row=head + 1, max_row=head + max(n, 1))
    for i, m in enumerate((*MEASURES, "score")):
        col = cols.index(m) + 1
        chart = BarChart()
        chart.type = "bar"
        chart.title = label(m)
        chart.legend = None
        chart.add_data(Reference(ws, min_col=col, min_row=head, max_row=head + max(n, 1)), titles_from_data=True)
        chart.set_categories(cats)
        chart.height, chart.width = 6.5, 12
        charts.add_chart(chart, f"{'A' if i % 2 == 0 else 'J'}{3 + (i // 2) * 14}")
    charts.page_setup.orientation = "landscape"
    charts.sheet_properties.pageSetUpPr.fitToPage = True
    charts.page_setup.fitToWidth, charts.page_setup.fitToHeight = 1, 0
    return to_bytes(wb)


def funnel_label(col: str) -> str:
    """The Chinese header of a funnel column."""
    return {"chain": "产业链", "projects": "项目数", "planned": "计划总投资(亿元)", "paid_in": "累计到资(亿元)"}.get(
        col, col
    )


def projects_xlsx(fun: pd.DataFrame, df: pd.DataFrame, overdue_days: int) -> bytes:
    """The pipeline as a workbook: 说明, 项目漏斗 and 项目清单 (overdue and 到资 progress)."""
    from openpyxl import Workbook

    wb = Workbook()
    note = wb.active
    note.title = "说明"
    note_sheet(
        note,
        "项目库说明",
        [
            "项目漏斗：各产业链处于各阶段的项目数、计划总投资与累计到资（亿元）。",
            f"项目清单：逾期未开工 = 阶段为签约、签约后超过{overdue_days}天仍未开工（天数见地区配置 scorecard.overdue_days）。",
            "到资进度 = 累计到资 / 计划总投资。",
        ],
    )
    fill_sheet(
        wb.create_sheet("项目漏斗"),
        [funnel_label(c) for c in fun.columns],
        [[_plain(v) for v in r] for r in fun.itertuples(index=False)],
    )
    people = _people(df, "projects", percent_text=False)
    ws = wb.create_sheet("项目清单")
    rows = [[_plain(v) for v in r] for r in people.itertuples(index=False)]
    dates = {i: "yyyy-mm-dd" for i, c in enumerate(df.columns) if c in ("signed", "started")}
    formats = dates | {list(df.columns).index("paid_share"): "0%"}
    fill_sheet(
        ws,
        list(people.columns),
        [[dt.date.fromisoformat(v) if i in dates and v else v for i, v in enumerate(r)] for r in rows],
        formats=formats,
    )
    return to_bytes(wb)
