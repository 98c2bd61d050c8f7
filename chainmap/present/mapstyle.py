"""How the nodes and edges of a network map look and what they say: colours by status, vis-network
group styles, labels (canvas text, markup from data neutralised) and the facts rows of the tooltip
and side panel. Used by :mod:`chainmap.present.html`."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

import networkx as nx
import pandas as pd

from ..money import format_amount
from ..vocab import COMPONENT_TYPE_LABELS, GAP_LABELS, KIND_LABELS, STATUS_LABELS
from .assets import FONT_STACK
from .layout import LEADER_TAGS, LINK_FONT, LINK_WIDTH, text_width

__all__ = ["EDGE_STYLES", "FIRM_CANDIDATE", "FIRM_LOCAL", "INSTITUTION", "SELECT", "STATUS_COLORS"]

COMPONENT_TYPES = COMPONENT_TYPE_LABELS

# status -> (background, border); a missing node that is no priority gap is drawn muted
STATUS_COLORS = {
    "strong": ("#d5efcf", "#2e7d32"),
    "weak": ("#ffe8ad", "#c77c00"),
    "missing": ("#fcd3cf", "#c62828"),
    "missing-none": ("#f4ecec", "#b79a98"),
    "unknown": ("#e8edf1", "#78909c"),
}
SELECT = "#ff6d00"  # selection / highlight colour, shared with the page's CSS
FIRM_LOCAL = ("#1565c0", "#0d47a1")
FIRM_CANDIDATE = ("#ffffff", "#7b1fa2")
INSTITUTION = ("#b2dfdb", "#00796b")

EDGE_STYLES: dict[str, dict[str, Any]] = {
    "feeds": {
        "color": "#546e7a",
        "width": 2.5,
        "arrows": "to",
        "smooth": {"enabled": True, "type": "cubicBezier", "forceDirection": "horizontal", "roundness": 0.45},
    },
    "requires": {"color": "#b0bec5", "width": 1, "arrows": ""},
    "uses": {"color": "#b0bec5", "width": 1, "arrows": ""},
    "researches": {"color": "#80cbc4", "width": 1, "arrows": "", "dashes": [4, 3]},
    "operates-local": {"color": "#90caf9", "width": 1, "arrows": ""},
    "operates": {"color": "#d9b8e3", "width": 1, "arrows": ""},
    # a firm's tie to a link other than the one it is drawn under: faint, it crosses the map
    "operates-far": {"color": "rgba(120,144,156,0.16)", "width": 1, "arrows": ""},
    "makes": {"color": "#cfd8dc", "width": 1, "arrows": "", "dashes": [2, 3]},
    "holds": {"color": "#cfd8dc", "width": 1, "arrows": "", "dashes": [2, 3]},
    "supplies": {"color": "#8e24aa", "width": 1.5, "arrows": "to", "dashes": [6, 3]},
    "subsidiary_of": {"color": "#8d6e63", "width": 1, "arrows": "to", "dashes": [2, 2]},
}
for _style in EDGE_STYLES.values():
    # a colour string would also set the highlight colour; as an object the global highlight stays
    _style["color"] = {"color": _style["color"]}
    if _style["width"] == 1:
        del _style["width"]  # vis-network's default


# -- facts --------------------------------------------------------------------------------------------


def _clean(value: Any) -> Any:
    """None for pandas' missing values, plain Python types otherwise."""
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item") and not isinstance(value, (list, tuple, str)):
        return value.item()
    return value


def _gap_rows(gaps_df: pd.DataFrame | None) -> dict[str, dict[str, Any]]:
    if gaps_df is None or gaps_df.empty:
        return {}
    out: dict[str, dict[str, Any]] = {}
    for rec in gaps_df.to_dict("records"):
        out[str(rec["node"])] = {k: _clean(v) for k, v in rec.items()}
    return out


def _status(node: str, gap: dict[str, dict[str, Any]]) -> tuple[str, str | None]:
    row = gap.get(node)
    if not row:
        return "unknown", None
    return str(row.get("status") or "unknown"), row.get("gap_type") or None


def _place(d: Mapping[str, Any]) -> str:
    """省 市 区, without repeating a municipality (上海市 上海市)."""
    return " ".join(dict.fromkeys(p for p in (d.get("province"), d.get("city"), d.get("district")) if p))


