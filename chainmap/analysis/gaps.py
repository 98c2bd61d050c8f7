"""Gap analysis (补链 / 延链 / 强链) of a graph relative to a region profile: one basis for every output.

:func:`chain_gaps` judges every link, key technology and key component in each chain that holds it
(classify: :mod:`.classify`; score: :mod:`.score`; explain: :mod:`.explain`) and returns one row per
(chain, node). :func:`gaps` keeps one row per node, its most urgent per-chain result, naming the chain
it comes from. A one-chain graph gives the same rows either way, so ``gaps CHAIN``, ``gaps --all``,
the maps, the index page, the workbook and the API read the same status, gap type, priority and
reason for the same node in the same chain.

Examples
--------
>>> import networkx as nx
>>> from chainmap.model import Region
>>> g = nx.MultiDiGraph(chains=["x"])
>>> for n in "abc":
...     g.add_node(n, kind="link", name=n.upper(), chains=["x"], key=False)
>>> _ = g.add_edge("a", "b", key="feeds"); _ = g.add_edge("b", "c", key="feeds")
>>> for f in "ac":
...     g.add_node("f" + f, kind="company", local=True, short_name="F" + f, tags=[]); _ = g.add_edge("f" + f, f, key="operates")
>>> df = gaps(g, Region(id="r", name="R", province="江苏省"))
>>> df.set_index("node").loc["b", ["status", "gap_type"]].tolist()
['missing', 'fill']
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import networkx as nx
import pandas as pd

from ..model import Region
from ..vocab import CHAIN_NODE_KINDS, GAP_ORDER, columns
from .classify import chain_flow, judge_link, presence, short_names, status_of, with_store_firms
from .explain import link_reason, part_reason, presence_text, suffixes
from .score import gap_priority

__all__ = ["chain_gaps", "completeness", "gaps", "project_labels"]

GAP_NODE_KINDS = CHAIN_NODE_KINDS
COMPLETENESS_COLUMNS = columns("completeness")
GAP_COLUMNS = columns("gaps")
_KIND_ORDER = {"link": 0, "technology": 1, "component": 2}


def project_labels(items: Sequence[Mapping[str, Any]]) -> list[str]:
    """Ledger projects as ``名称（阶段）``, in the order given.

    Examples
    --------
    >>> project_labels([{"name": "年产10万吨切片项目", "stage": "签约"}, {"id": 7}])
    ['年产10万吨切片项目（签约）', '7']
    """
    out = []
    for p in items:
        name = str(p.get("name") or p.get("project") or p.get("id") or "")
        stage = p.get("stage")
        out.append(f"{name}（{stage}）" if stage else name)
    return out


def _chains(g: nx.MultiDiGraph) -> list[str]:
    found = g.graph.get("chains")
    if found:
        return list(found)
    return sorted({c for _n, d in g.nodes(data=True) if d["kind"] in GAP_NODE_KINDS for c in d.get("chains", ())})


def _feasibility_of(feasibility: pd.DataFrame | None) -> dict[tuple[str, str], dict[str, float]]:
    if feasibility is None or feasibility.empty:
        return {}
    return {
        (c, n): {"rca": round(float(r), 3), "density": round(float(d), 3)}
        for c, n, r, d in zip(
            feasibility["chain"], feasibility["node"], feasibility["rca"], feasibility["density"], strict=True
        )
        if pd.notna(d)
    }


class _Context:
    """What every chain's judgement shares: presence and status of each node, profile, projects."""

    def __init__(self, g: nx.MultiDiGraph, region: Region, projects, feasibility, outside=None, local=None) -> None:
        self.g, self.region = g, region
        self.nodes = {n: d for n, d in g.nodes(data=True) if d["kind"] in GAP_NODE_KINDS}
        self.overrides = {o.node: o for o in region.strength_overrides}
        self.pres = {n: presence(g, n, region) for n in self.nodes}
        outside, local = outside or {}, local or {}
        for n in set(outside) | set(local):  # firms kept in the store, not nodes of g
            if n in self.pres:
                self.pres[n] = with_store_firms(g, self.pres[n], outside.get(n, 0), local.get(n, []))
        self.stat = {
            n: status_of(p, region, self.overrides[n].status if n in self.overrides else None)
            for n, p in self.pres.items()
        }
        self.text = {
            n: presence_text(g, self.pres[n], *self.stat[n], region, self.overrides.get(n)) for n in self.nodes
        }
        self.projects = {n: project_labels(v) for n, v in (projects or {}).items() if v}
        self.feas = _feasibility_of(feasibility)

    def row(self, chain: str, n: str, gap_type: str | None, reason: str, key: bool, dep: tuple[int, float, float]):
        d, p = self.nodes[n], self.pres[n]
        down, down_share, between_share = dep
        feas = self.feas.get((chain, n))
        part = d["kind"] != "link"
        priority, breakdown = gap_priority(
            gap_type,
            key=key,
            downstream_share=down_share,
            between_share=between_share,
            weights=self.region.gap_weights,
            density=feas["density"] if feas else None,
            part=part,
        )
        projects = self.projects.get(n, [])
        reason += suffixes(
            kind=d["kind"],
            key=key,
            downstream=down,
            projects=projects,
            density=feas["density"] if feas else None,
            gap=gap_type is not None,
        )
        return {
            "chain": chain,
            "chains": list(d["chains"]),
            "node": n,
            "name": d["name"],
            "kind": d["kind"],
            "role": d.get("role"),
            "key": key,
            "status": self.stat[n][0],
            "gap_type": gap_type,
            "local_firms": len(p.local),
            "local_names": short_names(self.g, p, p.local),
            "candidates": p.outside,
            "downstream": down,
            "projects": projects,
            "feasibility": feas,
            "priority": priority,
            "breakdown": breakdown,
            "reason": reason + "。",
        }


