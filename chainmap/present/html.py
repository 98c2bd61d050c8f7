"""Offline, escaped, deterministic HTML maps (招商地图) of a chain graph, and the index page that lists them.

pyvis assembles the vis-network node and edge items; the page is written with chainmap's own Jinja
template (pyvis's links Bootstrap from a CDN and writes headings unescaped), with vis-network's JS and
CSS inlined from pyvis's package folder, so one file opens with no network at all.

What the browser's data set (``network.body.data.nodes``) holds when a page opens: one node per
link, technology, component, institution and company of the graph (chain and segment nodes become
the level bands' headings, not nodes), less the firms folded behind a "+N" node, plus one "+N" node
(id ``more:<link>``) for every link with more than ``firm_cap`` firms grouped under it. Folded firms
are in the page's data and search finds them; they join the data set when their group is expanded
(a click on "+N", or search, or the side panel focusing one). :func:`browser_node_ids` gives that
list, in order. A map with thousands of firms thus starts as fast as one with a few hundred.

Safety: data reaches the page only as JSON inside ``<script type="application/json">`` with ``<``,
``>``, ``&``, U+2028 and U+2029 escaped, and the page's script puts it into the DOM with
``textContent`` (tooltips, side panel, search results) or draws it on the canvas; headings and the
index page go through Jinja's autoescape.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

import networkx as nx
import pandas as pd
from jinja2 import Environment, FileSystemLoader, select_autoescape
from pyvis.network import Network

from ..analysis.gaps import COMPLETENESS_COLUMNS
from ..money import format_amount
from ..vocab import COMPONENT_TYPE_LABELS, GAP_LABELS, KIND_LABELS, STATUS_LABELS
from .layout import LEADER_TAGS, LINK_FONT, LINK_WIDTH, SHOWN_KINDS, Layout, compute_layout, text_width

DEFAULT_FIRM_CAP = 12
TEMPLATES = Path(__file__).resolve().parent / "templates"

FONT_STACK = (
    '"Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Hiragino Sans GB", '
    '"Microsoft YaHei", "WenQuanYi Micro Hei", "SimHei", "Noto Sans", Arial, sans-serif'
)

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


_JSON_ESCAPES = str.maketrans(
    {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
)


def script_json(data: Any) -> str:
    """JSON that can sit inside a ``<script>`` element: nothing in it can close the element or start a
    comment, and no line separator breaks a JavaScript string. Sorted keys: byte-identical output."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return text.translate(_JSON_ESCAPES)


@cache
def _asset(name: str) -> str:
    """A JS or CSS file to inline: vis-network from pyvis's package folder, ours from ``templates/``."""
    if name.startswith("vis-network"):
        import pyvis

        path = Path(pyvis.__file__).resolve().parent / "lib" / "vis-9.1.2" / name
    else:
        path = TEMPLATES / name
    text = path.read_text(encoding="utf-8")
    # a source-map comment would make developer tools look for a .map file next to the page
    text = re.sub(r"^\s*(//|/\*)# sourceMappingURL=.*$", "", text, flags=re.M).rstrip() + "\n"
    if name == "vis-network.css":
        text = _used_vis_css(text)
    lowered = text.lower()
    for bad in ("</script", "</style", "<!--"):
        if bad in lowered:  # would end the inline element early; none of the shipped files has it
            raise RuntimeError(f"{path} contains {bad!r} and cannot be inlined")
    return text


# vis-network widgets the maps never enable; their CSS is 99% of the file (base64 button images) and
# parsing it cost about 100 ms of every page's first frame
_UNUSED_VIS_WIDGETS = (
    "vis-navigation",
    "vis-manipulation",
    "vis-edit-mode",
    "vis-close",
    "vis-configuration",
    "vis-color-picker",
)


def _used_vis_css(css: str) -> str:
    """vis-network's stylesheet without the rules of widgets the page does not use (it is a flat list
    of rules; anything else, such as an @-rule in a later version, keeps the whole file)."""
    rules = re.findall(r"([^{}]+)\{([^{}]*)\}", css)
    if "@" in css or "".join(f"{sel}{{{body}}}" for sel, body in rules).strip() != css.strip():
        return css
    return "".join(f"{sel}{{{body}}}" for sel, body in rules if not any(w in sel for w in _UNUSED_VIS_WIDGETS)) + "\n"


