"""Writing the set of pages (render, demo) and posters: what goes in which file, never over a file the tool
did not write (:mod:`chainmap.present.guard`), each file atomically."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import networkx as nx
import pandas as pd

from ..analysis.gaps import completeness as completeness_of
from ..analysis.gaps import gaps as gaps_of
from ..analysis.targets import targets as targets_of
from ..errors import UsageError
from ..graph import build_graph, select_chains
from ..load import Library
from ..model import Region
from ..vocab import chain_node
from .atlas import atlas
from .files import write_atomic
from .guard import check_writable, page_file
from .html import DEFAULT_FIRM_CAP, render_index
from .layout import limit_firms
from .pages import render_chain_page, render_panorama
from .poster import poster_svg, to_pdf, to_png

__all__ = ["chain_analysis", "poster_bytes", "write_posters", "write_site"]


# analyse(chain ids) -> an object with .graph, .gaps and .all_targets (chainmap.api.Analysis): the same
# analysis the lists use (company groups, ledger projects), handed in by the caller so that present
# never imports the API above it.
AnalyseFn = Callable[[list[str]], Any]


def chain_analysis(
    lib: Library, cid: str, reg: Region | None, analyse: AnalyseFn | None = None
) -> tuple[nx.MultiDiGraph, Any, Any]:
    """Graph, gaps and targets of one chain alone (None, None without a region)."""
    if reg is not None and analyse is not None:
        a = analyse([cid])
        return a.graph, a.gaps, a.all_targets
    g = build_graph(lib, [cid], reg)
    if reg is None:
        return g, None, None
    gdf = gaps_of(g, reg)
    return g, gdf, targets_of(g, reg, gdf)


def _kept_in_store(analyse: AnalyseFn | None, cid: str, reg: Region | None) -> int:
    """Imported firms of the chain kept in the store, not nodes of its graph (the lists carry them)."""
    if reg is None or analyse is None:
        return 0
    view = getattr(analyse([cid]), "store", None)
    return view.hidden() if view is not None else 0


def _outdir(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise UsageError(f"{out} 是一个文件，地图要写到文件夹：请用 -o 给出文件夹 (is a file; give a folder: -o DIR)")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise UsageError(
            f"无法创建文件夹 {out}：{err.strerror or err}。请检查上级文件夹是否存在、可写，或用 -o 写到别处"
            f" (cannot create the folder)"
        ) from err


def _top5(targets: pd.DataFrame | None) -> list[dict[str, Any]]:
    if targets is None or targets.empty:
        return []
    return [
        {"rank": int(r["rank"]), "name": str(r.get("short_name") or r["name"]), "city": str(r.get("city") or "")}
        for r in targets.head(5).to_dict("records")
    ]


def write_site(
    lib: Library,
    chains: list[str] | None,
    reg: Region | None,
    outdir: str | Path,
    *,
    firm_cap: int | None = None,
    force: bool = False,
    extras: list[tuple[str, str]] | None = None,
    analyse: AnalyseFn | None = None,
) -> list[Path]:
    """Chain pages, panorama.html and index.html in ``outdir``; returns the paths written.

    ``extras``: (label, file name) of other outputs in the folder (workbook, posters) the index links to.
    """
    out = Path(outdir)
    _outdir(out)
    cap = DEFAULT_FIRM_CAP if firm_cap is None else firm_cap
    selected = select_chains(lib, chains)
    files = {cid: page_file(cid) for cid in selected}
    check_writable([out / f for f in files.values()] + [out / "panorama.html", out / "index.html"], force)
    where = reg.name if reg else "未指定地区"
    written: list[Path] = []
    rows: list[dict[str, Any]] = []
    docs = []
    for cid in selected:
        path, doc, row = _chain_page(lib, cid, reg, analyse, out, files[cid], cap, where)
        written.append(path)
        docs.append(doc)
        rows.append(row)
    path, row = _panorama_page(lib, selected, reg, analyse, out / "panorama.html", docs, files, cap, where)
    written.append(path)
    rows.append(row)
    subtitle = (
        f"本地 = {reg.name}（{reg.province}）。各链按单链计算；全景图按合并后的链计算（共用环节只算一次）。"
        if reg
        else "未指定地区：不计算完整度与缺口。"
    )
    index = render_index(rows, title=f"产业链招商图谱 · {where}", subtitle=subtitle, extras=extras or [])
    written.append(write_atomic(out / "index.html", index))
    return written


def _chain_page(
    lib: Library, cid: str, reg: Region | None, analyse: AnalyseFn | None, out: Path, href: str, cap: int, where: str
) -> tuple[Path, Any, dict[str, Any]]:
    """One chain's page written (``out``/``href``); its atlas document and its row of the index."""
    g, gdf, tdf = chain_analysis(lib, cid, reg, analyse)
    name = g.nodes[chain_node(cid)]["name"]
    shown, left_out = limit_firms(g)
    left_out += _kept_in_store(analyse, cid, reg)
    sub = f"本地 = {reg.name}；框的颜色与文字表示本地状态与缺口类型" if reg else "未指定地区，不显示本地状态"
    if left_out:
        sub += f"；关系网络中每个节点只显示部分企业（另有 {left_out} 家见目标企业清单）"
    html = render_chain_page(
        g,
        cid,
        gdf,
        tdf,
        title=f"{name}产业链招商图谱 · {where}",
        subtitle=sub,
        region=reg.name if reg else "",
        network_graph=shown,
        firm_cap=cap,
        index_href="index.html",
        file_stem=f"{name}产业链招商图谱",
        feasibility=analyse([cid]).feasibility if reg is not None and analyse is not None else None,
    )
    written = write_atomic(out / href, html)
    comp = completeness_of(g, gdf) if gdf is not None else None
    row = comp[comp["chain"] == cid].iloc[0].to_dict() if comp is not None else {"chain": cid}
    return written, atlas(g, cid, gdf, tdf), {**row, "name": name, "href": href, "top5": _top5(tdf)}


