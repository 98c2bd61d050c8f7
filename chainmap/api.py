"""The Python API in one place: load a library, pick a region, build graphs (notebooks start here)."""

from __future__ import annotations

from dataclasses import dataclass
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


@dataclass
class Analysis:
    """Everything one analysis run produces, for one set of chains and one region."""

    graph: nx.MultiDiGraph
    region: Region
    gaps: pd.DataFrame
    completeness: pd.DataFrame
    targets: pd.DataFrame
    routes: pd.DataFrame


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
    g = build_graph(lib, chains, reg)
    gaps_df = gaps_of(g, reg)
    all_targets = targets_of(g, reg, gaps_df, gap=gap)
    return Analysis(
        graph=g,
        region=reg,
        gaps=gaps_df,
        completeness=completeness_of(g, gaps_df),
        targets=all_targets.head(top) if top is not None else all_targets,
        routes=routes_of(all_targets, reg, top=route_top),
    )


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