def _info(g: nx.MultiDiGraph, n: str, gap: dict[str, dict[str, Any]], chain_names: dict[str, str]) -> list[list[str]]:
    """Facts of a node as (label, text) rows for the tooltip and the side panel."""
    d = g.nodes[n]
    kind = d["kind"]
    rows: list[list[str]] = []

    def add(label: str, value: Any) -> None:
        if value not in (None, "", [], ()):
            rows.append([label, value if isinstance(value, str) else str(value)])

    if kind == "company":  # the full name heads the tooltip and the panel
        if d.get("short_name") and d["short_name"] != d.get("name"):
            add("简称", d["short_name"])
        add("英文名", d.get("name_en"))
        add("地区", _place(d))
        if d.get("stock_code"):
            add("股票代码", f"{d['stock_code']}" + (f"（{d['exchange']}）" if d.get("exchange") else ""))
        add("标签", "、".join(d.get("tags") or []))
        if d.get("registered_capital"):
            add("注册资本", format_amount(float(d["registered_capital"]), d.get("capital_currency") or "CNY"))
        if d.get("revenue"):
            year = f"（{d['revenue_year']}年）" if d.get("revenue_year") else ""
            add("营业收入", format_amount(float(d["revenue"]), d.get("revenue_currency") or "CNY") + year)
        add("员工", d.get("employees"))
        add("统一社会信用代码", d.get("credit_code"))
        add("网站", d.get("website"))
        add("备注", d.get("note"))
        add("来源", d.get("source"))
        add("数据日期", d.get("as_of"))
        return rows
    if kind == "institution":
        add("英文名", d.get("name_en"))
        add("类型", d.get("type"))
        add("地区", _place(d))
        add("来源", d.get("source"))
        add("数据日期", d.get("as_of"))
        return rows
    label = KIND_LABELS[kind]
    if kind == "component":
        label = COMPONENT_TYPES.get(str(d.get("type") or "component"), label)
    if kind == "link" and d.get("key"):
        label = "重点环节"
    add("类型", label)
    add("英文名", d.get("name_en"))
    add("别名", "、".join(d.get("aliases") or []))
    add("所属产业链", "、".join(chain_names.get(c, c) for c in d.get("chains") or []))
    row = gap.get(n)
    if row:
        add("本地状态", STATUS_LABELS.get(str(row.get("status")), row.get("status")))
        if row.get("gap_type"):
            add("缺口类型", GAP_LABELS.get(str(row["gap_type"]), row["gap_type"]))
            add("优先级", f"{float(row.get('priority') or 0):g}")
        local_names = row.get("local_names") or []
        add("本地企业", f"{row.get('local_firms') or 0}家" + (f"（{'、'.join(local_names)}）" if local_names else ""))
        add("外地企业", f"{row.get('candidates') or 0}家")
        add("说明", row.get("reason"))
    add("备注", d.get("note"))
    return rows


def _short(text: str, width: float) -> str:
    """Cut a label to about ``width`` CJK cells, with an ellipsis."""
    if text_width(text) <= width:
        return text
    out, used = "", 0.0
    for ch in text:
        w = text_width(ch)
        if used + w > width - 1:
            break
        out += ch
        used += w
    return out + "…"


# -- the vis-network data -----------------------------------------------------------------------------


def _color(bg: str, border: str) -> dict[str, Any]:
    return {
        "background": bg,
        "border": border,
        "highlight": {"background": bg, "border": SELECT},
        "hover": {"background": bg, "border": SELECT},
    }


def _link_style(status: str, gap: str, key: bool) -> dict[str, Any]:
    """A link's box: the status colours, a thicker border for a gap to fill and for key links, dashed for
    a link to extend, a shadow for key links."""
    palette = "missing-none" if status == "missing" and gap == "none" else status
    bg, border = STATUS_COLORS[palette]
    width = 1.5 + (1.5 if gap == "fill" else 0) + (1 if key else 0)
    style: dict[str, Any] = {
        "shape": "box",
        "color": _color(bg, border),
        "borderWidth": width,
        "borderWidthSelected": width + 2,
        "margin": {"top": 7, "bottom": 7, "left": 10, "right": 10},
        "widthConstraint": {"maximum": LINK_WIDTH},
        # the name in bold, large enough to read on the whole-map view; the status line smaller
        "font": {
            "size": round(LINK_FONT * 0.7),
            "color": "#37474f",
            "face": FONT_STACK,
            "multi": "html",
            "bold": {
                "color": "#1c2833",
                "size": round(LINK_FONT * (1.1 if key else 1)),
                "face": FONT_STACK,
                "mod": "bold",
            },
        },
        "shapeProperties": {"borderRadius": 4},
    }
    if gap == "extend":
        style["shapeProperties"] = {"borderRadius": 4, "borderDashes": [7, 4]}
    if key:
        style["shadow"] = {"enabled": True, "color": "rgba(0,0,0,0.28)", "size": 8, "x": 2, "y": 3}
    return style