def _chain_rows(ctx: _Context, chain: str) -> list[dict]:
    g, nodes, stat = ctx.g, ctx.nodes, ctx.stat
    flow = chain_flow(g, chain)
    present = {n for n in flow if stat[n][0] != "missing"}
    total = max(flow.number_of_nodes(), 1)
    between = nx.betweenness_centrality(flow, normalized=True) if flow.number_of_edges() else {}
    max_between = max(between.values(), default=0) or 1.0
    downstream = {n: len(nx.descendants(flow, n)) for n in flow}
    dep = {n: (downstream[n], downstream[n] / total, between.get(n, 0.0) / max_between) for n in flow}
    reach = ctx.region.thresholds.fill_reach
    rows, link_type = [], {}
    for n in flow:
        role, st = nodes[n].get("role"), stat[n][0]
        j = judge_link(flow, n, present, reach) if st == "missing" and not role else None
        link_type[n] = j.gap_type if j else ("strengthen" if st == "weak" and not role else None)
        reason = link_reason(g, j, st, ctx.text[n], role)
        rows.append(ctx.row(chain, n, link_type[n], reason, bool(nodes[n].get("key")), dep[n]))
    for n, d in nodes.items():
        if d["kind"] == "link" or chain not in d.get("chains", ()):
            continue
        owners = sorted(u for u, keys in g.pred[n].items() if u in flow and ("requires" in keys or "uses" in keys))
        eligible = [o for o in owners if not nodes[o].get("role")]
        st = stat[n][0]
        if not eligible:
            gap_type = None
        elif st == "weak":
            gap_type = "strengthen"
        elif st == "missing":
            if any(o in present for o in eligible):
                gap_type = "extend"
            else:
                types = {link_type[o] for o in eligible}
                gap_type = "fill" if "fill" in types else ("extend" if "extend" in types else None)
        else:
            gap_type = None
        reason = part_reason(g, d["kind"], st, ctx.text[n], owners, [o for o in eligible if o in present], gap_type)
        key = any(nodes[o].get("key") for o in owners)
        w = ctx.region.gap_weights
        best = max(
            (dep[o] for o in owners), key=lambda t: t[1] * w.downstream + t[2] * w.betweenness, default=(0, 0.0, 0.0)
        )
        rows.append(ctx.row(chain, n, gap_type, reason, key, best))
    return rows


