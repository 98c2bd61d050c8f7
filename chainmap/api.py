"""The Python API in one place: load a library, pick a region, build graphs (notebooks start here)."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

import networkx as nx
import pandas as pd

from .analysis.gaps import completeness as completeness_of
from .analysis.gaps import gaps as gaps_of
from .analysis.routes import routes as routes_of
from .analysis.targets import targets as targets_of
from .errors import UsageError
from .graph import build_graph
from .library import default_library
from .load import Library, load_library
from .model import Region

DEFAULT_REGION = "lianyungang"


class Analysis:
    """One analysis run for a set of chains and a region. Each table is computed on first use, so a
    caller that wants only the gaps does not pay for ranking thousands of firms."""

    def __init__(
        self,
        graph: nx.MultiDiGraph,
        region: Region,
        *,
        gap: str | None = None,
        top: int | None = None,
        route_top: int | None = None,
    ):
        self.graph, self.region = graph, region
        self._gap, self._top, self._route_top = gap, top, route_top

    @cached_property
    def gaps(self) -> pd.DataFrame:
        return gaps_of(self.graph, self.region)

    @cached_property
    def completeness(self) -> pd.DataFrame:
        return completeness_of(self.graph, self.gaps)

    @cached_property
    def all_targets(self) -> pd.DataFrame:
        return targets_of(self.graph, self.region, self.gaps, gap=self._gap)

    @cached_property
    def targets(self) -> pd.DataFrame:
        return self.all_targets.head(self._top) if self._top is not None else self.all_targets

    @cached_property
    def routes(self) -> pd.DataFrame:
        return routes_of(self.all_targets, self.region, top=self._route_top)


def load(path: str | Path | None = None) -> Library:
    """Load the chain library at ``path`` (default: ``./chains`` or the bundled library)."""
    return load_library(Path(path) if path else default_library())


def region(lib: Library, region_id: str | None = None) -> Region | None:
    """The region profile ``region_id``; by default Lianyungang, else the library's only profile."""
    if region_id is None:
        if DEFAULT_REGION in lib.regions:
            return lib.regions[DEFAULT_REGION]
        if len(lib.regions) == 1:
            return next(iter(lib.regions.values()))
        return None
    if region_id not in lib.regions:
        have = ", ".join(sorted(lib.regions)) or "none"
        raise UsageError(
            f"unknown region '{region_id}': the library's region profiles are {have} (files in {lib.root / 'regions'})"
        )
    return lib.regions[region_id]


def analyse(
    lib: Library,
    chains: list[str] | None = None,
    region_id: str | None = None,
    *,
    gap: str | None = None,
    top: int | None = None,
    route_top: int | None = None,
) -> Analysis:
    """Gaps, completeness, targets and routes of ``chains`` (all when None) for a region, as DataFrames."""
    reg = region(lib, region_id)
    if reg is None:
        raise UsageError(
            f"the library at {lib.root} has no region profile (regions/<id>.yaml); gaps and targets "
            "are relative to a home region"
        )
    analysis = Analysis(build_graph(lib, chains, reg), reg, gap=gap, top=top, route_top=route_top)
    if gap is not None:
        analysis.all_targets  # noqa: B018 - check the --gap node now, before anything is written
    return analysis


def gaps(lib: Library, chains: list[str] | None = None, region_id: str | None = None) -> pd.DataFrame:
    """The gap list (缺链清单) of ``chains`` for a region: see :func:`chainmap.analysis.gaps.gaps`."""
    return analyse(lib, chains, region_id).gaps


def targets(
    lib: Library,
    chains: list[str] | None = None,
    region_id: str | None = None,
    *,
    gap: str | None = None,
    top: int | None = None,
) -> pd.DataFrame:
    """The ranked target firms (目标企业清单): see :func:`chainmap.analysis.targets.targets`."""
    return analyse(lib, chains, region_id, gap=gap, top=top).targets


def routes(
    lib: Library, chains: list[str] | None = None, region_id: str | None = None, *, top: int | None = None
) -> pd.DataFrame:
    """Cities worth a trip (招商线路图): see :func:`chainmap.analysis.routes.routes`."""
    return analyse(lib, chains, region_id, route_top=top).routes


