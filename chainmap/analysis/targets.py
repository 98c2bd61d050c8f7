"""Target-firm lists (目标企业清单): firms outside the region that operate at the gap nodes, ranked by a
transparent score, one row per company group (top parent), each marked new (新引进) or existing (存量增资).

A firm whose registration status is not 存续 / 在业 / 迁入 / 迁出 (停业, 注销, 吊销, 破产, 清算) is never a target:
:func:`excluded` lists those left out and why. Resource and service links are never gaps, so a firm
working only there is never a candidate.

Each criterion gives a fraction in [0, 1] that is multiplied by its weight from the region profile
(``weights``), so a criterion's points never exceed its weight and the points add up to the score:

* gap_priority: the highest priority (0-100) among the gaps the firm would fill, / 100;
* coverage: how many gaps one firm fills, min(n, 4) / 4;
* scale: log-scaled revenue or registered capital (10 million yuan -> 0, 100 billion -> 1), at least
  0.5 for a listed firm;
* leadership: the region's leader_tags (default 链主 / 龙头 / 单项冠军) 1.0, 专精特新小巨人 0.7, 专精特新 0.5, 上市 0.4 (the highest);
* priority_region: the weight of the first priority region (长三角 ...) the firm sits in;
* ties: supply ties with local firms either way (以商引商), or a local site of its group: 1 -> 0.75, 2+ -> 1;
* technology: key technologies it holds among the gaps and the gap links' technologies, min(n, 2) / 2.

A group is scored on what its candidate firms bring together: the union of the gaps they fill, ties and
technologies, the best scale and leadership; its row shows the best-scoring member's name and place.

Examples
--------
>>> round(_scale({"registered_capital": 1e9}), 2)
0.5
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable, Mapping
from functools import cache

import networkx as nx
import pandas as pd

from ..errors import UsageError
from ..firmstore import StoreView
from ..model import Region
from ..vocab import COMPANY_STATUS_ACTIVE, LEADERSHIP_POINTS, ROLE_OF_KIND, columns
from .groups import Groups, groups_from_graph
from .storetargets import RankedTargets, inactive_candidates, store_candidates
from .why import Facts, why, why_detail

__all__ = ["CRITERIA", "excluded", "targets"]

CRITERIA = ("gap_priority", "coverage", "scale", "leadership", "priority_region", "ties", "technology")
# Rough yuan rates, used only to compare the scale of firms reporting capital in other currencies.
TO_CNY = {"CNY": 1.0, "USD": 7.1, "HKD": 0.91, "EUR": 7.7, "JPY": 0.048, "GBP": 9.0, "TWD": 0.22, "SGD": 5.3}
TARGET_COLUMNS = columns("targets")
EXCLUDED_COLUMNS = columns("excluded")
_ROLE_OF = ROLE_OF_KIND


def _scale(d: dict) -> float:
    best = 0.0
    for value_key, cur_key in (("revenue", "revenue_currency"), ("registered_capital", "capital_currency")):
        value = d.get(value_key)
        if value:
            cny = value * TO_CNY.get(d.get(cur_key, "CNY"), 1.0)
            best = max(best, min(max((math.log10(cny) - 7) / 4, 0.0), 1.0))
    if d.get("stock_code"):
        best = max(best, 0.5)
    return best


def _leadership(tags: list[str], region: Region) -> tuple[float, str | None]:
    """The best tag's share of the leadership points; the region's own leader_tags earn full points."""
    points = {**LEADERSHIP_POINTS, **dict.fromkeys(region.thresholds.leader_tags, 1.0)}
    best, which = 0.0, None
    for t in tags:
        if points.get(t, 0) > best:
            best, which = points[t], t
    return best, which


def _priority_region(d: dict, region: Region) -> tuple[float, str | None]:
    for pr in region.priority_regions:
        if (d.get("city") and d["city"] in pr.cities) or (d.get("province") and d["province"] in pr.provinces):
            return pr.weight, pr.name
    return 0.0, None


_TIE_PHRASES = {
    ("supplies", "out"): "已向本地企业{}供货",
    ("supplies", "in"): "已向本地企业{}采购",
    ("subsidiary_of", "out"): "是本地企业{}的子公司",
    ("subsidiary_of", "in"): "已在本地设有子公司{}",
}


def _local_ties(g: nx.MultiDiGraph, firm: str) -> list[str]:
    """Phrases for supply ties either way and parent/subsidiary links with local firms (以商引商)."""
    ties = set()
    nodes = g.nodes
    for way, adjacency in (("out", g.succ[firm]), ("in", g.pred[firm])):
        for other, keys in adjacency.items():  # the adjacency itself: edge views cost more per firm
            for k in keys:
                if (k, way) in _TIE_PHRASES and nodes[other].get("local"):
                    ties.add(_TIE_PHRASES[(k, way)].format(nodes[other]["short_name"]))
    return sorted(ties)


def is_active(d: dict) -> bool:
    """A firm may be a target only when registered as 存续 / 在业 (the default when no status is given) or
    as 迁入 / 迁出 (a living firm whose registration moved).

    >>> is_active({}), is_active({"status": "破产"})
    (True, False)
    """
    return d.get("status", "存续") in COMPANY_STATUS_ACTIVE


def _open_gaps(gaps_df: pd.DataFrame, gap: str | None, region: Region) -> pd.DataFrame:
    open_gaps = gaps_df[gaps_df["gap_type"].notna()].set_index("node")
    if gap is None:
        return open_gaps
    if gap not in gaps_df["node"].values:
        import difflib

        guess = difflib.get_close_matches(gap, list(gaps_df["node"]), n=1)
        raise UsageError(
            f"“{gap}”不是所选产业链的环节、技术或部件"
            + (f"（是不是“{guess[0]}”？）" if guess else "")
            + "：请用 chainmap gaps 列出的节点 id"
            + f"（'{gap}' is not a link, technology or component of the selected chains)"
        )
    if gap not in open_gaps.index:
        st = gaps_df.set_index("node").at[gap, "status"]
        said = {"strong": "强", "weak": "弱", "missing": "缺失"}.get(st, st)
        raise UsageError(
            f"“{gap}”在{region.name}不是缺口（本地状态：{said}）：--gap 请选 chainmap gaps 列出、有缺口类型的节点"
            f"（'{gap}' is not a gap for {region.name}, status: {st})"
        )
    return open_gaps


def _candidates(g: nx.MultiDiGraph, kind_of: dict[str, str]) -> dict[str, list[str]]:
    """Firm id -> gap nodes it works at, for firms outside the region."""
    nodes = g.nodes
    firms: dict[str, list[str]] = {}
    for node, kind in kind_of.items():
        role = _ROLE_OF[kind]
        for u, keys in g.pred[node].items():
            if role in keys and nodes[u]["kind"] == "company" and not nodes[u].get("local"):
                firms.setdefault(u, []).append(node)
    return firms


def excluded(g: nx.MultiDiGraph, region: Region, gaps_df: pd.DataFrame, store: StoreView | None = None) -> pd.DataFrame:
    """The firms at the gaps left out of the target list because of their legal status, and why.
    ``store``: the view of the imported firms that are not nodes of ``g`` (they count too).

    Examples
    --------
    >>> g = nx.MultiDiGraph()
    >>> g.add_node("a", kind="link")
    >>> g.add_node("x", kind="company", name="某纺织", status="破产", delisted="2022-05-01")
    >>> _ = g.add_edge("x", "a", key="operates")
    >>> gaps_df = pd.DataFrame({"node": ["a"], "kind": ["link"], "gap_type": ["fill"], "status": ["missing"],
    ...                         "priority": [50.0], "name": ["A"]})
    >>> excluded(g, None, gaps_df)["reason"].tolist()
    ['登记状态为破产，2022-05-01已退市，不列为目标企业']
    """
    open_gaps = gaps_df[gaps_df["gap_type"].notna()]
    kind_of = dict(zip(open_gaps["node"], open_gaps["kind"], strict=True))
    found = [(firm, g.nodes[firm], covers) for firm, covers in _candidates(g, kind_of).items()]
    if store is not None:
        rows, cover = inactive_candidates(store, kind_of)
        ties = store.store.ties_of(rows, cover)
        covers = ([n for n, _k in ties[r]] for r in rows.tolist())
        found += zip(store.store.ids(rows), store.store.attrs(rows), covers, strict=True)
    rows = []
    for firm, d, covers in sorted(found, key=lambda f: f[0]):
        if is_active(d):
            continue
        status = d.get("status", "存续")
        delisted = d.get("delisted")
        rows.append(
            {
                "company": firm,
                "name": d["name"],
                "status": status,
                "delisted": delisted,
                "covers": sorted(set(covers)),
                "reason": f"登记状态为{status}" + (f"，{delisted}已退市" if delisted else "") + "，不列为目标企业",
            }
        )
    return pd.DataFrame(rows, columns=EXCLUDED_COLUMNS)


@cache
def _is_stale(as_of: str, today: dt.date, years: int) -> bool:
    if not as_of:
        return True
    try:
        limit = today.replace(year=today.year - years)
    except ValueError:  # 29 February
        limit = today.replace(year=today.year - years, day=28)
    return dt.date.fromisoformat(as_of) < limit


class _Firm:
    """The scoring facts of one candidate firm."""

    def __init__(self, g: nx.MultiDiGraph, firm: str, covers: Iterable[str], region: Region, gap_techs: set[str]):
        d = g.nodes[firm]
        self.id, self.d = firm, d
        self.covers = set(covers)
        self.lead, self.lead_tag = _leadership(d.get("tags", []), region)
        self.reg_w, self.reg_name = _priority_region(d, region)
        self.ties = [t for t in _local_ties(g, firm) if "子公司" not in t]  # ownership: see the group's sites
        self.techs = {v for v, keys in g.succ[firm].items() if "holds" in keys and v in gap_techs}
        self.scale = _scale(d)


def _breakdown(
    members: list[_Firm], priority_of: dict[str, float], weights, sites: list[str]
) -> tuple[dict[str, float], list[str], list[str], list[str]]:
    covers = sorted(set().union(*(m.covers for m in members)), key=lambda n: (-priority_of[n], n))
    ties = sorted(set().union(*(m.ties for m in members)))
    if sites:
        ties = [f"同集团已在本地设有{'、'.join(sites[:3])}", *ties]
    techs = sorted(set().union(*(m.techs for m in members)))
    frac = {
        "gap_priority": priority_of[covers[0]] / 100.0,
        "coverage": min(len(covers), 4) / 4,
        "scale": max(m.scale for m in members),
        "leadership": max(m.lead for m in members),
        "priority_region": members[0].reg_w,
        "ties": 0.0 if not ties else (0.75 if len(ties) == 1 else 1.0),
        "technology": min(len(techs), 2) / 2,
    }
    breakdown = {c: round(min(frac[c], 1.0) * getattr(weights, c), 2) for c in CRITERIA}
    return breakdown, covers, ties, techs


def targets(
    g: nx.MultiDiGraph,
    region: Region,
    gaps_df: pd.DataFrame,
    *,
    gap: str | None = None,
    top: int | None = None,
    groups: Groups | None = None,
    today: dt.date | None = None,
    store: StoreView | None = None,
) -> pd.DataFrame:
    """Rank the company groups outside the region that work at the gap nodes of ``gaps_df`` (from
    :func:`chainmap.analysis.gaps.gaps`), one row per group (columns of ``OUTPUTS["targets"]``).

    ``gap`` keeps only groups that would fill that node; ``top`` keeps the best N; ``groups`` (from
    :func:`chainmap.analysis.groups.company_groups`, default: the graph's own firms) tells parents and
    local sites; ``today`` dates the ``stale`` flag (default: today); ``store``: the view of the imported
    firms that are not nodes of ``g`` (:class:`chainmap.firmstore.StoreView`), scored vectorised and
    ranked with the rest. Firms not 存续 are left out (see :func:`excluded`). Sorted by score, then gaps
    covered, then company id. :func:`ranked_targets` gives the same list with rows built on demand.

    Examples
    --------
    >>> import datetime as dt
    >>> from chainmap.model import Region
    >>> g = nx.MultiDiGraph()
    >>> g.add_node("a", kind="link", name="聚酯切片")
    >>> for f, st in (("x", "存续"), ("y", "注销")):
    ...     g.add_node(f, kind="company", name=f, short_name=f.upper(), status=st, as_of="2020-01-01", tags=[])
    ...     _ = g.add_edge(f, "a", key="operates")
    >>> gaps_df = pd.DataFrame({"node": ["a"], "kind": ["link"], "gap_type": ["extend"], "status": ["missing"],
    ...                         "priority": [60.0], "name": ["聚酯切片"]})
    >>> t = targets(g, Region(id="r", name="R", province="江苏省"), gaps_df, today=dt.date(2026, 1, 1))
    >>> t[["company", "track", "stale", "why"]].values.tolist()
    [['x', 'new', True, '可补我市聚酯切片环节']]
    """
    ranked = ranked_targets(g, region, gaps_df, gap=gap, groups=groups, today=today, store=store)
    return ranked.frame(top)


def ranked_targets(
    g: nx.MultiDiGraph,
    region: Region,
    gaps_df: pd.DataFrame,
    *,
    gap: str | None = None,
    groups: Groups | None = None,
    today: dt.date | None = None,
    store: StoreView | None = None,
    signals: Callable[[list[str]], Mapping[str, list[tuple]]] | None = None,
) -> RankedTargets:
    """The ranking of :func:`targets`, rows built only when asked for (``.frame(top)``): at national
    scale a terminal table shows 300 rows of hundreds of thousands. ``signals(ids)``: firm id -> its
    recent change signals (:func:`chainmap.firmstore.signal_lookup`), named in why_detail of the rows built."""
    open_gaps = _open_gaps(gaps_df, gap, region)
    groups = groups if groups is not None else groups_from_graph(g)
    today = today or dt.date.today()
    kind_of = dict(zip(open_gaps.index, open_gaps["kind"], strict=True))
    priority_of = {n: float(p) for n, p in zip(open_gaps.index, open_gaps["priority"], strict=True)}
    info = {n: (name, t) for n, name, t in zip(open_gaps.index, open_gaps["name"], open_gaps["gap_type"], strict=True)}
    gap_links = {n for n, k in kind_of.items() if k == "link"}
    gap_techs = {n for n, k in kind_of.items() if k == "technology"} | {
        v for n in gap_links for v, keys in g.succ[n].items() if "requires" in keys
    }
    by_group: dict[str, list[_Firm]] = {}
    for firm, covers in _candidates(g, kind_of).items():
        if is_active(g.nodes[firm]):
            by_group.setdefault(groups.group_of(firm), []).append(_Firm(g, firm, covers, region, gap_techs))
    rows = []
    for grp, members in by_group.items():
        sites = [groups.site_names.get(s, s) for s in groups.local_sites.get(grp, [])]
        if len(members) > 1:  # the best-scoring member on its own fronts the group
            solo = {m.id: sum(_breakdown([m], priority_of, region.weights, sites)[0].values()) for m in members}
            members.sort(key=lambda m: (-solo[m.id], m.id))
        breakdown, covers, ties, techs = _breakdown(members, priority_of, region.weights, sites)
        if gap is not None and gap not in covers:
            continue
        rows.append(_row(g, members, grp, groups, sites, breakdown, covers, ties, techs, info, region, today))
    if store is None:
        return RankedTargets(rows, None, list, signals)
    part = store_candidates(store, kind_of, priority_of, gap_techs, region, gap, **_SCORING)
    ctx = (g, part, priority_of, info, region, today, groups)
    return RankedTargets(rows, part, lambda picked: _store_rows(ctx, picked), signals)


def _in_order(found: set[str], order: list[str]) -> list[str]:
    rank = {c: i for i, c in enumerate(order)}
    return sorted(found, key=lambda c: (rank.get(c, len(rank)), c))


def _row(g, members, grp, groups, sites, breakdown, covers, ties, techs, info, region, today) -> dict:
    rep = members[0]
    d = rep.d
    as_of = d.get("as_of", "")
    stale = _is_stale(as_of, today, region.thresholds.stale_years)
    city = d.get("city", "")
    lead = max(members, key=lambda m: m.lead)
    facts = Facts(
        short_name=d["short_name"],
        covers=covers,
        cover_names=[info[n][0] for n in covers],
        cover_kinds=[g.nodes[n]["kind"] for n in covers],
        gap_types=[info[n][1] for n in covers],
        lead_tag=lead.lead_tag,
        listed=d.get("stock_code"),
        where=d.get("province", "") + (city if city != d.get("province") else ""),
        region_name=rep.reg_name,
        ties=ties,
        techs=[g.nodes[t]["name"] for t in techs],
        track="existing" if sites else "new",
        sites=sites,
        members=[m.d["short_name"] for m in members[1:]],
        group_name=groups.names.get(grp),
        as_of=as_of,
        stale=stale,
        delisted=d.get("delisted"),
    )
    return {
        "company": rep.id,
        "name": d["name"],
        "short_name": d["short_name"],
        "province": d.get("province", ""),
        "city": city,
        "stock_code": d.get("stock_code", ""),
        "tags": list(d.get("tags", [])),
        "score": round(sum(breakdown.values()), 2),
        "covers": covers,
        "cover_names": facts.cover_names,
        "gap_types": sorted(set(facts.gap_types)),
        "chains": _in_order({c for m in members for c in m.d.get("chains", [])}, g.graph.get("chains", [])),
        "local_ties": ties,
        "track": facts.track,
        "group": grp,
        "group_name": groups.names.get(grp, d["short_name"]),
        "members": [m.d["short_name"] for m in members],
        "local_sites": sites,
        "as_of": as_of,
        "stale": stale,
        "why": why(facts),
        "why_detail": why_detail(facts),
        "breakdown": breakdown,
    }


_SCORING = {"scale_of": _scale, "region_of": _priority_region, "criteria": CRITERIA}


def _store_rows(ctx: tuple, picked: list[int]) -> list[dict]:
    """The rows of store firms ``picked`` (store rows), built as :func:`_row` builds a graph firm's."""
    g, part, priority_of, info, region, today, groups = ctx
    s = part.view.store
    scope = s.ties_of(picked, part.view.scope)
    covers = s.ties_of(picked, part.cover_mask)
    techs = s.ties_of(picked, part.tech_mask)
    out = []
    lead = _leadership([], region)  # an imported firm has no tags
    reg: dict[tuple, tuple[float, str | None]] = {}  # (city, province) -> _priority_region, once per place
    for r, cid, d in zip(picked, s.ids(picked), s.attrs(picked), strict=True):
        d["chains"] = sorted({c for n, _k in scope[r] for c in g.nodes[n].get("chains", ())})
        d["local"] = False
        m = _Firm.__new__(_Firm)
        m.id, m.d, m.covers = cid, d, {n for n, _k in covers[r]}
        m.lead, m.lead_tag = lead
        place = (d.get("city"), d.get("province"))
        if place not in reg:
            reg[place] = _priority_region(d, region)
        m.reg_w, m.reg_name = reg[place]
        m.ties, m.techs, m.scale = [], {n for n, _k in techs[r]}, _scale(d)
        grp = groups.group_of(cid)
        sites = [groups.site_names.get(x, x) for x in groups.local_sites.get(grp, [])]
        breakdown, cov, ties, tech = _breakdown([m], priority_of, region.weights, sites)
        out.append(_row(g, [m], grp, groups, sites, breakdown, cov, ties, tech, info, region, today))
    return out