def _sorted(df: pd.DataFrame, by_chain: bool, chain_order: list[str]) -> pd.DataFrame:
    if df.empty:
        return df
    df = df.assign(
        _c=df["chain"].map({c: i for i, c in enumerate(chain_order)}),
        _t=df["gap_type"].map(GAP_ORDER),
        _k=df["kind"].map(_KIND_ORDER),
    )
    keys = ["priority", "_t", "_k", "node"]
    asc = [False, True, True, True]
    if by_chain:
        keys, asc = ["_c", *keys], [True, *asc]
    df = df.sort_values(keys, ascending=asc, kind="mergesort").drop(columns=["_c", "_t", "_k"])
    df = df.reset_index(drop=True)
    # keep "no gap" as None (pandas would turn it into NaN in a string column)
    df["gap_type"] = pd.Series([v if isinstance(v, str) else None for v in df["gap_type"]], dtype=object)
    df["role"] = pd.Series([v if isinstance(v, str) else None for v in df["role"]], dtype=object)
    return df


def chain_gaps(
    g: nx.MultiDiGraph,
    region: Region,
    *,
    projects: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
    feasibility: pd.DataFrame | None = None,
    outside: Mapping[str, int] | None = None,
    local: Mapping[str, list[tuple[str, str]]] | None = None,
) -> pd.DataFrame:
    """One row per (chain, node): each link, key technology and key component judged in each chain of
    ``g`` that holds it, on that chain's own ``feeds`` edges (columns of ``OUTPUTS["gaps"]``).

    ``outside``: node id -> firms outside the region working there that are not nodes of ``g`` (imported
    firms kept in the store: :meth:`chainmap.firmstore.StoreView.outside`), added to the candidates;
    ``local``: node id -> (short name, id) of local firms working there that are not nodes of ``g``.

    ``projects``: node id -> live ledger projects there (dicts with ``name`` and ``stage``), named in the
    reason. ``feasibility``: the table of :func:`chainmap.analysis.feasibility.feasibility`; its density
    enters the priority (``gap_weights.density``). Rows by chain (graph order), then priority.

    Examples
    --------
    >>> import networkx as nx
    >>> from chainmap.model import Region
    >>> g = nx.MultiDiGraph(chains=["x", "y"])
    >>> g.add_node("a", kind="link", name="A", chains=["x", "y"], key=False)
    >>> g.add_node("b", kind="link", name="B", chains=["x"], key=False)
    >>> _ = g.add_edge("b", "a", key="feeds")
    >>> g.add_node("f", kind="company", local=True, short_name="F", tags=[]); _ = g.add_edge("f", "b", key="operates")
    >>> t = chain_gaps(g, Region(id="r", name="R", province="江苏省"))
    >>> t[t.node == "a"][["chain", "gap_type"]].values.tolist()
    [['x', 'extend'], ['y', None]]
    """
    ctx = _Context(g, region, projects, feasibility, outside, local)
    order = _chains(g)
    rows = [r for chain in order for r in _chain_rows(ctx, chain)]
    return _sorted(pd.DataFrame(rows, columns=GAP_COLUMNS), True, order)


