"""The set of offline HTML maps one ``render`` writes: a map per chain, the panorama and the index.

Called through :func:`chainmap.api.render` (which resolves chain names and the region).
"""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import pandas as pd

from ..analysis.gaps import completeness as completeness_of
from ..analysis.gaps import gaps as gaps_of
from ..errors import UsageError
from ..files import write_atomic
from ..graph import build_graph, select_chains
from ..load import Library
from ..model import Region
from ..vocab import chain_node
from .html import DEFAULT_FIRM_CAP, render_index, render_map
from .layout import limit_firms

__all__ = ["write_pages"]


def _outdir(out: Path) -> Path:
    if out.exists() and not out.is_dir():
        raise UsageError(f"{out} is a file; give a folder for the maps (-o DIR)")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise UsageError(f"cannot create the folder {out}: {err.strerror or err}") from err
    return out


class _Writer:
    """Writes one map page after another and keeps the completeness row of each for the index."""

    def __init__(self, out: Path, reg: Region | None, cap: int):
        self.out, self.reg, self.cap = out, reg, cap
        self.written: list[Path] = []

    def page(self, g: nx.MultiDiGraph, file: str, title: str, subtitle: str) -> pd.DataFrame | None:
        gaps_df = gaps_of(g, self.reg) if self.reg else None  # on every firm: the true counts
        shown, left_out = limit_firms(g)
        if left_out:
            subtitle += f"；企业过多，每个节点只显示本地、龙头与规模靠前的企业，另有 {left_out} 家见目标企业清单"
        html = render_map(shown, gaps_df, title=title, subtitle=subtitle, firm_cap=self.cap, index_href="index.html")
        self.written.append(write_atomic(self.out / file, html))
        return completeness_of(g, gaps_df) if gaps_df is not None else None


def _chain_page(w: _Writer, lib: Library, cid: str, where: str) -> dict:
    reg = w.reg
    g = build_graph(lib, [cid], reg)
    name = g.nodes[chain_node(cid)]["name"]
    en = g.nodes[chain_node(cid)].get("name_en")
    subtitle = (f"{en} · " if en else "") + (
        f"本地 = {reg.name}；颜色表示本地状态与缺口类型" if reg else "未指定地区，不显示本地状态"
    )
    comp = w.page(g, f"{cid}.html", f"{name}产业链招商地图 · {where}", subtitle)
    row = comp[comp["chain"] == cid].iloc[0].to_dict() if comp is not None else {"chain": cid, "name": name}
    return {**row, "name": name, "href": f"{cid}.html"}


def _panorama_page(w: _Writer, lib: Library, selected: list[str], where: str) -> dict:
    g_all = build_graph(lib, selected, w.reg)
    names = "、".join(g_all.nodes[chain_node(c)]["name"] for c in selected)
    title = f"产业链全景招商地图 · {where}"
    comp = w.page(g_all, "panorama.html", title, f"{len(selected)} 条产业链在共用环节处相连：{names}")
    row = comp[comp["chain"] == "all"].iloc[0].to_dict() if comp is not None else {}
    name = f"全景图（{len(selected)} 条链合并）"
    return {**row, "chain": "panorama", "name": name, "href": "panorama.html", "panorama": True}


def write_pages(
    lib: Library, chains: list[str] | None, reg: Region | None, outdir: Path, *, firm_cap: int | None = None
) -> list[Path]:
    """Write ``<chain>.html`` per selected chain, ``panorama.html`` and ``index.html`` into ``outdir``;
    return the paths in that order."""
    w = _Writer(_outdir(Path(outdir)), reg, DEFAULT_FIRM_CAP if firm_cap is None else firm_cap)
    selected = select_chains(lib, chains)
    where = f"{reg.name}" if reg else "未指定地区"
    rows = [_chain_page(w, lib, cid, where) for cid in selected]
    rows.append(_panorama_page(w, lib, selected, where))
    subtitle = (
        f"本地 = {reg.name}（{reg.province}）。各链按单链计算；全景图按合并后的链计算（共用环节只算一次）。"
        if reg
        else "未指定地区：不计算完整度与缺口。"
    )
    index = render_index(rows, title=f"产业链招商地图 · {where}", subtitle=subtitle)
    w.written.append(write_atomic(w.out / "index.html", index))
    return w.written
