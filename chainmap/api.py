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
from pathlib import Path
from typing import TYPE_CHECKING, Any

import networkx as nx
import numpy as np
import pandas as pd

from .analysis.groups import company_groups
from .analysis_result import Analysis
from .errors import UsageError
from .firmstore import signal_lookup
from .graph import build_graph, graph_and_store
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