def gaps(
    g: nx.MultiDiGraph,
    region: Region,
    *,
    projects: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
    feasibility: pd.DataFrame | None = None,
    by_chain: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per link, key technology and key component: its most urgent per-chain result (highest
    priority; then fill, extend, strengthen; then the first chain), ``chain`` naming the chain it comes from.

    Rows are sorted by priority (highest first); ties by gap type, kind, then id. ``by_chain``: the
    :func:`chain_gaps` table when already computed (else it is computed with ``projects`` and
    ``feasibility``). A node that is no gap in any chain has priority 0.

    Examples
    --------
    >>> import networkx as nx
    >>> from chainmap.model import Region
    >>> g = nx.MultiDiGraph(chains=["x"])
    >>> g.add_node("a", kind="link", name="A", chains=["x"], key=True, role="resource")
    >>> gaps(g, Region(id="r", name="R", province="江苏省"))[["status", "gap_type", "reason"]].values.tolist()
    [['missing', None, '资源保障环节，不作为招商缺口；本地尚无企业。']]
    """
    table = by_chain if by_chain is not None else chain_gaps(g, region, projects=projects, feasibility=feasibility)
    order = _chains(g)
    if table.empty:
        return table.copy()
    ranked = _sorted(table, False, order)
    ranked["_c"] = ranked["chain"].map({c: i for i, c in enumerate(order)})
    ranked["_t"] = ranked["gap_type"].map(GAP_ORDER)
    ranked = ranked.sort_values(["node", "priority", "_t", "_c"], ascending=[True, False, True, True], kind="mergesort")
    best = ranked.drop_duplicates("node", keep="first").drop(columns=["_c", "_t"])
    return _sorted(best.reset_index(drop=True), False, order)


def _completeness_row(chain: str, name: str, links: pd.DataFrame, parts: pd.DataFrame) -> dict:
    n = len(links)
    present = links["status"] != "missing"
    weight = links["key"].map({True: 2, False: 1})
    counts = links["gap_type"].value_counts()
    return {
        "chain": chain,
        "name": name,
        "links": n,
        "key_links": int(links["key"].sum()),
        "strong": int((links["status"] == "strong").sum()),
        "weak": int((links["status"] == "weak").sum()),
        "missing": int((links["status"] == "missing").sum()),
        "completeness": round(float(present.mean()) if n else 0.0, 3),
        "weighted_completeness": round(float((weight * present).sum() / weight.sum()) if n else 0.0, 3),
        "key_present": int((links["key"].astype(bool) & present).sum()),
        "fill": int(counts.get("fill", 0)),
        "extend": int(counts.get("extend", 0)),
        "strengthen": int(counts.get("strengthen", 0)),
        "part_gaps": int(parts["gap_type"].notna().sum()),
    }


def completeness(g: nx.MultiDiGraph, gaps_df: pd.DataFrame, by_chain: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per chain (and overall, ``all``): share of links the region has (strong or weak), also weighted with
    key links counting double; links of each gap type and technology / component gaps (``part_gaps``).

    Each chain's row counts that chain's own judgement (``by_chain``, the :func:`chain_gaps` table; without
    it the rows of ``gaps_df`` of the chain's nodes); the ``all`` row counts ``gaps_df`` (one row per node).

    Examples
    --------
    >>> import networkx as nx
    >>> from chainmap.model import Region
    >>> g = nx.MultiDiGraph(chains=["x"]); g.add_node("chain:x", kind="chain", name="X链")
    >>> g.add_node("a", kind="link", name="A", chains=["x"], key=True)
    >>> df = gaps(g, Region(id="r", name="R", province="江苏省"))
    >>> completeness(g, df)[["chain", "links", "missing", "completeness"]].values.tolist()
    [['x', 1, 1, 0.0], ['all', 1, 1, 0.0]]
    """
    rows = []
    for cid in _chains(g):
        if by_chain is not None:
            sub = by_chain[by_chain["chain"] == cid]
        else:
            sub = gaps_df[gaps_df["chains"].map(lambda cs, c=cid: c in cs)]
        name = g.nodes[f"chain:{cid}"]["name"] if f"chain:{cid}" in g else cid
        rows.append(_completeness_row(cid, name, sub[sub["kind"] == "link"], sub[sub["kind"] != "link"]))
    rows.append(
        _completeness_row("all", "全部", gaps_df[gaps_df["kind"] == "link"], gaps_df[gaps_df["kind"] != "link"])
    )
    return pd.DataFrame(rows, columns=COMPLETENESS_COLUMNS)
