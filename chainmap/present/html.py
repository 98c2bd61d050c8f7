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
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote

import networkx as nx
import pandas as pd
from pyvis.network import Network

from ..analysis.gaps import COMPLETENESS_COLUMNS
from .assets import FONT_STACK as FONT_STACK
from .assets import TEMPLATES as TEMPLATES
from .assets import _asset as _asset
from .assets import _env as _env
from .assets import script_json as script_json
from .layout import SHOWN_KINDS, Layout, compute_layout
from .mapstyle import COMPONENT_TYPES as COMPONENT_TYPES
from .mapstyle import (
    EDGE_STYLES,
    FIRM_CANDIDATE,
    FIRM_LOCAL,
    INSTITUTION,
    SELECT,
    STATUS_COLORS,
    _clean,
    _gap_rows,
    _group_styles,
    _info,
    _label,
    _status,
    _vis_group,
)
from .mapstyle import _canvas_markup as _canvas_markup

__all__ = [
    "DEFAULT_FIRM_CAP",
    "browser_node_ids",
    "build_network",
    "map_payload",
    "network_context",
    "render_index",
    "render_map",
    "script_json",
]

DEFAULT_FIRM_CAP = 12


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
