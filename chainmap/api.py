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
    force: bool = False,
    extras: list[tuple[str, str]] | None = None,
) -> list[Path]:
    """Write the offline HTML pages: ``outdir/<chain>.html`` per chain (the 招商图谱, with the relationship
    network as a second tab; ``chain-<id>.html`` for an id that is a reserved page name),
    ``outdir/panorama.html`` (a matrix of every chain's links by stage) and ``outdir/index.html``.
    Returns the paths written, in that order. A file there that chainmap did not write is kept (UsageError)
    unless ``force``. Each chain page is coloured by the gaps of that chain alone. ``firm_cap``: firms per
    link in the network before a "+N" node (default 12).
    """
    from .present.site import write_site

    return write_site(lib, chains, region(lib, region_id), outdir, firm_cap=firm_cap, force=force, extras=extras)
