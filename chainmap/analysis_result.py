"""The result of one analysis run (:func:`chainmap.api.analyse`): a graph and a region in, each table
computed on first use. Kept apart from :mod:`chainmap.api` (which re-exports it) for the size of that file."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import cached_property
from typing import Any

import networkx as nx
import pandas as pd

from .analysis.feasibility import coded_with_store, placements_from_graph
from .analysis.feasibility import feasibility as feasibility_of
from .analysis.gaps import chain_gaps as chain_gaps_of
from .analysis.gaps import completeness as completeness_of
from .analysis.gaps import gaps as gaps_of
from .analysis.groups import Groups
from .analysis.routes import routes as routes_of
from .analysis.storetargets import RankedTargets
from .analysis.targets import excluded as excluded_of
from .analysis.targets import ranked_targets
from .analysis.wave import FIRST_WAVE, WhatIf
from .analysis.wave import first_wave as first_wave_of
from .analysis.wave import what_if as what_if_of
from .firmstore import StoreView
from .graph import with_firms_shown
from .model import Region

__all__ = ["Analysis"]


class Analysis:
    """One analysis run for a set of chains and a region. Each table is computed on first use, so a
    caller that wants only the gaps does not pay for ranking thousands of firms.

    ``chain_gaps`` holds one row per (chain, node); ``gaps`` one row per node (its most urgent chain);
    every other table and output reads them. ``projects``: node id -> live ledger projects there;
    ``imported``: ids of imported firms (a census) for feasibility; ``groups``: company groups over the
    whole library (default: the graph's firms); ``store``: the view of the imported firms kept in the
    store that are not nodes of ``graph`` (they are counted, scored and listed all the same)."""

    def __init__(
        self,
        graph: nx.MultiDiGraph,
        region: Region,
        *,
        gap: str | None = None,
        top: int | None = None,
        route_top: int | None = None,
        projects: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
        imported: Iterable[str] = (),
        groups: Groups | None = None,
        wave_size: int = FIRST_WAVE,
        stages: Mapping[str, str] | None = None,
        store: StoreView | None = None,
        signals: Callable[[list[str]], Mapping[str, list[tuple]]] | None = None,
    ):
        self.graph, self.region, self.store, self._signals = graph, region, store, signals
        self._gap, self._top, self._route_top = gap, top, route_top
        self._projects, self._imported, self._groups = projects, set(imported), groups
        self._wave_size = wave_size
        self._stages = dict(stages or {})

    @cached_property
    def feasibility(self) -> pd.DataFrame | None:
        """RCA, density and PSWOT quadrant per (chain, link) from the imported firms; None without them."""
        placements = placements_from_graph(self.graph, self._imported)
        coded = coded_with_store(placements, self.store, "city" if self.region.city else "province")
        chains = {
            c: [n for n, d in self.graph.nodes(data=True) if d["kind"] == "link" and c in d.get("chains", ())]
            for c in self.graph.graph.get("chains", [])
        }
        names = {n: d["name"] for n, d in self.graph.nodes(data=True) if d["kind"] == "link"}
        return feasibility_of(placements, (self.region.province, self.region.city), chains, names, coded=coded)

    @cached_property
    def chain_gaps(self) -> pd.DataFrame:
        """One row per (chain, node): each node judged in each selected chain that holds it."""
        return chain_gaps_of(
            self.graph, self.region, projects=self._projects, feasibility=self.feasibility, **self._kept
        )

    @cached_property
    def _kept(self) -> dict[str, Any]:
        return self.store.kept() if self.store is not None else {}

    def __repr__(self) -> str:
        return f"Analysis(chains={self.graph.graph.get('chains')}, region={self.region.id!r})"

    @cached_property
    def gaps(self) -> pd.DataFrame:
        """The gap list (缺链清单), highest priority first."""
        return gaps_of(self.graph, self.region, by_chain=self.chain_gaps)

    def gaps_of_chain(self, chain: str) -> pd.DataFrame:
        """The rows of ``chain`` as judged in it: the same as ``gaps`` of an analysis of that chain alone."""
        rows = self.chain_gaps[self.chain_gaps["chain"] == chain]
        return gaps_of(self.graph, self.region, by_chain=rows.reset_index(drop=True))

    @cached_property
    def completeness(self) -> pd.DataFrame:
        """Completeness per chain (产业链完整度)."""
        return completeness_of(self.graph, self.gaps, by_chain=self.chain_gaps)

    @cached_property
    def ranked(self) -> RankedTargets:
        """The target ranking, rows built on demand (``ranked.frame(n)``; ``len(ranked)`` rows in all)."""
        g, gaps, store = self.graph, self.gaps, self.store
        return ranked_targets(
            g, self.region, gaps, gap=self._gap, groups=self._groups, store=store, signals=self._signals
        )

    def targets_head(self, n: int | None) -> pd.DataFrame:
        """The best ``n`` targets (all when None) with ``pipeline``, building only those rows."""
        if n is None or "all_targets" in self.__dict__:
            return self.all_targets.head(n) if n is not None else self.all_targets
        return self._with_pipeline(self.ranked.frame(n))

    def _with_pipeline(self, df: pd.DataFrame) -> pd.DataFrame:
        codes = nx.get_node_attributes(self.graph, "credit_code")
        if self.store is not None and self._stages:
            codes |= self.store.store.credit_codes(df["company"])
        df["pipeline"] = [self._stages.get(c) or self._stages.get(codes.get(c, "")) or None for c in df["company"]]
        return df

    @cached_property
    def all_targets(self) -> pd.DataFrame:
        """Every ranked target firm (before ``top``), with its furthest ledger stage in ``pipeline``."""
        return self._with_pipeline(self.ranked.frame())

    @cached_property
    def targets(self) -> pd.DataFrame:
        """The ranked target firms (目标企业清单), the best ``top`` when given."""
        return self.targets_head(self._top)

    @cached_property
    def excluded(self) -> pd.DataFrame:
        """Firms at the gaps left out of the targets (not 存续 / 在业), with the reason."""
        return excluded_of(self.graph, self.region, self.gaps, store=self.store)

    @cached_property
    def first_wave(self) -> pd.DataFrame:
        """The recommended first wave (default 20 firms), chosen greedily by marginal value."""
        return first_wave_of(self.all_targets, self.gaps, self._wave_size)

    def what_if(self, firms: Iterable[str]) -> WhatIf:
        """Attracting ``firms`` (ids or names): which gaps close and how completeness changes."""
        firms = list(firms)
        shown = self.store is not None  # firms kept in the store become nodes of a copy of the graph first
        g, kept = with_firms_shown(self.graph, self.store, firms) if shown else (self.graph, self._kept)
        return what_if_of(g, self.region, firms, projects=self._projects, feasibility=self.feasibility, **kept)

    @cached_property
    def routes(self) -> pd.DataFrame:
        """Cities worth a trip (招商线路), best first."""
        return routes_of(self.all_targets, self.region, top=self._route_top)
