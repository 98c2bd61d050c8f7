"""The pages officers open: a chain's 招商图谱 (segment columns, with the network as a second tab) and the
panorama matrix (chains as rows, stages as columns). Self-contained, escaped (Jinja autoescape; data for
scripts as escaped JSON), deterministic.

Examples
--------
>>> stage_of("上游 · 原料与单体")
'上游'
>>> stage_of("配套")
'配套'
>>> spans_of([5, 6, 11, 0])
[1, 2, 3, 1]
"""

from __future__ import annotations

from typing import Any

import networkx as nx
import pandas as pd

from .atlas import atlas
from .html import DEFAULT_FIRM_CAP, _asset, _env, network_context, script_json
from .poster import poster_svg

__all__ = ["LINKS_PER_COLUMN", "matrix", "render_chain_page", "render_panorama", "spans_of", "stage_of"]

LINKS_PER_COLUMN = 5  # a segment with more links gets another sub-column
LOCAL_CAP = 4  # local firm names in a box
STAGE_ORDER = ("上游", "中游", "下游")


def stage_of(segment_name: str) -> str:
    """The stage a segment belongs to: the part of its name before " · " (上游 · 原料 -> 上游)."""
    return segment_name.split("·")[0].strip() or segment_name


def spans_of(counts: list[int]) -> list[int]:
    """Sub-columns per segment: one per :data:`LINKS_PER_COLUMN` links."""
    return [max(1, -(-n // LINKS_PER_COLUMN)) for n in counts]


def _panel_data(doc: dict[str, Any], file: str) -> dict[str, Any]:
    links = {ln["id"]: ln for s in doc["segments"] for ln in s["links"]}
    return {"chain": doc["chain"], "file": file, "links": links}


def render_chain_page(
    g: nx.MultiDiGraph,
    chain: str,
    gaps_df: pd.DataFrame | None,
    targets_df: pd.DataFrame | None,
    *,
    title: str,
    subtitle: str,
    region: str = "",
    network_graph: nx.MultiDiGraph | None = None,
    firm_cap: int | None = DEFAULT_FIRM_CAP,
    index_href: str | None = None,
    file_stem: str = "图谱",
    feasibility: pd.DataFrame | None = None,
) -> str:
    """The chain page: the 图谱 (default tab) and the relationship network (second tab, drawn on demand).

    ``network_graph`` is the graph the network tab draws (a firm-limited copy for large imports);
    the 图谱 and the counts use ``g`` with every firm.
    """
    doc = atlas(g, chain, gaps_df, targets_df)
    for seg, span in zip(doc["segments"], spans_of([len(s["links"]) for s in doc["segments"]]), strict=True):
        seg["span"] = span
    body = _env().get_template("atlas_boxes.html.j2").render(doc=doc, local_cap=LOCAL_CAP)
    net = network_context(
        network_graph if network_graph is not None else g,
        gaps_df,
        title=title,
        subtitle=subtitle,
        firm_cap=firm_cap,
        index_href=index_href,
    )
    svg = poster_svg(doc, size="ppt", region=region)
    from .pswot import pswot_svg

    feas_title = f"{doc['name']}：显性比较优势（RCA）× 关联密度"
    return (
        _env()
        .get_template("chain.html.j2")
        .render(
            **net,
            net=True,
            first_tab="招商图谱",
            body=body,
            footnote=_footnote(doc),
            poster=True,
            poster_json=script_json(svg),
            atlas_json=script_json(_panel_data(doc, file_stem)),
            atlas_css=_asset("atlas.css"),
            atlas_js=_asset("atlas.js"),
            feasibility_svg=pswot_svg(feasibility, chain, title=feas_title) if region else "",
            feasibility_known=feasibility is not None,
        )
    )


def _footnote(doc: dict[str, Any]) -> str:
    when = f"企业数据截至 {doc['as_of']}；" if doc.get("as_of") else ""
    return (
        f"{when}每家企业均附来源与数据日期（点击环节查看，超过两年的标红）。本地N家＝本地登记在该环节、"
        "仍在经营的企业（不含注销、吊销、停业、破产清算、已迁出）；候选M家＝外地在该环节、未注销吊销的企业；目标＝按缺口优先级、规模、龙头地位、重点区域与本地业务关联打分的前三名。"
    )


def matrix(docs: list[dict[str, Any]], files: dict[str, str]) -> dict[str, Any]:
    """Rows (one per chain) x stage columns of link chips; links in several chains are marked shared.

    >>> doc = {"chain": "a", "name": "甲链", "segments": [{"name": "上游 · 原料", "links": [
    ...     {"id": "x", "name": "原料", "key": True, "state": "fill", "words": "缺失·补链"}]}]}
    >>> m = matrix([doc, {**doc, "chain": "b", "name": "乙链"}], {"a": "a.html", "b": "b.html"})
    >>> m["stages"], m["rows"][0]["cells"][0][0]["links"][0]["also"]
    (['上游'], [('b', '乙链')])
    """
    stages: list[str] = []
    for doc in docs:
        for seg in doc["segments"]:
            st = stage_of(seg["name"])
            if st not in stages:
                stages.append(st)
    seen = {st: i for i, st in enumerate(stages)}
    stages = sorted(stages, key=lambda s: (STAGE_ORDER.index(s) if s in STAGE_ORDER else len(STAGE_ORDER), seen[s]))
    holders: dict[str, list[tuple[str, str]]] = {}
    for doc in docs:
        for seg in doc["segments"]:
            for ln in seg["links"]:
                holders.setdefault(ln["id"], []).append((doc["chain"], doc["name"]))
    rows = []
    for doc in docs:
        cells: list[list[dict[str, Any]]] = [[] for _ in stages]
        for seg in doc["segments"]:
            links = [
                {
                    **{k: ln[k] for k in ("id", "name", "key", "state", "words")},
                    "also": [h for h in holders[ln["id"]] if h[0] != doc["chain"]],
                }
                for ln in seg["links"]
            ]
            cells[stages.index(stage_of(seg["name"]))].append({"name": seg["name"], "links": links})
        rows.append({"chain": doc["chain"], "name": doc["name"], "href": files[doc["chain"]], "cells": cells})
    return {"stages": stages, "rows": rows}


def render_panorama(
    docs: list[dict[str, Any]],
    files: dict[str, str],
    *,
    title: str,
    subtitle: str,
    network_graph: nx.MultiDiGraph | None = None,
    gaps_df: pd.DataFrame | None = None,
    firm_cap: int | None = DEFAULT_FIRM_CAP,
    index_href: str | None = None,
) -> str:
    """The panorama: a matrix of every chain's links by stage; the joined network as a second tab."""
    m = matrix(docs, files)
    body = _env().get_template("matrix.html.j2").render(m=m)
    ctx: dict[str, Any] = {"title": title, "subtitle": subtitle, "index_href": index_href}
    if network_graph is not None:
        ctx = network_context(
            network_graph, gaps_df, title=title, subtitle=subtitle, firm_cap=firm_cap, index_href=index_href
        )
    return (
        _env()
        .get_template("chain.html.j2")
        .render(
            **ctx,
            net=network_graph is not None,
            first_tab="全景矩阵",
            body=body,
            footnote="每行一条产业链，每列一个阶段；紫色外框＝多条链共用的环节（⇄ 跳到另一条链的同一环节）。点击环节打开该链的招商图谱。",
            poster=False,
            atlas_json=script_json({"links": {}, "file": "panorama"}),
            atlas_css=_asset("atlas.css"),
            atlas_js=_asset("atlas.js"),
        )
    )
