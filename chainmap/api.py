"""The Python API in one place: load a library, pick a region, build graphs, analyse (notebooks start here).

Every function takes chains, nodes and regions by id or by Chinese name, and raises a
:class:`~chainmap.errors.ChainmapError` (never prints, never exits) on a request it cannot meet.

Examples
--------
>>> import chainmap
>>> lib = chainmap.load()
>>> a = chainmap.analyse(lib, "碳纤维")
>>> a.region.name
'连云港市'
>>> list(a.gaps.columns[:3])
['chain', 'chains', 'node']
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import networkx as nx
import numpy as np
import pandas as pd

from .analysis.feasibility import coded_with_store, placements_from_graph
from .analysis.feasibility import feasibility as feasibility_of
from .analysis.gaps import chain_gaps as chain_gaps_of
from .analysis.gaps import completeness as completeness_of
from .analysis.gaps import gaps as gaps_of
from .analysis.groups import Groups, company_groups
from .analysis.routes import routes as routes_of
from .analysis.storetargets import RankedTargets
from .analysis.targets import excluded as excluded_of
from .analysis.targets import ranked_targets
from .analysis.wave import FIRST_WAVE, WhatIf
from .analysis.wave import first_wave as first_wave_of
from .analysis.wave import what_if as what_if_of
from .errors import UsageError
from .firmstore import StoreView, signal_lookup
from .graph import build_graph, graph_and_store, with_firms_shown
from .library import REGION_ENV as REGION_ENV  # the variable naming the default region (tests, notebooks)
from .library import default_ledger_folder, default_library, region_of
from .load import Library, load_library
from .model import Region

if TYPE_CHECKING:  # the ledger (SQLAlchemy) is imported only when a ledger is read
    from .ledger.feed import LedgerFeed

__all__ = [
    "Analysis",
    "analyse",
    "chain_ids",
    "find_firm",
    "gaps",
    "graph",
    "load",
    "region",
    "render",
    "routes",
    "targets",
]

Chains = str | Iterable[str] | None
NODE_KINDS = ("link", "technology", "component")


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


def imported_firms(lib: Library) -> list[str]:
    """Ids of the firms that came from `chainmap import` (a census over many regions, used for feasibility)."""
    return [cid for cid, (file, _l, _c) in lib.where.items() if "imported" in Path(str(file)).parts]


def load(path: str | Path | None = None) -> Library:
    """Load the chain library at ``path`` (default: ``./chains`` or the bundled library).

    Parameters
    ----------
    path : str or Path, optional
        The library folder (chain YAML files, ``companies/``, ``institutions/``, ``regions/``).

    Returns
    -------
    Library
        Raises :class:`~chainmap.errors.LoadError` listing every problem at once.

    Examples
    --------
    >>> lib = load()
    >>> "carbon_fiber" in lib.chains
    True
    """
    return load_library(Path(path) if path else default_library())


def find_firm(lib: Library, name: str) -> Any | None:
    """The firm called ``name`` (id, name or short name): a hand-curated one, else one imported into the
    firm store (read from it in full); None when no firm is called so. Raises
    :class:`~chainmap.errors.UsageError` when the name is ambiguous among the curated firms.

    Examples
    --------
    >>> find_firm(load(), "no such firm") is None
    True
    """
    try:
        return lib.companies[lib.resolve(name, ["company"])]
    except UsageError as err:
        if "ambiguous" in str(err):
            raise
    store = getattr(lib, "store", None)
    row = store.find([name]).get(name) if store is not None else None
    if row is None:
        return None
    return next(iter(store.companies(np.array([row]), lib.nodes).values()), None)


def chain_ids(lib: Library, chains: Chains) -> list[str] | None:
    """Chain ids for a selection given as one id or name, several, or None (= all).

    Examples
    --------
    >>> chain_ids(load(), "碳纤维")
    ['carbon_fiber']
    >>> chain_ids(load(), ["polyester", "尼龙纤维"])
    ['polyester', 'nylon']
    >>> chain_ids(load(), None) is None
    True
    """
    if chains is None:
        return None
    if isinstance(chains, str):
        chains = [chains]
    return list(dict.fromkeys(lib.resolve(c, ["chain"]) for c in chains)) or None


def region(lib: Library, region_id: str | None = None) -> Region | None:
    """The region profile ``region_id`` (an id or Chinese name).

    Without one: the profile named by ``$CHAINMAP_REGION``, else the one marked ``default: true``, else
    the library's only profile, else None.

    Examples
    --------
    >>> region(load()).id
    'lianyungang'
    >>> region(load(), "连云港市").id
    'lianyungang'
    """
    return region_of(lib, region_id)


def _home(lib: Library, region_id: str | None) -> Region:
    reg = region(lib, region_id)
    if reg is None:
        have = ", ".join(sorted(lib.regions))
        raise UsageError(
            f"the library at {lib.root} has no default region profile: give --region ({have}) or mark one "
            "`default: true`"
            if have
            else f"the library at {lib.root} has no region profile (regions/<id>.yaml); gaps and targets "
            "are relative to a home region"
        )
    return reg


def analyse(
    lib: Library,
    chains: Chains = None,
    region_id: str | None = None,
    *,
    gap: str | None = None,
    top: int | None = None,
    route_top: int | None = None,
    projects: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
    ledger: LedgerFeed | None = None,
    firms: str = "top",
) -> Analysis:
    """Gaps, completeness, targets and routes of ``chains`` (all when None) for a region, as DataFrames.

    Parameters
    ----------
    lib : Library
    chains : str or list of str, optional
        One chain (id or Chinese name) or several; None = all chains, merged on shared links.
    region_id : str, optional
        Region profile id or name (default: see :func:`region`).
    gap : str, optional
        Keep only target firms that would fill this node (id or Chinese name).
    top, route_top : int, optional
        Keep the best N targets / cities.
    projects : mapping, optional
        Live ledger projects per node id (default: those of ``ledger``).
    ledger : LedgerFeed, optional
        What the follow-through ledger says (:func:`ledger_of`): live projects at the gaps, the pipeline
        stage of target firms, activity by city for the geographic map.
    firms : str
        Which imported firms of the store become nodes of ``Analysis.graph`` (see
        :func:`chainmap.graph.build_graph`): ``top`` (default: what a map shows), ``local``, ``lite``
        (the local ones, analysis attributes only), ``none`` (the lists' choice), ``all``. The tables are the same
        whichever: the firms that are not nodes are counted and scored in the store.

    Examples
    --------
    >>> a = analyse(load(), "carbon_fiber", top=3)
    >>> len(a.targets) <= 3
    True
    >>> sorted(set(a.gaps["status"]) - {"strong", "weak", "missing"})
    []
    """
    reg = _home(lib, region_id)
    if gap is not None and gap not in lib.nodes:
        gap = lib.resolve(gap, NODE_KINDS)
    g, view = graph_and_store(lib, chain_ids(lib, chains), reg, firms=firms)
    imported = imported_firms(lib) + (view.store.ids(np.flatnonzero(view.shown)) if view is not None else [])
    analysis = Analysis(
        g,
        reg,
        gap=gap,
        top=top,
        route_top=route_top,
        projects=projects if projects is not None else (ledger.projects if ledger else None),
        imported=imported,
        groups=company_groups(lib.companies, reg),
        stages=ledger.stages if ledger else None,
        store=view,
        signals=signal_lookup(lib.root),
    )
    if gap is not None:
        analysis.all_targets  # noqa: B018 - check the --gap node now, before anything is written
    return analysis


def ledger_of(lib: Library, db: str | None = None, chains_dir: str | Path | None = None) -> LedgerFeed | None:
    """What the follow-through ledger at ``db`` (else ``CHAINMAP_DB``, else the library's default ledger)
    tells the lists and maps, or None when there is no ledger yet (none is created).

    Examples
    --------
    >>> ledger_of(load(), "sqlite://") is None  # an empty ledger says nothing
    True
    """
    if db is None and not os.environ.get("CHAINMAP_DB"):
        if not (default_ledger_folder(chains_dir) / "ledger.sqlite").exists():
            return None  # no ledger yet: spare the lists the import of SQLAlchemy (0.4 s a command)
    from .ledger.feed import ledger_feed

    return ledger_feed(lib, db, chains_dir)


def gaps(lib: Library, chains: Chains = None, region_id: str | None = None) -> pd.DataFrame:
    """The gap list (缺链清单) of ``chains`` for a region: see :func:`chainmap.analysis.gaps.gaps`.

    Examples
    --------
    >>> df = gaps(load(), "聚酯纤维")
    >>> set(df["chain"]) == {"polyester"}
    True
    """
    return analyse(lib, chains, region_id).gaps


def targets(
    lib: Library,
    chains: Chains = None,
    region_id: str | None = None,
    *,
    gap: str | None = None,
    top: int | None = None,
) -> pd.DataFrame:
    """The ranked target firms (目标企业清单): see :func:`chainmap.analysis.targets.targets`.

    Examples
    --------
    >>> df = targets(load(), "carbon_fiber", top=5)
    >>> list(df["rank"]) == list(range(1, len(df) + 1))
    True
    """
    return analyse(lib, chains, region_id, gap=gap, top=top).targets


def routes(
    lib: Library, chains: Chains = None, region_id: str | None = None, *, top: int | None = None
) -> pd.DataFrame:
    """Cities worth a trip (招商线路图): see :func:`chainmap.analysis.routes.routes`.

    Examples
    --------
    >>> df = routes(load(), "carbon_fiber", top=2)
    >>> len(df) <= 2 and {"city", "province", "score"} <= set(df.columns)
    True
    """
    return analyse(lib, chains, region_id, route_top=top).routes


def graph(lib: Library, chains: Chains = None, region_id: str | None = None, *, firms: str = "top") -> nx.MultiDiGraph:
    """The graph of ``chains`` (all when None) with firms marked local for the region; ``firms``: which
    imported firms of the store become nodes (:func:`chainmap.graph.build_graph`: ``top`` or ``all``).

    Examples
    --------
    >>> g = graph(load(), "碳纤维")
    >>> g.nodes["chain:carbon_fiber"]["kind"]
    'chain'
    """
    return build_graph(lib, chain_ids(lib, chains), region(lib, region_id), firms=firms)


def analyser(lib: Library, region_id: str | None = None, ledger: LedgerFeed | None = None) -> Callable[..., Analysis]:
    """A function of a chain selection (list of ids) giving its :class:`Analysis`, computed once per
    selection: what pages and posters are drawn from, so they read exactly as the lists.

    Examples
    --------
    >>> of = analyser(load())
    >>> of(["carbon_fiber"]) is of(["carbon_fiber"])
    True
    """
    done: dict[tuple[str, ...], Analysis] = {}

    def analysis_of(cids: list[str]) -> Analysis:
        key = tuple(cids)
        if key not in done:
            done[key] = analyse(lib, list(cids), region_id, ledger=ledger)
        return done[key]

    return analysis_of


def render(
    lib: Library,
    chains: Chains = None,
    region_id: str | None = None,
    outdir: str | Path = "chainmap-out",
    *,
    firm_cap: int | None = None,
    force: bool = False,
    extras: list[tuple[str, str]] | None = None,
    ledger: LedgerFeed | None = None,
) -> list[Path]:
    """Write the offline HTML pages: ``outdir/<chain>.html`` per chain (the 招商图谱, with the relationship
    network as a second tab; ``chain-<id>.html`` for an id that is a reserved page name),
    ``outdir/panorama.html`` (a matrix of every chain's links by stage) and ``outdir/index.html``.
    Returns the paths written, in that order. A file there that chainmap did not write is kept (UsageError)
    unless ``force``. Each chain page is coloured by the gaps of that chain alone (as ``chainmap gaps
    CHAIN`` reports them). ``firm_cap``: firms per link in the network before a "+N" node (default 12).
    With a region, ``geo.html`` and ``geo.svg`` (the geographic map) too; ``ledger`` (:func:`ledger_of`)
    adds live projects to the boxes, pipeline stages to targets and trips/visits by city to the map.

    Examples
    --------
    >>> import tempfile
    >>> [p.name for p in render(load(), "碳纤维", outdir=tempfile.mkdtemp())]
    ['carbon_fiber.html', 'panorama.html', 'index.html', 'geo.html', 'geo.svg']
    """
    from .present.guard import check_writable
    from .present.site import write_site  # present is imported only when pages are asked for

    reg = region(lib, region_id)
    selected = chain_ids(lib, chains) or list(lib.chains)
    analysis_of = analyser(lib, reg.id if reg else None, ledger)

    if reg is not None:  # the index links the geographic map written below
        extras = [("地理招商地图（目标企业分布、外出行程）", "geo.html"), *(extras or [])]
        check_writable([Path(outdir) / "geo.html", Path(outdir) / "geo.svg"], force)
    written = write_site(
        lib,
        selected,
        reg,
        outdir,
        firm_cap=firm_cap,
        force=force,
        extras=extras,
        analyse=analysis_of if reg is not None else None,
    )
    if reg is not None:  # the geographic map of the same chains: geo.html and geo.svg
        from .present.geo import write_geo

        whole = analysis_of(selected)
        written += write_geo(
            Path(outdir),
            whole.graph,
            reg,
            index_href="index.html",
            activity=ledger.activity if ledger else None,
            tables=(whole.gaps, whole.all_targets),
        )
    return written