def graph(lib: Library, chains: list[str] | None = None, region_id: str | None = None) -> nx.MultiDiGraph:
    """The graph of ``chains`` (all when None) with firms marked local for the region."""
    return build_graph(lib, chains, region(lib, region_id))


def render(
    lib: Library,
    chains: list[str] | None = None,
    region_id: str | None = None,
    outdir: str | Path = "chainmap-out",
    *,
    firm_cap: int | None = None,
) -> list[Path]:
    """Write the offline HTML maps (招商地图): ``outdir/<chain>.html`` per chain, ``outdir/panorama.html``
    (the selected chains joined on their shared links) and ``outdir/index.html`` (completeness and gap
    counts per chain, linking to each map). Returns the paths written, in that order.

    Each chain map is coloured by the gaps of that chain alone (as ``chainmap gaps CHAIN`` reports
    them); the panorama by the gaps of the joined chains. Without a region profile the maps show no
    status colours. ``firm_cap``: firms shown per link before a "+N" node (default 12).
    """
    from .graph import select_chains
    from .present.files import write_atomic
    from .present.html import DEFAULT_FIRM_CAP, render_index, render_map
    from .present.layout import limit_firms

    out = Path(outdir)
    if out.exists() and not out.is_dir():
        raise UsageError(f"{out} is a file; give a folder for the maps (-o DIR)")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise UsageError(f"cannot create the folder {out}: {err.strerror or err}") from err
    cap = DEFAULT_FIRM_CAP if firm_cap is None else firm_cap
    selected = select_chains(lib, chains)
    reg = region(lib, region_id)
    where = f"{reg.name}" if reg else "未指定地区"
    written: list[Path] = []
    rows: list[dict] = []

    def one(g: nx.MultiDiGraph, file: str, title: str, subtitle: str) -> pd.DataFrame | None:
        gaps_df = gaps_of(g, reg) if reg else None  # on every firm: the true counts
        shown, left_out = limit_firms(g)
        if left_out:
            subtitle += f"；企业过多，每个节点只显示本地、龙头与规模靠前的企业，另有 {left_out} 家见目标企业清单"
        html = render_map(shown, gaps_df, title=title, subtitle=subtitle, firm_cap=cap, index_href="index.html")
        written.append(write_atomic(out / file, html))
        return completeness_of(g, gaps_df) if gaps_df is not None else None

    for cid in selected:
        g = build_graph(lib, [cid], reg)
        name = g.nodes[f"chain:{cid}"]["name"]
        en = g.nodes[f"chain:{cid}"].get("name_en")
        comp = one(
            g,
            f"{cid}.html",
            f"{name}产业链招商地图 · {where}",
            (f"{en} · " if en else "")
            + (f"本地 = {reg.name}；颜色表示本地状态与缺口类型" if reg else "未指定地区，不显示本地状态"),
        )
        row = comp[comp["chain"] == cid].iloc[0].to_dict() if comp is not None else {"chain": cid, "name": name}
        rows.append({**row, "name": name, "href": f"{cid}.html"})
    g_all = build_graph(lib, selected, reg)
    names = "、".join(g_all.nodes[f"chain:{c}"]["name"] for c in selected)
    comp = one(
        g_all, "panorama.html", f"产业链全景招商地图 · {where}", f"{len(selected)} 条产业链在共用环节处相连：{names}"
    )
    row = comp[comp["chain"] == "all"].iloc[0].to_dict() if comp is not None else {}
    rows.append(
        {
            **row,
            "chain": "panorama",
            "name": f"全景图（{len(selected)} 条链合并）",
            "href": "panorama.html",
            "panorama": True,
        }
    )
    subtitle = (
        f"本地 = {reg.name}（{reg.province}）。各链按单链计算；全景图按合并后的链计算（共用环节只算一次）。"
        if reg
        else "未指定地区：不计算完整度与缺口。"
    )
    geo: list[Path] = []
    if reg is not None:  # the geographic map of the same chains: geo.html and geo.svg
        from .present.geo import GEO_INDEX_ROW, write_geo

        geo = write_geo(out, g_all, reg, index_href="index.html")
        rows.append(GEO_INDEX_ROW)
    written.append(
        write_atomic(out / "index.html", render_index(rows, title=f"产业链招商地图 · {where}", subtitle=subtitle))
    )
    return written + geo
