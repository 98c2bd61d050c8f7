"""The Python API in one place: load a library, pick a region, build graphs (notebooks start here)."""

from __future__ import annotations

from pathlib import Path

import networkx as nx

from .errors import UsageError
from .graph import build_graph
from .library import default_library
from .load import Library, load_library
from .model import Region

DEFAULT_REGION = "lianyungang"


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


def graph(lib: Library, chains: list[str] | None = None, region_id: str | None = None) -> nx.MultiDiGraph:
    """The graph of ``chains`` (all when None) with firms marked local for the region."""
    return build_graph(lib, chains, region(lib, region_id))
