"""Exports of the analysis tables: JSON (the keys of docs/outputs.md), CSV (UTF-8 with BOM, Chinese headers), XLSX (one
sheet per list, frozen header, fitted widths) and terminal tables (CJK aligned)."""

from __future__ import annotations

import json
import unicodedata
from typing import Any

import pandas as pd

from ..safe import neutralise
from ..vocab import CRITERIA_LABELS, GAP_LABELS, KIND_LABELS, STATUS_LABELS, TRACK_LABELS, columns, headers

# list name -> JSON keys in the documented order (the vocabulary's column specs)
JSON_KEYS = {kind: columns(kind) for kind in ("gaps", "targets", "routes", "completeness")}
JSON_KEYS["trips"] = columns("itinerary")  # the itinerary rows (trips' own JSON is nested: see cli_geo)
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
        "signals",
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
        "trip",
        "order",
    ],
    "completeness": [c for c in columns("completeness")],
}
HEADERS = {kind: {k: headers(kind)[k] for k in cols} for kind, cols in PEOPLE_COLUMNS.items()}
HEADERS["trips"] = HEADERS["itinerary"] = headers("itinerary")
for _kind in ("first_wave", "excluded", "feasibility"):  # sheets of the workbook, every column
    HEADERS[_kind] = headers(_kind)
SHEET_NAMES = {
    "completeness": "产业链完整度",
    "gaps": "缺链清单",
    "targets": "目标企业清单",
    "routes": "招商线路",
    "trips": "外出行程",
    "first_wave": "首批推荐",
    "excluded": "未列入企业",
    "feasibility": "招商可行性",
}
TERMINAL = {  # narrower column sets for a terminal
    "gaps": ["priority", "gap_type", "name", "kind", "status", "local_firms", "candidates", "chain", "reason"],
    "targets": ["rank", "name", "city", "score", "why", "cover_names", "province"],
    "routes": ["rank", "city", "province", "priority_region", "score", "firm_count", "firm_names", "cover_names"],
    "completeness": list(HEADERS["completeness"]),
    "trips": ["trip", "region", "days", "order", "day", "city", "name"],
}
TERMINAL_OPTIONAL = {"targets": ["province"]}  # dropped first on a narrow terminal (城市 suffices)
TERMINAL_FAVOUR = {"targets": "why"}  # the column that keeps its room on a narrow terminal (read aloud)


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
    if col == "track":
        return TRACK_LABELS.get(v, v) if v else ""
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
    """UTF-8 with BOM so that Excel shows Chinese correctly; text a spreadsheet would evaluate is neutralised."""
    people = for_people(df, kind)
    safe = people.apply(lambda col: col.map(neutralise)) if len(people) else people
    return safe.to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


def _width(text: Any) -> int:
    s = "" if text is None else str(text)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


def to_xlsx(tables: dict[str, pd.DataFrame], **context: Any) -> bytes:
    """The workbook: a 说明 sheet, then one sheet per list (see :func:`chainmap.present.workbook.workbook`;
    ``context``: region, as_of, chain_names, maxima)."""
    from .workbook import workbook

    return workbook(tables, **context)


def for_people_headers() -> list[list[str]]:
    """The header rows of every CSV :func:`to_csv` writes (how the overwrite guard knows our CSV files)."""
    out = []
    for kind, heads in HEADERS.items():
        out.append(list(heads.values()))
        if kind == "targets":
            out.append([*heads.values(), headers("targets")["breakdown"]])
    return out


TABLE_MAX_ROWS = 300  # a terminal table longer than this is read in Excel, not on screen


def to_table(
    df: pd.DataFrame, kind: str, title: str | None = None, max_rows: int = TABLE_MAX_ROWS, total: int | None = None
) -> str:
    """A terminal table of the first ``max_rows`` rows; a note says how to get the rest. ``total``: the
    rows of the whole list when ``df`` holds only its head."""
    from .terminal import table_text

    people = for_people(df.head(max_rows), kind, TERMINAL[kind], max_items=8)
    heads = HEADERS[kind]
    optional = [heads[c] for c in TERMINAL_OPTIONAL.get(kind, ())]
    favour = heads.get(TERMINAL_FAVOUR[kind]) if kind in TERMINAL_FAVOUR else None
    text = table_text(people, title=title, optional=optional, favour=favour)
    total = len(df) if total is None else total
    if total > max_rows:
        text += (
            f"（表格仅显示前 {max_rows} 行，共 {total} 行；完整清单请用 --format csv / xlsx / json，"
            f"或用 --top 选取 / showing {max_rows} of {total} rows）\n"
        )
    return text
