"""A portfolio rather than a sorted list: the recommended first wave of targets, chosen greedily by
marginal value, and ``what_if``: attracting given firms, which gaps close and how completeness changes.

Marginal value of a target given the firms already picked: its score times the share of its gap value
still open, where a gap's value is its priority, halved for every earlier pick that already fills it.
A firm that fills only gaps a higher pick covers therefore adds less, and a firm that opens a new gap
moves up. The value only falls as picks are added, so the greedy choice is evaluated lazily.

Examples
--------
>>> import pandas as pd
>>> gaps_df = pd.DataFrame({"node": ["a", "b"], "name": ["A", "B"], "priority": [80.0, 60.0]})
>>> t = pd.DataFrame({"rank": [1, 2, 3], "company": ["x", "y", "z"], "name": ["X", "Y", "Z"],
...                   "score": [70.0, 69.0, 50.0], "covers": [["a"], ["a"], ["b"]],
...                   "track": ["new"] * 3, "why": [""] * 3})
>>> first_wave(t, gaps_df, size=2)["company"].tolist()
['x', 'z']
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from dataclasses import dataclass

import networkx as nx
import pandas as pd

from ..errors import UsageError
from ..model import Region
from ..vocab import columns
from .gaps import chain_gaps, completeness, gaps

__all__ = ["WhatIf", "first_wave", "what_if"]

FIRST_WAVE = 20
DECAY = 0.5  # a gap already covered by k earlier picks is worth DECAY**k of its priority
WAVE_COLUMNS = columns("first_wave")


def _marginal(score: float, covers: list[str], value: dict[str, float], taken: dict[str, int]) -> float:
    total = sum(value.get(n, 0.0) for n in covers)
    if total <= 0:
        return 0.0
    left = sum(value.get(n, 0.0) * DECAY ** taken.get(n, 0) for n in covers)
    return score * left / total


def first_wave(targets_df: pd.DataFrame, gaps_df: pd.DataFrame, size: int = FIRST_WAVE) -> pd.DataFrame:
    """The recommended first wave: ``size`` targets picked one by one, each time the one of highest
    marginal value (ties: the better rank). Columns of ``OUTPUTS["first_wave"]``.

    Examples
    --------
    >>> import pandas as pd
    >>> gaps_df = pd.DataFrame({"node": ["a"], "name": ["A"], "priority": [50.0]})
    >>> t = pd.DataFrame({"rank": [1], "company": ["x"], "name": ["X"], "score": [40.0], "covers": [["a"]],
    ...                   "track": ["new"], "why": ["w"]})
    >>> first_wave(t, gaps_df)[["wave_rank", "marginal", "new_covers"]].values.tolist()
    [[1, 40.0, ['A']]]
    """
    if targets_df.empty or size <= 0:
        return pd.DataFrame(columns=WAVE_COLUMNS)
    value = {n: float(p) for n, p in zip(gaps_df["node"], gaps_df["priority"], strict=True)}
    name = dict(zip(gaps_df["node"], gaps_df["name"], strict=True))
    recs = targets_df.to_dict("records")
    taken: dict[str, int] = {}
    heap = [(-float(r["score"]), int(r["rank"]), i) for i, r in enumerate(recs)]
    heapq.heapify(heap)
    rows = []
    while heap and len(rows) < size:
        _neg, rank, i = heapq.heappop(heap)
        r = recs[i]
        now = _marginal(float(r["score"]), list(r["covers"]), value, taken)
        if heap and (-heap[0][0], -heap[0][1]) > (now, -rank):
            heapq.heappush(heap, (-now, rank, i))  # stale upper bound: re-queue with the true value
            continue
        rows.append(
            {
                "wave_rank": len(rows) + 1,
                "rank": rank,
                "company": r["company"],
                "name": r["name"],
                "score": r["score"],
                "marginal": round(now, 2),
                "new_covers": [name.get(n, n) for n in r["covers"] if not taken.get(n)],
                "track": r["track"],
                "why": r["why"],
            }
        )
        for n in r["covers"]:
            taken[n] = taken.get(n, 0) + 1
    return pd.DataFrame(rows, columns=WAVE_COLUMNS)


@dataclass(frozen=True)
class WhatIf:
    """``changes``: the (chain, node) rows whose status or gap type changes, with ``closed`` when the gap
    is gone; ``completeness``: per chain (and ``all``) completeness before, after and the change."""

    changes: pd.DataFrame
    completeness: pd.DataFrame


def _resolve(g: nx.MultiDiGraph, firms: Iterable[str]) -> list[str]:
    by_name = {}
    for n, d in g.nodes(data=True):
        if d["kind"] == "company":
            by_name.setdefault(d["name"], n)
            by_name.setdefault(d.get("short_name", ""), n)
    out, unknown = [], []
    for f in firms:
        fid = f if f in g and g.nodes[f]["kind"] == "company" else by_name.get(f)
        (out if fid else unknown).append(fid or f)
    if unknown:
        raise UsageError(
            f"unknown firm {', '.join(unknown)}: give library ids or names of firms in the selected chains"
        )
    return list(dict.fromkeys(out))


def what_if(g: nx.MultiDiGraph, region: Region, firms: Iterable[str], **gap_args) -> WhatIf:
    """Attracting ``firms`` (ids or names): they become local, and the gaps are judged again.

    ``gap_args`` go to :func:`chainmap.analysis.gaps.chain_gaps` (``projects``, ``feasibility``).

    Examples
    --------
    >>> import networkx as nx
    >>> from chainmap.model import Region
    >>> g = nx.MultiDiGraph(chains=["x"]); g.add_node("chain:x", kind="chain", name="X")
    >>> g.add_node("a", kind="link", name="A", chains=["x"], key=False)
    >>> g.add_node("f", kind="company", name="F", short_name="F", local=False, tags=["链主"])
    >>> _ = g.add_edge("f", "a", key="operates")
    >>> w = what_if(g, Region(id="r", name="R", province="江苏省"), ["F"])
    >>> w.completeness[["chain", "before", "after"]].values.tolist()
    [['x', 0.0, 1.0], ['all', 0.0, 1.0]]
    """
    chosen = _resolve(g, firms)
    before = chain_gaps(g, region, **gap_args)
    h = g.copy()
    for f in chosen:
        h.nodes[f]["local"] = True
    after = chain_gaps(h, region, **gap_args)
    keys = ["chain", "node"]
    m = before[[*keys, "name", "status", "gap_type"]].merge(
        after[[*keys, "status", "gap_type"]], on=keys, suffixes=("_before", "_after")
    )
    changed = (m["status_before"] != m["status_after"]) | (
        m["gap_type_before"].fillna("") != m["gap_type_after"].fillna("")
    )
    m = m[changed].reset_index(drop=True)
    m["closed"] = m["gap_type_before"].notna() & m["gap_type_after"].isna()
    cb = completeness(g, gaps(g, region, by_chain=before), by_chain=before)
    ca = completeness(h, gaps(h, region, by_chain=after), by_chain=after)
    comp = pd.DataFrame(
        {
            "chain": cb["chain"],
            "name": cb["name"],
            "before": cb["completeness"],
            "after": ca["completeness"],
            "change": (ca["completeness"] - cb["completeness"]).round(3),
        }
    )
    return WhatIf(m, comp)