def _group_styles() -> dict[str, dict[str, Any]]:
    """vis-network groups: one style per kind × status (× gap type × key for links)."""
    groups: dict[str, dict[str, Any]] = {}
    for status in ("strong", "weak", "missing", "unknown"):
        for gap in ("fill", "extend", "strengthen", "none"):
            for key in (True, False):
                groups[f"link.{status}.{gap}.{'key' if key else 'std'}"] = _link_style(status, gap, key)
        bg, border = STATUS_COLORS[status]
        for kind, shape, size in (("technology", "diamond", 11), ("component", "square", 9)):
            groups[f"{kind}.{status}"] = {
                "shape": shape,
                "size": size,
                "color": _color(bg, border),
                "borderWidth": 2,
                "font": {"size": 13, "color": "#37474f", "face": FONT_STACK},
                "widthConstraint": {"maximum": 150},
            }
    groups["institution"] = {
        "shape": "triangle",
        "size": 10,
        "color": _color(*INSTITUTION),
        "borderWidth": 1.5,
        "font": {"size": 13, "color": "#37474f", "face": FONT_STACK},
        "widthConstraint": {"maximum": 150},
    }
    for local, (bg, border) in ((True, FIRM_LOCAL), (False, FIRM_CANDIDATE)):
        for leader in (True, False):
            groups[f"company.{'local' if local else 'candidate'}.{'leader' if leader else 'std'}"] = {
                "shape": "dot",
                "size": 11 if leader else 7,
                "color": _color(bg, border),
                "borderWidth": 2.5 if leader else 1.5,
                "font": {"size": 12, "color": "#0d47a1" if local else "#4a148c", "face": FONT_STACK},
            }
    groups["more"] = {
        "shape": "box",
        "color": _color("#f5f5f5", "#9e9e9e"),
        "borderWidth": 1,
        "shapeProperties": {"borderDashes": [3, 3], "borderRadius": 10},
        "font": {"size": 12, "color": "#424242", "face": FONT_STACK},
        "margin": {"top": 4, "bottom": 4, "left": 8, "right": 8},
    }
    return groups


def _vis_group(g: nx.MultiDiGraph, n: str, status: str, gap_type: str | None) -> str:
    d = g.nodes[n]
    kind = d["kind"]
    if kind == "link":
        return f"link.{status}.{gap_type or 'none'}.{'key' if d.get('key') else 'std'}"
    if kind in ("technology", "component"):
        return f"{kind}.{status}"
    if kind == "company":
        leader = bool(set(d.get("tags") or ()) & set(LEADER_TAGS))
        return f"company.{'local' if d.get('local') else 'candidate'}.{'leader' if leader else 'std'}"
    return kind


def _label(g: nx.MultiDiGraph, n: str, status: str, gap_type: str | None, has_gaps: bool) -> str:
    d = g.nodes[n]
    kind = d["kind"]
    name = d.get("name") or n
    if kind == "link":
        # "multi: html" labels: the name in bold, tags from data neutralised (canvas text, never DOM)
        head = "<b>" + ("★ " if d.get("key") else "") + _canvas_markup(name) + "</b>"
        if not has_gaps:
            return head
        status_text = STATUS_LABELS[status] + (f" · {GAP_LABELS[gap_type]}" if gap_type else "")
        return f"{head}\n{status_text}"
    if kind == "company":
        return _short(d.get("short_name") or name, 7)
    return _short(name, 16)


_MARKUP_TAG = re.compile(r"<(/?(?:b|i|code)>)", re.IGNORECASE)


def _canvas_markup(s: str) -> str:
    """Text for a vis-network "multi: html" label. Its parser knows only <b> <i> <code> and their end
    tags (entities are not decoded, and its markdown mode throws on a backslash); a zero-width space
    after "<" keeps such a tag from data as visible text."""
    return _MARKUP_TAG.sub("<\u200b\\1", s)
