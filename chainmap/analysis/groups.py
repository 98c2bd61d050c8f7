"""Company groups: each firm's top parent (following ``parent`` up) and the group's local sites, so a
target list shows one group once and tells new investors (新引进) from existing ones (存量增资).

Examples
--------
>>> from chainmap.model import Company, Region
>>> mk = lambda **k: Company(source=["s"], as_of="2024-01-01", **k)
>>> firms = {c.id: c for c in (
...     mk(id="holding", name="甲集团", short_name="甲集团", city="苏州市"),
...     mk(id="plant", name="甲连云港", short_name="甲连云港", parent="holding", city="连云港市"),
...     mk(id="sister", name="甲化纤", short_name="甲化纤", parent="holding", city="苏州市"))}
>>> grp = company_groups(firms, Region(id="r", name="连云港市", province="江苏省", city="连云港市"))
>>> grp.top["sister"], grp.local_sites["holding"]
('holding', ['plant'])
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import networkx as nx

from ..graph import is_local
from ..model import Company, Region

__all__ = ["Groups", "company_groups", "groups_from_graph"]


@dataclass(frozen=True)
class Groups:
    """``top``: firm id -> top parent id (itself when it has no known parent); ``names``: group id ->
    short name; ``local_sites``: group id -> ids of the group's local firms; ``site_names``: firm id ->
    short name (for the sites); ``site_nodes``: local firm id -> node ids it works at."""

    top: dict[str, str] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    local_sites: dict[str, list[str]] = field(default_factory=dict)
    site_names: dict[str, str] = field(default_factory=dict)
    site_nodes: dict[str, list[str]] = field(default_factory=dict)

    def group_of(self, firm: str) -> str:
        """The top parent of ``firm`` (the firm itself when unknown)."""
        return self.top.get(firm, firm)


def _top(firm: str, parent: Mapping[str, str | None]) -> str:
    seen = {firm}
    while parent.get(firm) and parent[firm] not in seen:
        firm = parent[firm]  # type: ignore[assignment]
        seen.add(firm)
    return firm


def company_groups(companies: Mapping[str, Company], region: Region) -> Groups:
    """Groups over the whole library (a parent or local site outside the selected chains still counts).

    Examples
    --------
    >>> from chainmap.model import Company, Region
    >>> c = Company(id="solo", name="独立公司", source=["s"], as_of="2024-01-01")
    >>> company_groups({"solo": c}, Region(id="r", name="R", province="江苏省", city="连云港市")).group_of("solo")
    'solo'
    """
    parent = {cid: c.parent if c.parent in companies else None for cid, c in companies.items()}
    top = {cid: _top(cid, parent) for cid in companies}
    names = {cid: companies[cid].display_name for cid in set(top.values())}
    local_sites: dict[str, list[str]] = {}
    site_names, site_nodes = {}, {}
    for cid in sorted(companies):
        c = companies[cid]
        if is_local(c, region):
            local_sites.setdefault(top[cid], []).append(cid)
            site_names[cid] = c.display_name
            site_nodes[cid] = list(dict.fromkeys([*c.operates, *c.makes, *c.holds]))
    return Groups(top, names, local_sites, site_names, site_nodes)


def groups_from_graph(g: nx.MultiDiGraph) -> Groups:
    """Groups from the firms in ``g`` alone (their ``parent`` and ``local`` attributes).

    Examples
    --------
    >>> g = nx.MultiDiGraph()
    >>> g.add_node("p", kind="company", short_name="P", local=False)
    >>> g.add_node("s", kind="company", short_name="S", local=True, parent="p")
    >>> groups_from_graph(g).local_sites
    {'p': ['s']}
    """
    firms = {n: d for n, d in g.nodes(data=True) if d["kind"] == "company"}
    parent = {n: d.get("parent") if d.get("parent") in firms else None for n, d in firms.items()}
    top = {n: _top(n, parent) for n in firms}
    names = {t: firms[t]["short_name"] for t in set(top.values())}
    local_sites: dict[str, list[str]] = {}
    site_names, site_nodes = {}, {}
    for n in sorted(firms):
        if firms[n].get("local"):
            local_sites.setdefault(top[n], []).append(n)
            site_names[n] = firms[n]["short_name"]
            site_nodes[n] = sorted(v for v, keys in g.succ[n].items() if {"operates", "makes", "holds"} & set(keys))
    return Groups(top, names, local_sites, site_names, site_nodes)