@cache
def _env() -> Environment:
    return Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(default=True, default_for_string=True),
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


class _IdIndex(list):
    """pyvis keeps node ids in a list and tests membership on every add_node and add_edge, which is
    quadratic (minutes at 10,000 firms). This list also keeps a set, so those tests are O(1)."""

    def __init__(self) -> None:
        super().__init__()
        self._ids: set[Any] = set()

    def append(self, item: Any) -> None:
        super().append(item)
        self._ids.add(item)

    def __contains__(self, item: object) -> bool:
        return item in self._ids


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


def _group_styles() -> dict[str, dict[str, Any]]:
    """vis-network groups: one style per kind × status (× gap type × key for links)."""
    groups: dict[str, dict[str, Any]] = {}

    def color(bg: str, border: str) -> dict[str, Any]:
        return {
            "background": bg,
            "border": border,
            "highlight": {"background": bg, "border": SELECT},
            "hover": {"background": bg, "border": SELECT},
        }

    for status in ("strong", "weak", "missing", "unknown"):
        for gap in ("fill", "extend", "strengthen", "none"):
            for key in (True, False):
                palette = "missing-none" if status == "missing" and gap == "none" else status
                bg, border = STATUS_COLORS[palette]
                width = 1.5 + (1.5 if gap == "fill" else 0) + (1 if key else 0)
                style: dict[str, Any] = {
                    "shape": "box",
                    "color": color(bg, border),
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
                groups[f"link.{status}.{gap}.{'key' if key else 'std'}"] = style
        bg, border = STATUS_COLORS[status]
        for kind, shape, size in (("technology", "diamond", 11), ("component", "square", 9)):
            groups[f"{kind}.{status}"] = {
                "shape": shape,
                "size": size,
                "color": color(bg, border),
                "borderWidth": 2,
                "font": {"size": 13, "color": "#37474f", "face": FONT_STACK},
                "widthConstraint": {"maximum": 150},
            }
    groups["institution"] = {
        "shape": "triangle",
        "size": 10,
        "color": color(*INSTITUTION),
        "borderWidth": 1.5,
        "font": {"size": 13, "color": "#37474f", "face": FONT_STACK},
        "widthConstraint": {"maximum": 150},
    }
    for local, (bg, border) in ((True, FIRM_LOCAL), (False, FIRM_CANDIDATE)):
        for leader in (True, False):
            groups[f"company.{'local' if local else 'candidate'}.{'leader' if leader else 'std'}"] = {
                "shape": "dot",
                "size": 11 if leader else 7,
                "color": color(bg, border),
                "borderWidth": 2.5 if leader else 1.5,
                "font": {"size": 12, "color": "#0d47a1" if local else "#4a148c", "face": FONT_STACK},
            }
    groups["more"] = {
        "shape": "box",
        "color": color("#f5f5f5", "#9e9e9e"),
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


def browser_node_ids(g: nx.MultiDiGraph, firm_cap: int | None = DEFAULT_FIRM_CAP) -> list[str]:
    """The ids of the nodes in the browser's data set when a map of ``g`` opens (module docstring)."""
    lay = compute_layout(g, firm_cap)
    return [n for n in lay.order if n not in lay.hidden]


def build_network(
    g: nx.MultiDiGraph, gaps_df: pd.DataFrame | None, firm_cap: int | None = DEFAULT_FIRM_CAP
) -> tuple[Network, dict[str, Any], Layout]:
    """Assemble the vis-network nodes and edges with pyvis, plus the per-node facts the page shows."""
    gap = _gap_rows(gaps_df)
    has_gaps = bool(gap)
    lay = compute_layout(g, firm_cap)
    chain_names = {n[6:]: d.get("name", n[6:]) for n, d in g.nodes(data=True) if d.get("kind") == "chain"}
    net = Network(directed=True, height="100%", width="100%")
    net.node_ids = _IdIndex()
    meta: dict[str, dict[str, Any]] = {}
    for n in lay.order:
        x, y = lay.pos[n]
        if n.startswith("more:") and n not in g:
            link = n[5:]
            grp = lay.groups[link]
            net.add_node(n, label=f"+{len(grp.firms) - grp.shown} 家企业 ▸", shape="box", group="more", x=x, y=y)
            meta[n] = {
                "kind": "more",
                "name": f"{g.nodes[link].get('name', link)}：其余企业",
                "anchor": link,
                "col": lay.column[n],
                "count": len(grp.firms) - grp.shown,
            }
            continue
        d = g.nodes[n]
        status, gap_type = _status(n, gap)
        group = _vis_group(g, n, status, gap_type)
        opts: dict[str, Any] = {"group": group, "x": x, "y": y}
        if n in lay.hidden:
            opts["hidden"] = True
        shape = {"link": "box", "technology": "diamond", "component": "square", "institution": "triangle"}.get(
            d["kind"], "dot"
        )
        net.add_node(n, label=_label(g, n, status, gap_type, has_gaps), shape=shape, **opts)
        m: dict[str, Any] = {
            "kind": d["kind"],
            "name": d.get("name") or n,
            "col": lay.column[n],
            "info": _info(g, n, gap, chain_names),
        }
        if d.get("short_name") and d["short_name"] != m["name"]:
            m["short"] = d["short_name"]
        if d.get("aliases"):
            m["aliases"] = list(d["aliases"])
        if d.get("name_en"):
            m["en"] = d["name_en"]
        if d["kind"] in ("link", "technology", "component"):
            m["status"] = status
            if gap_type:
                m["gap"] = gap_type
        if d["kind"] == "link" and d.get("key"):
            m["key"] = True
        if d["kind"] == "company":
            m["local"] = bool(d.get("local"))
        if n in lay.anchor:
            m["anchor"] = lay.anchor[n]
        meta[n] = m
    placed = set(lay.pos)
    for u, v, k, d in g.edges(keys=True, data=True):
        if u not in placed or v not in placed:
            continue
        kind = d.get("kind", k)
        style_key = kind
        if kind == "operates":
            style_key = (
                "operates-far"
                if lay.anchor.get(u) != v
                else ("operates-local" if g.nodes[u].get("local") else "operates")
            )
        style = EDGE_STYLES.get(style_key, {"color": "#cfd8dc", "width": 1, "arrows": ""})
        net.add_edge(u, v, id=f"e{net.num_edges()}", kind=kind, **style)
    return net, meta, lay


def map_payload(
    g: nx.MultiDiGraph, gaps_df: pd.DataFrame | None, firm_cap: int | None = DEFAULT_FIRM_CAP
) -> dict[str, Any]:
    """Everything the page's script needs, JSON-ready."""
    net, meta, lay = build_network(g, gaps_df, firm_cap)
    many = len(net.nodes) > 2500
    net.options = {  # a dict, not set_options(): that strips the spaces out of the font names
        "autoResize": True,
        "physics": {"enabled": False},
        "layout": {"improvedLayout": False, "hierarchical": {"enabled": False}},
        "interaction": {
            "hover": True,
            "tooltipDelay": 120,
            "hideEdgesOnDrag": many,
            "hideEdgesOnZoom": many,
            "selectConnectedEdges": False,
            "hoverConnectedEdges": False,
            "keyboard": False,
            "navigationButtons": False,
            "multiselect": False,
            "zoomSpeed": 0.7,
        },
        "nodes": {"font": {"face": FONT_STACK}, "chosen": True},
        "edges": {
            "smooth": False,
            "selectionWidth": 2,
            "hoverWidth": 0,
            "color": {"inherit": False, "highlight": SELECT, "hover": SELECT},
        },
        "groups": _group_styles(),
    }
    nodes, edges, _heading, _h, _w, options = net.get_network_data()
    used = {n.get("group") for n in nodes}
    opts = json.loads(options)
    opts["groups"] = {k: v for k, v in opts["groups"].items() if k in used}
    firms = [n for n, d in g.nodes(data=True) if d.get("kind") == "company"]
    as_of = max((str(g.nodes[n].get("as_of") or "") for n in firms), default="")
    return {
        "nodes": nodes,
        "edges": edges,
        "options": opts,
        "meta": meta,
        "groups": {
            link: {"firms": grp.firms, "shown": grp.shown, "more": grp.more, "extra": grp.extra}
            for link, grp in lay.groups.items()
        },
        "blocks": {link: list(tb) for link, tb in lay.blocks.items()},
        "lanes": [{"x": ln.x, "band": ln.band, "bottom": ln.bottom} for ln in lay.lanes],
        "bands": [{"x0": b.x0, "x1": b.x1, "bottom": b.bottom, "header": b.header} for b in lay.bands],
        "top": lay.top,
        "hasGaps": bool(_gap_rows(gaps_df)),
        "counts": {k: sum(1 for _n, d in g.nodes(data=True) if d.get("kind") == k) for k in SHOWN_KINDS},
        "localFirms": sum(1 for n in firms if g.nodes[n].get("local")),
        "asOf": as_of,
    }


def network_context(
    g: nx.MultiDiGraph,
    gaps_df: pd.DataFrame | None,
    *,
    title: str,
    subtitle: str = "",
    firm_cap: int | None = DEFAULT_FIRM_CAP,
    index_href: str | None = None,
) -> dict[str, Any]:
    """The template variables of the network view (``network_body.html.j2`` and its scripts)."""
    payload = map_payload(g, gaps_df, firm_cap)
    return dict(
        title=title,
        subtitle=subtitle,
        index_href=index_href,
        data_json=script_json(payload),
        has_gaps=payload["hasGaps"],
        counts=payload["counts"],
        local_firms=payload["localFirms"],
        as_of=payload["asOf"],
        vis_css=_asset("vis-network.css"),
        vis_js=_asset("vis-network.min.js"),
        map_css=_asset("map.css"),
        map_js=_asset("map.js"),
        select_color=SELECT,
        status_colors=STATUS_COLORS,
        firm_local=FIRM_LOCAL,
        firm_candidate=FIRM_CANDIDATE,
        institution=INSTITUTION,
        font_stack=FONT_STACK,
    )


def render_map(
    g: nx.MultiDiGraph,
    gaps_df: pd.DataFrame | None,
    *,
    title: str,
    subtitle: str = "",
    firm_cap: int | None = DEFAULT_FIRM_CAP,
    index_href: str | None = None,
) -> str:
    """One self-contained HTML page: the interactive network map of ``g`` coloured by ``gaps_df``.

    ``gaps_df`` is :func:`chainmap.analysis.gaps.gaps` of the same graph (None: no region, no colours
    by status). ``firm_cap``: firms shown per link before a "+N" node (None: all).
    """
    ctx = network_context(g, gaps_df, title=title, subtitle=subtitle, firm_cap=firm_cap, index_href=index_href)
    return _env().get_template("map.html.j2").render(**ctx)


def _pct(value: Any) -> str:
    value = _clean(value)
    return "—" if value is None else f"{float(value) * 100:.0f}%"


def render_index(
    rows: Iterable[Mapping[str, Any]],
    *,
    title: str = "产业链招商地图",
    subtitle: str = "",
    extras: Iterable[tuple[str, str]] = (),
) -> str:
    """The index page: one row per map with its completeness and gap counts, linking to it.

    Each row: ``href`` (the map's file name), ``name``, and optionally ``chain``, ``links``,
    ``key_links``, ``strong``, ``weak``, ``missing``, ``completeness``, ``weighted_completeness``,
    ``fill``, ``extend``, ``strengthen`` (the columns of :func:`chainmap.analysis.gaps.completeness`),
    ``top5`` (rank, name, city of the best targets). ``extras``: (label, file) links to the workbook and posters.
    """
    columns = tuple(c for c in COMPLETENESS_COLUMNS if c not in ("name", "key_present"))
    items = []
    for r in rows:
        r = {**dict.fromkeys(columns), **{k: _clean(v) for k, v in r.items()}}
        comp = r.get("completeness")
        items.append(
            {
                **r,
                "href": quote(str(r.get("href") or ""), safe="/#"),
                "pct": _pct(comp),
                "wpct": _pct(r.get("weighted_completeness")),
                "bar": 0 if comp is None else max(0, min(100, round(float(comp) * 100))),
            }
        )
    return (
        _env()
        .get_template("index.html.j2")
        .render(
            title=title,
            subtitle=subtitle,
            rows=items,
            extras=[{"label": lbl, "href": quote(str(f), safe="/")} for lbl, f in extras],
            map_css=_asset("index.css"),
            font_stack=FONT_STACK,
            status_colors=STATUS_COLORS,
        )
    )
