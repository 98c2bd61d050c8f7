"""Gap analysis (补链 / 延链 / 强链) of a graph relative to a region profile.

For every link, key technology and key component of the graph's chains we count the local firms
working there (``operates`` a link, ``makes`` a component, ``holds`` a technology), decide its
status from the profile's thresholds, and derive the gap type from the node's place in the chain:

* fill (补链): a missing link with local presence both upstream and downstream of it on the
  ``feeds`` graph: the local chain is broken there;
* extend (延链): a missing link one step up- or downstream of a present link, or a missing
  technology / component of a present link: the edge of what the region has;
* strengthen (强链): a present but weak node (too few firms, no leading firm).

Priority (0-100) combines the gap type (fill 50, extend 35, strengthen 25), whether the node is key
(+20), and how much of the chain depends on it (up to +20 for the share of links downstream of it, up
to +10 for its betweenness on the ``feeds`` graph). A technology or component takes 0.6 of the
priority its link would have, so links come first. Nodes that are no gap get 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import pandas as pd

from ..model import Region
from ..vocab import CHAIN_NODE_KINDS, GAP_LABELS, GAP_ORDER, ROLE_OF_KIND, columns

GAP_NODE_KINDS = CHAIN_NODE_KINDS
TYPE_BASE = {"fill": 50.0, "extend": 35.0, "strengthen": 25.0}
_TIE_ORDER = GAP_ORDER
_ROLE = ROLE_OF_KIND
COMPLETENESS_COLUMNS = columns("completeness")
GAP_COLUMNS = columns("gaps")


@dataclass(frozen=True)
class _Presence:
    local: list[str]  # local firm node ids, sorted by name
    outside: int  # firms outside the region at this node
    leader: bool


def feeds_graph(g: nx.MultiDiGraph) -> nx.DiGraph:
    """The material-flow graph: links and their ``feeds`` edges only."""
    f = nx.DiGraph()
    f.add_nodes_from(n for n, d in g.nodes(data=True) if d["kind"] == "link")
    f.add_edges_from((u, v) for u, v, k in g.edges(keys=True) if k == "feeds")
    return f


def _presence(g: nx.MultiDiGraph, node: str, region: Region) -> _Presence:
    role = _ROLE[g.nodes[node]["kind"]]
    local, outside, leader = [], 0, False
    leaders = set(region.thresholds.leader_tags)
    nodes = g.nodes
    for firm, keys in g.pred[node].items():  # the adjacency itself: 100k+ firms may sit on a few nodes
        if role not in keys:
            continue
        d = nodes[firm]
        if d["kind"] != "company":
            continue
        if d.get("local"):
            local.append(firm)
            leader = leader or not leaders.isdisjoint(d.get("tags", ()))
        else:
            outside += 1
    local.sort(key=lambda n: (nodes[n]["short_name"], n))
    return _Presence(local, outside, leader)


def _status(p: _Presence, region: Region) -> str:
    if not p.local:
        return "missing"
    if p.leader or len(p.local) >= region.thresholds.strong_min_firms:
        return "strong"
    return "weak"


def _names(g: nx.MultiDiGraph, ids: list[str], limit: int = 3) -> str:
    names = [f"「{g.nodes[i]['name']}」" for i in ids[:limit]]
    return "、".join(names) + (f"等{len(ids)}个" if len(ids) > limit else "")


def _firm_names(g: nx.MultiDiGraph, ids: list[str], limit: int = 3) -> str:
    names = [g.nodes[i]["short_name"] for i in ids[:limit]]
    return "、".join(names) + (f"等{len(ids)}家" if len(ids) > limit else "")


def gaps(g: nx.MultiDiGraph, region: Region) -> pd.DataFrame:
    """One row per link, key technology and key component of ``g``: status, gap type, priority, reason.

    Rows are sorted by priority (highest first); ties by gap type (fill, extend, strengthen), then id.
    ``chain`` is the chain the node is defined in when selected, else its first chain; ``chains``
    lists all chains of the graph it belongs to.
    """
    flow = feeds_graph(g)
    presence = {n: _presence(g, n, region) for n, d in g.nodes(data=True) if d["kind"] in GAP_NODE_KINDS}
    status = {n: _status(p, region) for n, p in presence.items()}
    present = {n for n in flow if status[n] != "missing"}
    total_links = max(flow.number_of_nodes(), 1)
    between = nx.betweenness_centrality(flow, normalized=True) if flow.number_of_edges() else {}
    max_between = max(between.values(), default=0) or 1.0
    downstream = {n: len(nx.descendants(flow, n)) for n in flow}
    link_type: dict[str, str | None] = {}
    link_reason: dict[str, str] = {}
    for n in flow:
        p, st = presence[n], status[n]
        ups = sorted(nx.ancestors(flow, n) & present)
        downs = sorted(nx.descendants(flow, n) & present)
        if st == "missing" and ups and downs:
            near_up = sorted(set(flow.predecessors(n)) & present) or ups
            near_down = sorted(set(flow.successors(n)) & present) or downs
            link_type[n] = "fill"
            link_reason[n] = (
                f"本地已有上游{_names(g, near_up)}和下游{_names(g, near_down)}，缺少本环节，本地链条在此断开"
            )
        elif st == "missing" and (set(flow.predecessors(n)) | set(flow.successors(n))) & present:
            before = sorted(set(flow.predecessors(n)) & present)
            after = sorted(set(flow.successors(n)) & present)
            link_type[n] = "extend"
            side = (
                f"本地已有上游{_names(g, before)}，可向下游延伸"
                if before
                else f"本地已有下游{_names(g, after)}，可向上游延伸"
            )
            link_reason[n] = f"{side}；本地尚无企业"
        elif st == "weak":
            link_type[n] = "strengthen"
            link_reason[n] = (
                f"本地仅{len(p.local)}家企业（{_firm_names(g, p.local)}），未达强链标准"
                f"（≥{region.thresholds.strong_min_firms}家或有{'/'.join(region.thresholds.leader_tags)}企业）"
            )
        elif st == "strong":
            link_type[n] = None
            link_reason[n] = f"本地有{len(p.local)}家企业（{_firm_names(g, p.local)}）" + (
                "，含龙头企业" if p.leader else ""
            )
        else:
            link_type[n] = None
            link_reason[n] = "本地无企业，且与本地已有环节不相邻，暂不列为优先缺口"

    def dependence(n: str) -> float:
        # share of the flow downstream (up to 20 points) plus betweenness (up to 10 points)
        return 20.0 * downstream[n] / total_links + 10.0 * between.get(n, 0.0) / max_between

    rows = []
    for n, p in presence.items():
        d = g.nodes[n]
        kind, st = d["kind"], status[n]
        if kind == "link":
            gap_type, reason = link_type[n], link_reason[n]
            key = bool(d.get("key"))
            dep = dependence(n)
            down = downstream[n]
        else:
            owners = sorted(u for u, _v, k in g.in_edges(n, keys=True) if k in ("requires", "uses"))
            owners_present = [o for o in owners if o in present]
            key = any(g.nodes[o].get("key") for o in owners)
            dep = max((dependence(o) for o in owners), default=0.0)
            down = max((downstream[o] for o in owners), default=0)
            word = "关键技术" if kind == "technology" else "关键部件/材料"
            if st == "weak":
                gap_type = "strengthen"
                reason = f"本地仅{len(p.local)}家企业（{_firm_names(g, p.local)}）掌握该{word}"
            elif st == "strong":
                gap_type, reason = None, f"本地有{len(p.local)}家企业（{_firm_names(g, p.local)}）"
            elif owners_present:
                gap_type = "extend"
                reason = f"本地已有{_names(g, owners_present)}环节，但无企业掌握该{word}"
            else:
                owner_types = [link_type[o] for o in owners]
                gap_type = "fill" if "fill" in owner_types else ("extend" if "extend" in owner_types else None)
                if gap_type:
                    reason = f"所属环节{_names(g, owners)}为{GAP_LABELS[gap_type]}缺口，本地亦无企业掌握该{word}"
                else:
                    reason = f"所属环节{_names(g, owners)}本地尚无基础"
        if gap_type:
            priority = TYPE_BASE[gap_type] + (20.0 if key else 0.0) + dep
            if kind != "link":
                priority *= 0.6  # a technology or component ranks below a link of the same standing
            if key:
                reason += "；重点环节" if kind == "link" else "；属重点环节"
            if kind == "link" and down:
                reason += f"；下游有{down}个环节依赖于此"
        else:
            priority = 0.0
        rows.append(
            {
                "chain": d["chains"][0] if d.get("home_chain") not in d["chains"] else d["home_chain"],
                "chains": list(d["chains"]),
                "node": n,
                "name": d["name"],
                "kind": kind,
                "key": key,
                "status": st,
                "gap_type": gap_type,
                "local_firms": len(p.local),
                "local_names": [g.nodes[f]["short_name"] for f in p.local],
                "candidates": p.outside,
                "downstream": down,
                "priority": round(max(priority, 0.0), 1),
                "reason": reason + "。",
            }
        )
    df = pd.DataFrame(rows, columns=GAP_COLUMNS)
    if df.empty:
        return df
    df["_t"] = df["gap_type"].map(_TIE_ORDER)
    df["_k"] = df["kind"].map({"link": 0, "technology": 1, "component": 2})
    df = df.sort_values(["priority", "_t", "_k", "node"], ascending=[False, True, True, True], kind="mergesort")
    df = df.drop(columns=["_t", "_k"]).reset_index(drop=True)
    # keep "no gap" as None (pandas would turn it into NaN in a string column)
    df["gap_type"] = pd.Series([v if isinstance(v, str) else None for v in df["gap_type"]], dtype=object)
    return df


def completeness(g: nx.MultiDiGraph, gaps_df: pd.DataFrame) -> pd.DataFrame:
    """Per chain (and overall): share of links the region has (strong or weak), also weighted with
    key links counting double; the number of links of each gap type (补链 / 延链 / 强链), and the
    number of key technologies and components that are gaps (``part_gaps``)."""
    links = gaps_df[gaps_df["kind"] == "link"]
    rows = []

    def row(chain: str, name: str, sub: pd.DataFrame, all_gaps: pd.DataFrame) -> dict:
        n = len(sub)
        present = sub["status"] != "missing"
        weight = sub["key"].map({True: 2, False: 1})
        counts = sub["gap_type"].value_counts()
        parts = all_gaps[all_gaps["kind"] != "link"]
        return {
            "chain": chain,
            "name": name,
            "links": n,
            "key_links": int(sub["key"].sum()),
            "strong": int((sub["status"] == "strong").sum()),
            "weak": int((sub["status"] == "weak").sum()),
            "missing": int((sub["status"] == "missing").sum()),
            "completeness": round(float(present.mean()) if n else 0.0, 3),
            "weighted_completeness": round(float((weight * present).sum() / weight.sum()) if n else 0.0, 3),
            "key_present": int((sub["key"] & present).sum()),
            "fill": int(counts.get("fill", 0)),
            "extend": int(counts.get("extend", 0)),
            "strengthen": int(counts.get("strengthen", 0)),
            "part_gaps": int(parts["gap_type"].notna().sum()),
        }

    for cid in g.graph.get("chains", []):
        mask = gaps_df["chains"].map(lambda cs, c=cid: c in cs)
        rows.append(row(cid, g.nodes[f"chain:{cid}"]["name"], links[mask[links.index]], gaps_df[mask]))
    rows.append(row("all", "全部", links, gaps_df))
    return pd.DataFrame(rows, columns=COMPLETENESS_COLUMNS)