def _panorama_page(
    lib: Library,
    selected: list[str],
    reg: Region | None,
    analyse: AnalyseFn | None,
    path: Path,
    docs: list[Any],
    files: dict[str, str],
    cap: int,
    where: str,
) -> tuple[Path, dict[str, Any]]:
    """The panorama of the chains merged on their shared links, written; its row of the index."""
    if reg is not None and analyse is not None:
        whole = analyse(selected)
        g_all, gdf_all = whole.graph, whole.gaps
    else:
        g_all = build_graph(lib, selected, reg)
        gdf_all = gaps_of(g_all, reg) if reg else None
    shown_all, _ = limit_firms(g_all)
    names = "、".join(d["name"] for d in docs)
    html = render_panorama(
        docs,
        files,
        title=f"产业链全景图 · {where}",
        subtitle=f"{len(selected)} 条产业链：{names}",
        network_graph=shown_all,
        gaps_df=gdf_all,
        firm_cap=cap,
        index_href="index.html",
    )
    written = write_atomic(path, html)
    comp = completeness_of(g_all, gdf_all) if gdf_all is not None else None
    row = comp[comp["chain"] == "all"].iloc[0].to_dict() if comp is not None else {}
    return written, {
        **row,
        "chain": "panorama",
        "name": f"全景图（{len(selected)} 条链）",
        "href": "panorama.html",
        "panorama": True,
    }


def poster_bytes(
    lib: Library, cid: str, reg: Region | None, size: str, suffix: str, analyse: AnalyseFn | None = None
) -> bytes:
    """One chain's poster as .svg, .pdf or .png bytes."""
    g, gdf, tdf = chain_analysis(lib, cid, reg, analyse)
    svg = poster_svg(atlas(g, cid, gdf, tdf), size=size, region=reg.name if reg else "")
    if suffix == ".svg":
        return svg.encode("utf-8")
    if suffix == ".pdf":
        return to_pdf(svg)
    if suffix == ".png":
        return to_png(svg)
    raise UsageError(f"a poster is written as .svg, .pdf or .png, not '{suffix or '(no suffix)'}'")


def write_posters(
    lib: Library,
    chains: list[str],
    reg: Region | None,
    target: Path,
    *,
    size: str,
    suffix: str | None,
    force: bool,
    analyse: AnalyseFn | None = None,
) -> list[Path]:
    """Posters of ``chains``: to ``target`` (a file) for one chain, or ``target/<chain>.<suffix>`` for several."""
    if suffix is None:  # one file: its suffix says the format
        paths = {chains[0]: target}
    else:
        _outdir(target)
        paths = {cid: target / f"{cid}{suffix}" for cid in chains}
    for p in paths.values():
        if p.suffix.lower() not in (".svg", ".pdf", ".png"):
            raise UsageError(f"a poster is written as .svg, .pdf or .png: {p}")
    check_writable(list(paths.values()), force)
    return [write_atomic(p, poster_bytes(lib, cid, reg, size, p.suffix.lower(), analyse)) for cid, p in paths.items()]
