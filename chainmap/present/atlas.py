"""The 招商图谱 of a chain as plain data: segment columns, link boxes with status in words, local firms and
top targets with their cities. The HTML chain page, the panorama matrix and the posters all draw this.

Pure: graph + analysis tables in, dicts and lists out, no I/O. Optional analysis columns (``track``,
``why_detail``, ``as_of``, ``stale`` of targets; ``role`` of gaps) are read when present.

Examples
--------
>>> state("missing", "fill", None)
('fill', '缺失·补链')
>>> state("weak", "strengthen", None)
('weak', '弱·强链')
>>> state("strong", None, "resource")
('role', '资源保障')
>>> stale("2021-01-01", "2023-06-30"), stale("2022-01-01", "2023-06-30")
(True, False)
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from typing import Any

import networkx as nx
import pandas as pd

from ..vocab import GAP_LABELS, ROLE_LABELS, STATUS_LABELS, TRACK_LABELS, chain_node

__all__ = ["STATE_WORDS", "atlas", "data_date", "short_why", "stale", "state"]

# the state of a link box: css/palette key -> words shown in the box (never colour alone)
STATE_WORDS = {
    "strong": "强",
    "weak": "弱·强链",
    "weak-none": "弱",
    "fill": "缺失·补链",
    "extend": "缺失·延链",
    "none": "暂非优先",
    "role": "资源保障",
    "unknown": "未评估",
}
STALE_YEARS = 2
WHY_CHARS = 40


def state(status: str | None, gap_type: str | None, role: str | None) -> tuple[str, str]:
    """The palette key and the words of a link's local state (see :data:`STATE_WORDS`)."""
    if role in ROLE_LABELS:
        return "role", ROLE_LABELS[str(role)]
    if status == "strong":
        return "strong", STATE_WORDS["strong"]
    if status == "weak":
        return ("weak", STATE_WORDS["weak"]) if gap_type == "strengthen" else ("weak-none", STATE_WORDS["weak-none"])
    if status == "missing":
        key = gap_type if gap_type in ("fill", "extend") else "none"
        return key, STATE_WORDS[key]
    return "unknown", STATE_WORDS["unknown"]


def stale(as_of: Any, reference: str) -> bool:
    """True when ``as_of`` is more than two years before ``reference`` (both ISO dates)."""
    try:
        day = dt.date.fromisoformat(str(as_of)[:10])
        ref = dt.date.fromisoformat(str(reference)[:10])
    except ValueError:
        return False
    return (ref - day).days > 365 * STALE_YEARS


def short_why(text: Any, limit: int = WHY_CHARS) -> str:
    """At most ``limit`` characters of a reason, cut at a clause when possible, with an ellipsis."""
    s = "" if text is None else str(text).strip()
    if len(s) <= limit:
        return s
    cut = s[: limit - 1]
    for mark in "，；。,;":
        at = cut.rfind(mark)
        if at >= limit // 2:
            return cut[:at] + "…"
    return cut + "…"


def _clean(v: Any) -> Any:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    if hasattr(v, "item") and not isinstance(v, (list, tuple, str, dict)):
        return v.item()
    return v


def data_date(g: nx.MultiDiGraph) -> str:
    """The newest ``as_of`` of the graph's firms and institutions: the date of the data."""
    return max((str(d.get("as_of") or "") for _n, d in g.nodes(data=True) if d.get("kind") == "company"), default="")


def _firm(g: nx.MultiDiGraph, n: str, ref: str) -> dict[str, Any]:
    d = g.nodes[n]
    return {
        "id": n,
        "name": d.get("name") or n,
        "short": d.get("short_name") or d.get("name") or n,
        "city": d.get("city") or d.get("province") or "",
        "source": d.get("source") or "",
        "as_of": str(d.get("as_of") or ""),
        "stale": stale(d.get("as_of"), ref),
        "tags": list(d.get("tags") or []),
    }


def _segments(g: nx.MultiDiGraph, chain: str) -> list[str]:
    cnode = chain_node(chain)
    segs = [u for u, _v, k in g.in_edges(cnode, keys=True) if k == "part_of"]
    return sorted(segs, key=lambda s: (g.nodes[s].get("order", 0), s))


def _targets_by_node(targets_df: pd.DataFrame | None, limit: int | None = None) -> dict[str, list[dict[str, Any]]]:
    """Node -> the target records covering it, in rank order, the first ``limit`` of each (all when None);
    only the records kept are made (a national list holds tens of thousands)."""
    if targets_df is None or targets_df.empty:
        return {}
    at: dict[str, list[int]] = {}
    for i, covers in enumerate(targets_df["covers"].tolist()):
        for node in covers or []:
            kept = at.setdefault(str(node), [])
            if limit is None or len(kept) < limit:
                kept.append(i)
    need = sorted({i for kept in at.values() for i in kept})
    recs = dict(zip(need, targets_df.iloc[need].to_dict("records"), strict=True))
    return {n: [recs[i] for i in kept] for n, kept in at.items()}


