"""Build the networkx graph of one chain, several, or all of them merged on their shared ids.

Node ids: links, technologies, components, companies and institutions by their library id; chains as
``chain:<id>``; segments as ``<chain>:<segment>``. Edges carry ``kind`` (also used as the multigraph
key): part_of, feeds, requires, uses, operates, makes, holds, researches, supplies, subsidiary_of.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import networkx as nx

from .library import select_chains  # here too: where callers have always found it
from .load import Library
from .model import Company, Region
from .vocab import TIE_ROLES, chain_node, segment_node


def is_local(company: Company, region: Region | None) -> bool:
    """A firm is local when the region profile lists it or its operating site is in the home region."""
    if region is None:
        return False
    if company.id in region.local_companies:
        return True
    if region.city:
        return company.city == region.city
    return bool(company.province == region.province and company.district and company.district in region.districts)


def link_levels(links: Iterable[str], feeds: Iterable[tuple[str, str]]) -> dict[str, int]:
    """Depth of each link in the material flow: 0 for raw materials, else 1 + the deepest supplier."""
    g = nx.DiGraph()
    g.add_nodes_from(links)
    g.add_edges_from((a, b) for a, b in feeds if a in g and b in g)
    level: dict[str, int] = {}
    for node in nx.lexicographical_topological_sort(g):
        level[node] = max((level[p] + 1 for p in g.predecessors(node)), default=0)
    return level


def _company_attrs(c: Company, chains: list[str], local: bool) -> dict[str, Any]:
    attrs: dict[str, Any] = {
        "kind": "company",
        "name": c.name,
        "short_name": c.short_name or c.name,
        "chains": chains,
        "province": c.province or "",
        "city": c.city or "",
        "district": c.district or "",
        "tags": list(c.tags),
        "local": local,
        "source": "；".join(c.source),
        "as_of": c.as_of.isoformat(),
    }
    if c.name_en:
        attrs["name_en"] = c.name_en
    if c.aliases:
        attrs["aliases"] = list(c.aliases)
    if c.stock_code:
        attrs["stock_code"] = c.stock_code
        attrs["exchange"] = c.exchange
    if c.credit_code:
        attrs["credit_code"] = c.credit_code
    # firms of a Parquet store are built without the fields it does not keep (status, delisted ...)
    status = getattr(c, "status", None) or "存续"
    if status != "存续":
        attrs["status"] = status
    if getattr(c, "delisted", None):
        attrs["delisted"] = c.delisted.isoformat()
    for k in ("registered_province", "registered_city", "registered_district"):
        if getattr(c, k, None):
            attrs[k] = getattr(c, k)
    if c.registered_capital:
        attrs["registered_capital"] = c.registered_capital.value
        attrs["capital_currency"] = c.registered_capital.currency
    if c.revenue:
        attrs["revenue"] = c.revenue.value
        attrs["revenue_currency"] = c.revenue.currency
        if c.revenue_year:
            attrs["revenue_year"] = c.revenue_year
    if c.employees is not None:
        attrs["employees"] = c.employees
    if c.parent:
        attrs["parent"] = c.parent
    caps = getattr(c, "capacities", None)  # imported firms (fast constructor) carry none
    if caps:
        attrs["capacities"] = [{"link": k.link, "value": k.value, "unit": k.unit} for k in caps]
    if c.note:
        attrs["note"] = c.note
    if c.website:
        attrs["website"] = c.website
    return attrs


FIRM_MODES = ("top", "all", "local", "lite", "none")
TOP_BUDGET = 5000  # firms a map keeps (chainmap.present.layout.MAP_FIRM_BUDGET): ``top`` makes at least these nodes


def build_graph(
    lib: Library, chains: Iterable[str] | None = None, region: Region | None = None, *, firms: str = "top"
) -> nx.MultiDiGraph:
    """The typed graph of the selected chains (all when ``chains`` is None), merged on shared ids.

    ``region`` marks companies ``local``; without it no firm is local. Hand-curated firms are always
    nodes; imported firms kept in the store (``lib.store``) become nodes as ``firms`` says: ``top`` the
    local ones and, per node, the first outside ones a map shows (about 5,000 over the graph); ``local``
    the local ones; ``all`` every one (as many nodes as placed firms: slow at national scale);
    ``lite`` the local ones with the attributes analysis reads only (no source, note, website); ``none``
    no one (the lists: the store's view counts and names them all the same). With
    100k+ firm nodes, run it inside :func:`chainmap.cli.relaxed_gc` (the CLI does): collections
    triggered by new node dicts otherwise double the time. :func:`graph_and_store` also returns the
    store's view, which counts the firms that are not nodes.

    Examples
    --------
    >>> from chainmap import load
    >>> g = build_graph(load(), ["carbon_fiber"])
    >>> g.graph["chains"], g.nodes["chain:carbon_fiber"]["name"]
    (['carbon_fiber'], '碳纤维')
    >>> {d["kind"] for _, _, d in g.edges(data=True)} >= {"part_of", "feeds", "operates"}
    True
    """
    return graph_and_store(lib, chains, region, firms=firms)[0]


class _Scope:
    """The selected chains and which of them each link, technology and component belongs to."""

    def __init__(self, lib: Library, selected: list[str]):
        self.selected = selected
        self.membership: dict[str, list[str]] = {}
        for cid in selected:
            for link in lib.chains[cid].links:
                self.membership.setdefault(link, []).append(cid)
        self.parts: dict[str, list[str]] = {}
        for pairs in (lib.requires, lib.uses):
            for link, node in pairs:
                for cid in self.membership.get(link, []):
                    if cid not in self.parts.setdefault(node, []):
                        self.parts[node].append(cid)
        links = [n for n in lib.nodes if n in self.membership and lib.nodes[n].kind == "link"]
        self.levels = link_levels(sorted(links), lib.feeds)
        self.order = {c: i for i, c in enumerate(selected)}

    def chains_of(self, ids: Iterable[str]) -> list[str]:
        """The selected chains that hold any of ``ids``, in selection order."""
        found = {c for i in ids for c in (self.membership.get(i) or self.parts.get(i) or [])}
        return sorted(found, key=self.order.__getitem__)


def graph_and_store(
    lib: Library, chains: Iterable[str] | None = None, region: Region | None = None, *, firms: str = "top"
) -> tuple[nx.MultiDiGraph, Any]:
    """:func:`build_graph` and the view of the firm store over it (None without a store): the view
    counts the imported firms that did not become nodes (:class:`chainmap.firmstore.StoreView`)."""
    if firms not in FIRM_MODES:
        raise ValueError(f"firms must be one of {', '.join(FIRM_MODES)}, not {firms!r}")
    selected = select_chains(lib, chains)
    g = nx.MultiDiGraph(chains=selected, region=region.id if region else None)
    scope = _Scope(lib, selected)
    _add_chains(g, lib, scope)
    _add_institutions(g, lib, scope)
    store = getattr(lib, "store", None)
    if store is None or not len(store):
        _add_firms(g, lib, scope, region)
        return g, None
    import numpy as np

    view = store.view(region, {n: d["kind"] for n, d in g.nodes(data=True)})
    if firms == "all":
        rows = view.rows_in_graph()
    elif firms == "none":
        rows = np.zeros(0, np.int64)
    else:
        rows = view.local_rows()
        if firms == "top":
            rows = np.union1d(rows, view.top_rows(TOP_BUDGET))
    if firms in ("lite", "none"):
        _add_firms(g, lib, scope, region)
        add_store_firms(g, view, rows)
    else:
        view.mark_shown(rows)
        _add_firms(g, lib, scope, region, store.companies(rows, lib.nodes))
    return g, view


def add_store_firms(g: nx.MultiDiGraph, view: Any, rows: Any) -> None:
    """Make the store firms ``rows`` nodes of ``g`` (with what analysis reads of them: kind, names, place,
    status, capital, ties; no source or note) and mark them shown in ``view``, which stops counting them."""
    import numpy as np

    rows = np.asarray(rows, np.int64)
    view.mark_shown(rows)
    if not len(rows):
        return
    s = view.store
    ties = s.ties_of(rows, view.scope)
    order = {c: i for i, c in enumerate(g.graph.get("chains", []))}
    node_rows, edges = [], []
    for r, cid, attrs, loc in zip(rows.tolist(), s.ids(rows), s.attrs(rows), view.local[rows].tolist(), strict=True):
        found = {c for n, _k in ties[r] for c in g.nodes[n].get("chains", ())}
        attrs["chains"] = sorted(found, key=order.__getitem__)
        attrs["local"] = loc
        node_rows.append((cid, attrs))
        edges += [(cid, n, k) for n, k in ties[r]]
    g.add_nodes_from(node_rows)
    for u, v, k in edges:
        g.add_edge(u, v, key=k, kind=k)


def with_firms_shown(g: nx.MultiDiGraph, view: Any, firms: Iterable[str]) -> tuple[nx.MultiDiGraph, dict[str, Any]]:
    """``g`` with the store firms named in ``firms`` (ids or names, those not nodes yet) made nodes (a copy
    when there are any) and what the store keeps beside it (:meth:`chainmap.firmstore.StoreView.kept`)."""
    found = view.store.find(f for f in firms if f not in g)
    rows = sorted({r for r in found.values() if not view.shown[r]})
    if not rows:
        return g, view.kept()
    g, view = g.copy(), view.copy()
    add_store_firms(g, view, rows)
    return g, view.kept()


def _add_chains(g: nx.MultiDiGraph, lib: Library, scope: _Scope) -> None:
    """Chain and segment nodes, the links, technologies and components, and the edges between them."""
    selected, membership, parts, levels = scope.selected, scope.membership, scope.parts, scope.levels
    chains_of = scope.chains_of
    for cid in selected:
        layout = lib.chains[cid]
        g.add_node(
            chain_node(cid),
            kind="chain",
            name=layout.chain.name,
            name_en=layout.chain.name_en or "",
            description=layout.chain.description or "",
            chains=[cid],
        )
        for i, (sid, sname, _members) in enumerate(layout.segments):
            g.add_node(segment_node(cid, sid), kind="segment", name=sname, chains=[cid], order=i)
            g.add_edge(segment_node(cid, sid), chain_node(cid), key="part_of", kind="part_of")

    for nid in sorted(set(membership) | set(parts)):
        n = lib.nodes[nid]
        attrs: dict[str, Any] = {"kind": n.kind, "name": n.name, "name_en": n.name_en or "", "chains": chains_of([nid])}
        if n.aliases:
            attrs["aliases"] = n.aliases
        if n.keywords:
            attrs["keywords"] = n.keywords
        if n.kind == "link":
            attrs["key"] = n.key
            attrs["level"] = levels[nid]
            attrs["home_chain"] = n.chain
            if n.role:
                attrs["role"] = n.role
        if n.kind == "component":
            attrs["type"] = n.type or "component"
        if n.note:
            attrs["note"] = n.note
        g.add_node(nid, **attrs)

    for cid in selected:
        for sid, _name, members in lib.chains[cid].segments:
            for link in members:
                g.add_edge(link, segment_node(cid, sid), key="part_of", kind="part_of")
    for a, b in lib.feeds:
        if a in membership and b in membership:
            g.add_edge(a, b, key="feeds", kind="feeds")
    for link, tech in lib.requires:
        if link in membership:
            g.add_edge(link, tech, key="requires", kind="requires")
    for link, comp in lib.uses:
        if link in membership:
            g.add_edge(link, comp, key="uses", kind="uses")


def _add_institutions(g: nx.MultiDiGraph, lib: Library, scope: _Scope) -> None:
    """Research institutions at the selected nodes, with researches / holds edges."""
    chains_of = scope.chains_of
    for iid, inst in sorted(lib.institutions.items()):
        targets = [t for t in dict.fromkeys(inst.researches + inst.holds) if t in g]
        if not targets:
            continue
        g.add_node(
            iid,
            kind="institution",
            name=inst.name,
            name_en=inst.name_en or "",
            type=inst.type or "",
            province=inst.province or "",
            city=inst.city or "",
            chains=chains_of(targets),
            source="；".join(inst.source),
            as_of=inst.as_of.isoformat() if inst.as_of else "",
        )
        for t in dict.fromkeys(inst.researches):
            if t in g:
                g.add_edge(iid, t, key="researches", kind="researches")
        for t in dict.fromkeys(inst.holds):
            if t in g:
                g.add_edge(iid, t, key="holds", kind="holds")


def _add_firms(
    g: nx.MultiDiGraph, lib: Library, scope: _Scope, region: Region | None, extra: dict[str, Company] | None = None
) -> None:
    """Firms at the selected nodes (operates / makes / holds), their supply and ownership ties; ``extra``:
    firms of the store made nodes too (a curated record with the same id wins)."""
    chains_of = scope.chains_of
    # Firms last, in bulk: with 100k+ imported firms this loop is most of the build.
    present = set(g)
    companies = {**extra, **lib.companies} if extra else lib.companies
    included: list[Company] = []
    node_rows: list[tuple[str, dict[str, Any]]] = []
    tie_rows: list[tuple[str, str, str]] = []
    chains_memo: dict[tuple[str, ...], list[str]] = {}  # imported firms share a few tie patterns
    for cid in sorted(companies):
        c = companies[cid]
        ops = [t for t in c.operates if t in present]
        mks = [t for t in c.makes if t in present]
        hds = [t for t in c.holds if t in present]
        if not (ops or mks or hds):
            continue
        included.append(c)
        key = (*ops, "", *mks, "", *hds)
        found = chains_memo.get(key)
        if found is None:
            found = chains_memo[key] = chains_of(ops + mks + hds)
        node_rows.append((cid, _company_attrs(c, list(found), is_local(c, region))))
        for role, targets in zip(TIE_ROLES, (ops, mks, hds), strict=True):
            tie_rows.extend((cid, t, role) for t in dict.fromkeys(targets))
    g.add_nodes_from(node_rows)
    add_edge = g.add_edge
    for u, v, role in tie_rows:
        add_edge(u, v, key=role, kind=role)
    for c in included:
        for tie in c.supplies:
            if tie.to in g and g.nodes[tie.to]["kind"] == "company":
                attrs = {"kind": "supplies"}
                if tie.product:
                    attrs["product"] = tie.product
                if tie.source:
                    attrs["evidence"] = tie.source  # not "source": node-link JSON uses that key for the start node
                g.add_edge(c.id, tie.to, key="supplies", **attrs)
        if c.parent and c.parent in g and g.nodes[c.parent]["kind"] == "company":
            g.add_edge(c.id, c.parent, key="subsidiary_of", kind="subsidiary_of")


def to_node_link(g: nx.MultiDiGraph) -> dict[str, Any]:
    """networkx node-link data (``edges`` key, as networkx >= 3.4 names it), JSON-ready."""
    return nx.node_link_data(g, edges="edges")
