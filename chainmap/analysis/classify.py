"""Classify the nodes of a graph: local presence, status (strong / weak / missing) and, per chain, the gap
type of each node on that chain's own material flow.

Status is a property of the node (the same local firms sit at a shared link in every chain); the gap type
is judged per chain, on the ``feeds`` edges between that chain's own links, within
``thresholds.fill_reach`` steps:

* fill (补链): a missing link with a present link at most ``fill_reach`` steps upstream AND at most
  ``fill_reach`` steps downstream in the chain: the local chain is broken there;
* extend (延链): a missing link directly next to a present link, or a missing technology / component
  of a present link;
* strengthen (强链): a present but weak node.

Links with ``role`` resource (资源保障) or service (配套服务) keep their status but are never gaps; they
still count as local presence for their neighbours.

Examples
--------
>>> import networkx as nx
>>> f = nx.DiGraph([("a", "b"), ("b", "c")])
>>> judge_link(f, "b", {"a", "c"}, reach=2).gap_type
'fill'
>>> judge_link(f, "c", {"a"}, reach=2).gap_type is None
True
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import networkx as nx

from ..model import Region
from ..vocab import COMPANY_STATUS_ACTIVE, COMPANY_STATUS_PRESENT, ROLE_OF_KIND

__all__ = [
    "LinkJudgement",
    "Presence",
    "chain_flow",
    "judge_link",
    "presence",
    "short_names",
    "status_of",
    "with_store_firms",
]


@dataclass(frozen=True)
class Presence:
    """Who works at a node: local firm ids (sorted by short name), the count outside, leader, capacity."""

    local: list[str]
    outside: int
    leader: bool
    capacity: dict[str, float] = field(default_factory=dict)  # unit -> summed local capacity
    capacity_firms: list[str] = field(default_factory=list)  # local firms with a capacity here
    names: dict[str, str] = field(default_factory=dict)  # short names of local firms that are not graph nodes


def short_names(g: nx.MultiDiGraph, p: Presence, ids: list[str]) -> list[str]:
    """The short names of local firms ``ids`` of ``p``, graph nodes or not."""
    return [p.names[i] if i in p.names else g.nodes[i]["short_name"] for i in ids]


def with_store_firms(g: nx.MultiDiGraph, p: Presence, outside: int, local: list[tuple[str, str]]) -> Presence:
    """``p`` with the firms of the store that are not nodes of ``g``: ``outside`` more outside the region,
    and the ``local`` ones as (short name, id), merged into the local list in its order.

    Examples
    --------
    >>> g = nx.MultiDiGraph(); g.add_node("f", short_name="乙")
    >>> q = with_store_firms(g, Presence(["f"], 1, False), 2, [("甲", "imp_1")])
    >>> q.local, q.outside, q.names
    (['f', 'imp_1'], 3, {'imp_1': '甲'})
    """
    if not local:
        return replace(p, outside=p.outside + outside) if outside else p
    merged = sorted([*((g.nodes[f]["short_name"], f) for f in p.local), *local])
    names = {**p.names, **{f: n for n, f in local}}
    return replace(p, local=[f for _n, f in merged], outside=p.outside + outside, names=names)


def presence(g: nx.MultiDiGraph, node: str, region: Region) -> Presence:
    """The firms working at ``node`` (``operates`` a link, ``makes`` a component, ``holds`` a technology):
    the local ones registered as present (存续, 在业, 迁入), a count of the outside ones that may be targets.

    Examples
    --------
    >>> from chainmap.model import Region
    >>> g = nx.MultiDiGraph()
    >>> g.add_node("pta", kind="link")
    >>> g.add_node("f", kind="company", local=True, short_name="F", tags=[],
    ...            capacities=[{"link": "pta", "value": 390.0, "unit": "万吨/年"}])
    >>> g.add_edge("f", "pta", key="operates")
    'operates'
    >>> p = presence(g, "pta", Region(id="r", name="R", province="江苏省"))
    >>> p.local, p.capacity
    (['f'], {'万吨/年': 390.0})
    """
    role = ROLE_OF_KIND[g.nodes[node]["kind"]]
    local, outside, leader = [], 0, False
    capacity: dict[str, float] = {}
    cap_firms: list[str] = []
    leaders = set(region.thresholds.leader_tags)
    nodes = g.nodes
    for firm, keys in g.pred[node].items():  # the adjacency itself: 100k+ firms may sit on a few nodes
        if role not in keys:
            continue
        d = nodes[firm]
        if d["kind"] != "company":
            continue
        status = d.get("status") or "存续"
        if not d.get("local"):
            outside += status in COMPANY_STATUS_ACTIVE  # a closed firm is no candidate
            continue
        if status not in COMPANY_STATUS_PRESENT:
            continue  # closed, suspended or moved away: no local strength
        local.append(firm)
        leader = leader or not leaders.isdisjoint(d.get("tags", ()))
        for cap in d.get("capacities", ()):
            if cap["link"] == node:
                capacity[cap["unit"]] = capacity.get(cap["unit"], 0.0) + float(cap["value"])
                if firm not in cap_firms:
                    cap_firms.append(firm)
    local.sort(key=lambda n: (nodes[n]["short_name"], n))
    cap_firms.sort(key=lambda n: (nodes[n]["short_name"], n))
    return Presence(local, outside, leader, capacity, cap_firms)


def status_of(p: Presence, region: Region, override: str | None = None) -> tuple[str, str]:
    """Status and the rule that decided it: ``override`` (the profile), ``capacity``, ``leader``,
    ``count`` (firm count) or ``none`` (no local firm).

    Examples
    --------
    >>> from chainmap.model import Region
    >>> r = Region(id="r", name="R", province="江苏省")
    >>> status_of(Presence(["f"], 0, False, {"万吨/年": 390.0}), r)
    ('strong', 'capacity')
    >>> status_of(Presence(["f"], 0, False), r)
    ('weak', 'count')
    >>> status_of(Presence([], 3, False), r, override="strong")
    ('strong', 'override')
    """
    if override:
        return override, "override"
    if not p.local:
        return "missing", "none"
    th = region.thresholds
    if any(p.capacity.get(unit, 0.0) >= need for unit, need in th.strong_capacity.items()):
        return "strong", "capacity"
    if p.leader:
        return "strong", "leader"
    return ("strong" if len(p.local) >= th.strong_min_firms else "weak"), "count"


def chain_flow(g: nx.MultiDiGraph, chain: str) -> nx.DiGraph:
    """The chain's own material flow: its links and the ``feeds`` edges between two of them.

    Examples
    --------
    >>> g = nx.MultiDiGraph()
    >>> g.add_node("a", kind="link", chains=["x"]); g.add_node("b", kind="link", chains=["x", "y"])
    >>> g.add_node("c", kind="link", chains=["y"])
    >>> _ = g.add_edge("a", "b", key="feeds"); _ = g.add_edge("b", "c", key="feeds")
    >>> sorted(chain_flow(g, "x").edges())
    [('a', 'b')]
    """
    f = nx.DiGraph()
    links = [n for n, d in g.nodes(data=True) if d["kind"] == "link" and chain in d.get("chains", ())]
    f.add_nodes_from(links)
    succ = g.succ  # the links' own adjacency: a graph with many firm nodes has many more edges
    f.add_edges_from((u, v) for u in links for v, keys in succ[u].items() if "feeds" in keys and v in f)
    return f


@dataclass(frozen=True)
class LinkJudgement:
    """The gap type of a missing link in one chain and the nearest present links on each side
    (ids sorted, with their distance in feeds steps; empty when none is within reach)."""

    gap_type: str | None
    up: list[str]
    up_dist: int
    down: list[str]
    down_dist: int


def _nearest(lengths: Mapping[str, int], present: set[str]) -> tuple[list[str], int]:
    found = {n: d for n, d in lengths.items() if d > 0 and n in present}
    if not found:
        return [], 0
    best = min(found.values())
    return sorted(n for n, d in found.items() if d == best), best


def judge_link(flow: nx.DiGraph, node: str, present: set[str], reach: int) -> LinkJudgement:
    """Fill, extend or nothing for a missing link ``node`` of a chain's ``flow``, given the present links.

    Examples
    --------
    >>> f = nx.DiGraph([("a", "b"), ("b", "c"), ("c", "d")])
    >>> j = judge_link(f, "b", {"a", "d"}, reach=2)
    >>> j.gap_type, j.up, j.up_dist, j.down, j.down_dist
    ('fill', ['a'], 1, ['d'], 2)
    >>> judge_link(f, "b", {"a", "d"}, reach=1).gap_type
    'extend'
    """
    up, up_d = _nearest(nx.single_source_shortest_path_length(flow.reverse(copy=False), node, cutoff=reach), present)
    down, down_d = _nearest(nx.single_source_shortest_path_length(flow, node, cutoff=reach), present)
    if up and down:
        kind: str | None = "fill"
    elif up_d == 1 or down_d == 1:
        kind = "extend"
    else:
        kind = None
    return LinkJudgement(kind, up, up_d, down, down_d)