def _candidate(g: nx.MultiDiGraph, rec: Mapping[str, Any], ref: str) -> dict[str, Any]:
    firm = _firm(g, str(rec["company"]), ref) if rec.get("company") in g else {}
    as_of = _clean(rec.get("as_of")) or firm.get("as_of") or ""
    track = _clean(rec.get("track"))
    stage = _clean(rec.get("pipeline"))  # the firm's furthest stage in the ledger, if it is there
    track_words = TRACK_LABELS.get(str(track), "") if track else ""
    if stage:
        track_words = (track_words + " · " if track_words else "") + f"台账：{stage}"
    return {
        "rank": int(rec["rank"]),
        "name": str(rec.get("name") or ""),
        "short": str(_clean(rec.get("short_name")) or rec.get("name") or ""),
        "city": str(_clean(rec.get("city")) or _clean(rec.get("province")) or ""),
        "score": round(float(rec.get("score") or 0), 1),
        "why": short_why(rec.get("why")),
        "why_detail": str(_clean(rec.get("why_detail")) or _clean(rec.get("why")) or ""),
        "track": track_words,
        "pipeline": str(stage or ""),
        "source": firm.get("source", ""),
        "as_of": str(as_of),
        "stale": bool(_clean(rec.get("stale"))) if rec.get("stale") is not None else stale(as_of, ref),
    }


def _names(g: nx.MultiDiGraph, link: str, edge: str, out: bool) -> list[str]:
    edges = g.out_edges(link, keys=True) if out else g.in_edges(link, keys=True)
    found = [(v if out else u) for u, v, k in edges if k == edge]
    return [g.nodes[n].get("name") or n for n in dict.fromkeys(found)]


def _link(g, link: str, gap: Mapping[str, Any], ranked: list[dict], ref: str, top: int) -> dict[str, Any]:
    d = g.nodes[link]
    row = gap.get(link) or {}
    role = _clean(row.get("role")) or d.get("role")
    key, words = state(_clean(row.get("status")), _clean(row.get("gap_type")), role)
    firms = [u for u, _v, k in g.in_edges(link, keys=True) if k == "operates" and g.nodes[u].get("kind") == "company"]
    local = sorted((f for f in firms if g.nodes[f].get("local")), key=lambda f: (g.nodes[f].get("short_name") or f, f))
    techs = _names(g, link, "requires", True)
    parts = _names(g, link, "uses", True)
    inst_ids = [u for u, _v, k in g.in_edges(link, keys=True) if k == "researches"]
    cands = [_candidate(g, r, ref) for r in sorted(ranked, key=lambda r: int(r["rank"]))]
    outside = sum(1 for f in firms if not g.nodes[f].get("local"))
    return {
        "id": link,
        "name": d.get("name") or link,
        "key": bool(d.get("key")),
        "role": role,
        "state": key,
        "words": words,
        "status": STATUS_LABELS.get(str(_clean(row.get("status"))), ""),
        "gap": GAP_LABELS.get(str(_clean(row.get("gap_type"))), ""),
        "local_n": int(_clean(row.get("local_firms")) or len(local)),
        "cand_n": int(_clean(row.get("candidates")) or outside),
        "local": [_firm(g, f, ref) for f in local],
        "top": cands[:top],
        "candidates": cands,
        "technologies": techs,
        "components": parts,
        "institutions": [g.nodes[i].get("name") or i for i in dict.fromkeys(inst_ids)],
        "reason": str(_clean(row.get("reason")) or ""),
        "projects": [str(p) for p in (_clean(row.get("projects")) or [])],  # live ledger projects here
        "shared": [c for c in (d.get("chains") or []) if c],
    }


def atlas(
    g: nx.MultiDiGraph,
    chain: str,
    gaps_df: pd.DataFrame | None = None,
    targets_df: pd.DataFrame | None = None,
    *,
    top: int = 3,
    max_candidates: int = 30,
) -> dict[str, Any]:
    """The 图谱 of ``chain``: its segments in file order, each with its link boxes.

    Parameters
    ----------
    g : the graph holding the chain (firms marked local for the region).
    chain : chain id.
    gaps_df, targets_df : :func:`chainmap.analysis.gaps.gaps` and :func:`chainmap.analysis.targets.targets`
        of the same graph, or None (no status, no targets).
    top : targets shown in each box; ``max_candidates`` kept for the click panel.

    Returns
    -------
    dict with ``chain``, ``name``, ``as_of`` (newest firm date), ``segments`` (``name``, ``links``).

    Examples
    --------
    >>> g = nx.MultiDiGraph()
    >>> g.add_node("chain:c", kind="chain", name="示例链")
    >>> g.add_node("c:up", kind="segment", name="上游", order=0)
    >>> _ = g.add_edge("c:up", "chain:c", key="part_of")
    >>> g.add_node("a", kind="link", name="原料", key=True, chains=["c"])
    >>> _ = g.add_edge("a", "c:up", key="part_of")
    >>> doc = atlas(g, "c")
    >>> [(s["name"], [ln["name"] for ln in s["links"]]) for s in doc["segments"]]
    [('上游', ['原料'])]
    >>> doc["segments"][0]["links"][0]["words"]
    '未评估'
    """
    gap: dict[str, dict[str, Any]] = {}
    if gaps_df is not None and not gaps_df.empty:
        gap = {str(r["node"]): r for r in gaps_df.to_dict("records")}
    by_node = _targets_by_node(targets_df, max_candidates * 4)
    ref = data_date(g)
    segments = []
    for seg in _segments(g, chain):
        links = [u for u, _v, k in g.in_edges(seg, keys=True) if k == "part_of" and g.nodes[u].get("kind") == "link"]
        boxes = [_link(g, ln, gap, by_node.get(ln, [])[: max_candidates * 4], ref, top) for ln in links]
        for b in boxes:
            b["candidates"] = b["candidates"][:max_candidates]
        segments.append({"id": seg, "name": g.nodes[seg].get("name") or seg, "links": boxes})
    cd = g.nodes[chain_node(chain)]
    return {"chain": chain, "name": cd.get("name") or chain, "as_of": ref, "segments": segments}
