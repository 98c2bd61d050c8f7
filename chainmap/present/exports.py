"""Exports of the analysis tables: JSON (the keys of docs/outputs.md), CSV (UTF-8 with BOM, Chinese headers), XLSX (one
sheet per list, frozen header, fitted widths) and terminal tables (CJK aligned)."""

from __future__ import annotations

import io
import json
import re
import unicodedata
from typing import Any

import pandas as pd

from ..vocab import CRITERIA_LABELS, GAP_LABELS, KIND_LABELS, STATUS_LABELS, columns, headers

# list name -> JSON keys in the documented order (the vocabulary's column specs)
JSON_KEYS = {kind: columns(kind) for kind in ("gaps", "targets", "routes", "completeness")}
# The columns people read (CSV, XLSX), in reading order: priority and names first, ids last.
PEOPLE_COLUMNS = {
    "gaps": [
        "priority",
        "gap_type",
        "name",
        "kind",
        "key",
        "status",
        "local_firms",
        "local_names",
        "candidates",
        "downstream",
        "chain",
        "node",
        "reason",
    ],
    "targets": [
        "rank",
        "name",
        "province",
        "city",
        "stock_code",
        "tags",
        "score",
        "cover_names",
        "gap_types",
        "local_ties",
        "why",
        "company",
        "covers",
    ],
    "routes": [
        "rank",
        "city",
        "province",
        "priority_region",
        "score",
        "firm_count",
        "firm_names",
        "cover_names",
        "firms",
    ],
    "completeness": [c for c in columns("completeness")],
}
HEADERS = {kind: {k: headers(kind)[k] for k in cols} for kind, cols in PEOPLE_COLUMNS.items()}
SHEET_NAMES = {"completeness": "产业链完整度", "gaps": "缺链清单", "targets": "目标企业清单", "routes": "招商线路"}
TERMINAL = {  # narrower column sets for a terminal
    "gaps": ["priority", "gap_type", "name", "kind", "status", "local_firms", "candidates", "chain", "reason"],
    "targets": ["rank", "name", "province", "city", "score", "cover_names", "why"],
    "routes": ["rank", "city", "province", "priority_region", "score", "firm_count", "firm_names", "cover_names"],
    "completeness": list(HEADERS["completeness"]),
}


def _plain(v: Any) -> Any:
    if isinstance(v, float) and pd.isna(v):
        return None
    if hasattr(v, "item") and not isinstance(v, (list, dict, str)):
        return v.item()
    return v


def to_records(df: pd.DataFrame, kind: str) -> list[dict]:
    """Rows as plain dicts with the documented keys (docs/outputs.md) (lists stay lists, NaN becomes null)."""
    keys = [k for k in JSON_KEYS[kind] if k in df.columns]
    return [{k: _plain(v) for k, v in zip(keys, row, strict=True)} for row in df[keys].itertuples(index=False)]


def to_json(df: pd.DataFrame, kind: str) -> str:
    return json.dumps(to_records(df, kind), ensure_ascii=False, indent=2) + "\n"


def _cell(v: Any, col: str, max_items: int | None = None) -> Any:
    if isinstance(v, dict):  # score breakdown
        return "；".join(f"{CRITERIA_LABELS.get(k, k)} {p:g}" for k, p in v.items())
    if isinstance(v, list):
        if col == "gap_types":
            v = [GAP_LABELS.get(x, x) for x in v]
        if max_items is not None and len(v) > max_items:
            return "、".join(str(x) for x in v[:max_items]) + f" 等{len(v)}项"
        return "、".join(str(x) for x in v)
    if col == "gap_type":
        return GAP_LABELS.get(v, "") if v else ""
    if col == "status":
        return STATUS_LABELS.get(v, v)
    if col == "kind":
        return KIND_LABELS.get(v, v)
    if col == "key":
        return "★" if v else ""
    if col in ("completeness", "weighted_completeness") and isinstance(v, float):
        return f"{v:.0%}"
    return _plain(v)


def for_people(
    df: pd.DataFrame, kind: str, columns: list[str] | None = None, max_items: int | None = None
) -> pd.DataFrame:
    """The table with Chinese headers and Chinese labels, lists joined with 、 (the first ``max_items``
    only, for a terminal), breakdown as text."""
    heads = HEADERS[kind]
    cols = [c for c in (columns or list(heads)) if c in df.columns]
    if kind == "targets" and columns is None and "breakdown" in df.columns:
        cols.append("breakdown")
        heads = {**heads, "breakdown": headers("targets")["breakdown"]}
    return pd.DataFrame({heads[c]: [_cell(v, c, max_items) for v in df[c]] for c in cols})


def to_csv(df: pd.DataFrame, kind: str) -> bytes:
    """UTF-8 with BOM so that Excel shows Chinese correctly."""
    return for_people(df, kind).to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


def _width(text: Any) -> int:
    s = "" if text is None else str(text)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


def to_xlsx(tables: dict[str, pd.DataFrame]) -> bytes:
    """One sheet per list (in the order given), header row frozen and bold, column widths fitted."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    wb.remove(wb.active)
    for kind, df in tables.items():
        people = for_people(df, kind)
        ws = wb.create_sheet(SHEET_NAMES.get(kind, kind))
        ws.append(list(people.columns))
        for row in people.itertuples(index=False):
            ws.append([_plain(v) for v in row])
        for cell in ws[1]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(vertical="center")
        ws.freeze_panes = "A2"
        for i, col in enumerate(people.columns, 1):
            longest = max([_width(col)] + [_width(v) for v in people[col]])
            ws.column_dimensions[ws.cell(row=1, column=i).column_letter].width = min(max(longest + 2, 6), 80)
        if ws.max_row > 1:
            ws.auto_filter.ref = ws.dimensions
    # fixed document properties and zip timestamps: the same tables give the same bytes
    import datetime as dt
    import zipfile

    wb.properties.creator = "chainmap"
    wb.properties.created = wb.properties.modified = dt.datetime(2000, 1, 1)
    raw = io.BytesIO()
    wb.save(raw)
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps the save time here
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2000-01-01T00:00:00Z", data)
            dst.writestr(fixed, data)
    return out.getvalue()


TABLE_MAX_ROWS = 300  # a terminal table longer than this is read in Excel, not on screen


def to_table(df: pd.DataFrame, kind: str, title: str | None = None, max_rows: int = TABLE_MAX_ROWS) -> str:
    """A terminal table of the first ``max_rows`` rows; a note says how to get the rest."""
    from .terminal import table_text

    people = for_people(df.head(max_rows), kind, TERMINAL[kind], max_items=8)
    text = table_text(people, title=title)
    if len(df) > max_rows:
        text += (
            f"（表格仅显示前 {max_rows} 行，共 {len(df)} 行；完整清单请用 --format csv / xlsx / json，"
            f"或用 --top 选取 / showing {max_rows} of {len(df)} rows）\n"
        )
    return text
