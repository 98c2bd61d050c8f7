"""Target-firm lists (目标企业清单): firms outside the region that operate at the gap nodes, ranked by a
transparent score.

Each criterion gives a fraction in [0, 1] that is multiplied by its weight from the region profile
(``weights``), so a criterion's points never exceed its weight and the points add up to the score:

* gap_priority: the highest priority (0-100) among the gaps the firm would fill, / 100;
* coverage: how many gaps one firm fills, min(n, 4) / 4;
* scale: log-scaled revenue or registered capital (10 million yuan -> 0, 100 billion -> 1), at least
  0.5 for a listed firm;
* leadership: the region's leader_tags (default 链主 / 龙头 / 单项冠军) 1.0, 专精特新小巨人 0.7, 专精特新 0.5, 上市 0.4 (the highest);
* priority_region: the weight of the first priority region (长三角 ...) the firm sits in;
* ties: supply ties with local firms either way (以商引商), or a local subsidiary: 1 -> 0.75, 2+ -> 1;
* technology: key technologies it holds among the gaps and the gap links' technologies, min(n, 2) / 2.
"""

from __future__ import annotations

import math

import networkx as nx
import pandas as pd

from ..errors import UsageError
from ..model import Region
from ..vocab import GAP_LABELS, LEADERSHIP_POINTS, ROLE_OF_KIND, columns

CRITERIA = ("gap_priority", "coverage", "scale", "leadership", "priority_region", "ties", "technology")
# Rough yuan rates, used only to compare the scale of firms reporting capital in other currencies.
TO_CNY = {"CNY": 1.0, "USD": 7.1, "HKD": 0.91, "EUR": 7.7, "JPY": 0.048, "GBP": 9.0, "TWD": 0.22, "SGD": 5.3}
TARGET_COLUMNS = columns("targets")
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
    for _u, v, k in g.out_edges(firm, keys=True):
        if (k, "out") in _TIE_PHRASES and g.nodes[v].get("local"):
            ties.add(_TIE_PHRASES[(k, "out")].format(g.nodes[v]["short_name"]))
    for u, _v, k in g.in_edges(firm, keys=True):
        if (k, "in") in _TIE_PHRASES and g.nodes[u].get("local"):
            ties.add(_TIE_PHRASES[(k, "in")].format(g.nodes[u]["short_name"]))
    return sorted(ties)


def targets(
    g: nx.MultiDiGraph, region: Region, gaps_df: pd.DataFrame, *, gap: str | None = None, top: int | None = None
) -> pd.DataFrame:
    """Rank the firms outside the region that work at the gap nodes of ``gaps_df`` (from :func:`gaps`).

    ``gap`` keeps only firms that would fill that node; ``top`` keeps the best N. Sorted by score, then
    number of gaps covered, then company id, so ties are broken the same way every time.
    """
    open_gaps = gaps_df[gaps_df["gap_type"].notna()].set_index("node")
    if gap is not None:
        if gap not in gaps_df["node"].values:
            import difflib

            guess = difflib.get_close_matches(gap, list(gaps_df["node"]), n=1)
            raise UsageError(
                f"'{gap}' is not a link, technology or component of the selected chains"
                + (f" (did you mean '{guess[0]}'?)" if guess else "")
            )
        if gap not in open_gaps.index:
            st = gaps_df.set_index("node").at[gap, "status"]
            raise UsageError(
                f"'{gap}' is not a gap for {region.name} (status: {st}); choose a node that "
                "`chainmap gaps` lists with a gap type"
            )
    weights = region.weights
    # plain dicts: pandas .at lookups cost microseconds each, and firms x gaps of them add up
    kind_of = dict(zip(open_gaps.index, open_gaps["kind"], strict=True))
    priority_of = {n: float(p) for n, p in zip(open_gaps.index, open_gaps["priority"], strict=True)}
    info = {
        n: (name, gtype)
        for n, name, gtype in zip(open_gaps.index, open_gaps["name"], open_gaps["gap_type"], strict=True)
    }
    nodes = g.nodes
    firms: dict[str, list[str]] = {}
    for node, kind in kind_of.items():
        role = _ROLE_OF[kind]
        for u, keys in g.pred[node].items():
            if role in keys and nodes[u]["kind"] == "company" and not nodes[u].get("local"):
                firms.setdefault(u, []).append(node)
    if gap is not None:
        firms = {f: c for f, c in firms.items() if gap in c}
    gap_links = {n for n, k in kind_of.items() if k == "link"}
    gap_techs = {n for n, k in kind_of.items() if k == "technology"} | {
        v for n in gap_links for v, keys in g.succ[n].items() if "requires" in keys
    }

    rows = []
    for firm, covers in firms.items():
        d = nodes[firm]
        covers = sorted(set(covers), key=lambda n: (-priority_of[n], n))
        lead, lead_tag = _leadership(d.get("tags", []), region)
        reg_w, reg_name = _priority_region(d, region)
        ties = _local_ties(g, firm)
        techs = sorted(v for v, keys in g.succ[firm].items() if "holds" in keys and v in gap_techs)
        frac = {
            "gap_priority": priority_of[covers[0]] / 100.0,
            "coverage": min(len(covers), 4) / 4,
            "scale": _scale(d),
            "leadership": lead,
            "priority_region": reg_w,
            "ties": 0.0 if not ties else (0.75 if len(ties) == 1 else 1.0),
            "technology": min(len(techs), 2) / 2,
        }
        breakdown = {c: round(min(frac[c], 1.0) * getattr(weights, c), 2) for c in CRITERIA}
        score = round(sum(breakdown.values()), 2)
        rows.append(
            {
                "company": firm,
                "name": d["name"],
                "short_name": d["short_name"],
                "province": d.get("province", ""),
                "city": d.get("city", ""),
                "stock_code": d.get("stock_code", ""),
                "tags": list(d.get("tags", [])),
                "score": score,
                "covers": covers,
                "cover_names": [info[n][0] for n in covers],
                "gap_types": sorted({info[n][1] for n in covers}),
                "chains": list(d.get("chains", [])),
                "local_ties": ties,
                "why": _why(d, covers, info, lead_tag, reg_name, ties, techs, g),
                "breakdown": breakdown,
            }
        )
    df = pd.DataFrame(rows, columns=[c for c in TARGET_COLUMNS if c != "rank"])
    if df.empty:
        return pd.DataFrame(columns=TARGET_COLUMNS)
    df["_n"] = df["covers"].map(len)
    df = df.sort_values(["score", "_n", "company"], ascending=[False, False, True], kind="mergesort")
    df = df.drop(columns="_n").reset_index(drop=True)
    if top is not None:
        df = df.head(top)
    df.insert(0, "rank", range(1, len(df) + 1))
    return df


def _why(
    d: dict,
    covers: list[str],
    info: dict[str, tuple[str, str]],
    lead_tag: str | None,
    reg_name: str | None,
    ties: list[str],
    techs: list[str],
    g: nx.MultiDiGraph,
) -> str:
    """One Chinese sentence an officer can read aloud, built only from facts in the data."""
    city = d.get("city", "")
    where = d.get("province", "") + (city if city != d.get("province") else "")
    facts = [x for x in (where, d.get("stock_code", "")) if x]
    who = d["short_name"] + (f"（{'，'.join(facts)}）" if facts else "")
    names = "、".join(f"「{info[n][0]}」" for n in covers[:3]) + (f"等{len(covers)}处" if len(covers) > 3 else "")
    types = "、".join(dict.fromkeys(GAP_LABELS[info[n][1]] for n in covers))
    parts = [f"{who}可填补本地{names}缺口（{types}）"]
    if lead_tag:
        parts.append(f"是{lead_tag}企业")
    if ties:
        parts.append("、".join(ties[:2]) + "，可以商引商")
    if techs:
        parts.append("掌握" + "、".join(f"「{g.nodes[t]['name']}」" for t in techs[:2]) + "等关键技术")
    if reg_name:
        parts.append(f"位于{reg_name}重点招商区域")
    return "，".join(parts) + "。"
