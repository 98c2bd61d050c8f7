"""Target scores of the imported firms kept in the store, vectorised (issue 14, item 1).

An imported firm carries no tags, parent or supply ties (the export has none), so its score reduces to
columns: gap_priority (the highest priority among the gaps it works at), coverage (how many), scale
(registered capital and stock code), priority_region (its city or province), technology (key
technologies it holds among the gaps'), and 0 for leadership and ties; it is its own group. Each
criterion's points are computed once per distinct value with the very function the graph path uses,
so the scores are the same to the last digit; the text of a row (why, why_detail) is built only for
the rows that are output (:class:`RankedTargets`).

Examples
--------
>>> _per_value(np.array([1, 2, 1]), lambda k: k * 10)
array([10., 20., 10.])
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..firmstore import ROLE_CODE, StoreView
from ..model import Region
from ..vocab import columns
from .why import recent, signal_phrase, with_signals

__all__ = ["RankedTargets", "StoreCandidates", "inactive_candidates", "store_candidates"]

TARGET_COLUMNS = columns("targets")


def _per_value(values: np.ndarray, fn: Callable[[Any], float]) -> np.ndarray:
    """``fn`` of each value, called once per distinct value."""
    codes, uniq = pd.factorize(values, use_na_sentinel=False)
    return np.array([fn(v) for v in uniq], float)[codes] if len(values) else np.zeros(0)


@dataclass
class StoreCandidates:
    """The store's candidate firms at the gaps: ``rows`` (active, outside, not graph nodes, filling
    ``gap`` when given), their ``score`` and gap count ``n``; ``inactive`` rows are left out by status."""

    view: StoreView
    rows: np.ndarray
    score: np.ndarray
    n: np.ndarray
    inactive: np.ndarray
    cover_mask: np.ndarray  # over the store's ties: a candidate's tie to a gap
    tech_mask: np.ndarray  # over the store's ties: a key technology held among the gaps'


def _scale_points(view: StoreView, rows: np.ndarray, pts: Callable[[str, float], float], scale_of) -> np.ndarray:
    t = view.store.table
    value = t["capital_value"].take(pa.array(rows)).to_numpy(zero_copy_only=False).astype(float)
    cur = pc.fill_null(t["capital_currency"].take(pa.array(rows)), "CNY").to_numpy(zero_copy_only=False)
    stock = np.array([bool(v) for v in view.store.col("stock_code").take(pa.array(rows)).to_pylist()], bool)
    frac = np.zeros(len(rows))
    for c in pd.unique(cur):
        at = cur == c
        frac[at] = _per_value(
            value[at], lambda v, c=c: scale_of({"registered_capital": None if v != v else v, "capital_currency": c})
        )
    frac = np.where(stock, np.maximum(frac, 0.5), frac)
    return _per_value(frac, lambda f: pts("scale", f))


def _region_points(view: StoreView, rows: np.ndarray, region: Region, pts, region_of) -> np.ndarray:
    t = view.store.table
    take = pa.array(rows)
    city = pc.fill_null(t["city"].take(take), "")
    prov = pc.fill_null(t["province"].take(take), "")
    key = pc.binary_join_element_wise(city, prov, "\x1f").to_numpy(zero_copy_only=False)

    def points(k: str) -> float:
        c, p = k.split("\x1f")
        return pts("priority_region", region_of({"city": c, "province": p}, region)[0])

    return _per_value(key, points)


def inactive_candidates(view: StoreView, kind_of: Mapping[str, str]) -> tuple[np.ndarray, np.ndarray]:
    """The store's firms at the gaps ``kind_of`` left out for their 登记状态 (rows), and the mask of
    their ties to the gaps (over the store's ties)."""
    s = view.store
    cover = view.candidate_ties(kind_of)
    at_gap = np.zeros(len(s), bool)
    at_gap[s.tie_row[cover]] = True
    return np.flatnonzero(at_gap & ~view.active()), cover


def store_candidates(
    view: StoreView,
    kind_of: Mapping[str, str],
    priority_of: Mapping[str, float],
    gap_techs: set[str],
    region: Region,
    gap: str | None,
    *,
    scale_of: Callable[[dict], float],
    region_of: Callable[[dict, Region], tuple[float, str | None]],
    criteria: tuple[str, ...],
) -> StoreCandidates:
    """Score the store's firms at the gaps ``kind_of`` (node -> kind) with the graph path's own
    ``scale_of`` and ``region_of``; points per criterion as in ``targets._breakdown``."""
    s = view.store
    cover = view.candidate_ties(kind_of)
    row, node = s.tie_row[cover], s.tie_node[cover]
    n = np.bincount(row, minlength=len(s))
    prio = np.full(len(s.node_ids), -np.inf)
    for nid, p in priority_of.items():
        if nid in s.node_index:
            prio[s.node_index[nid]] = p
    maxp = np.full(len(s), -np.inf)
    np.maximum.at(maxp, row, prio[node])
    cand = n > 0
    active = view.active()
    inactive = np.flatnonzero(cand & ~active)
    cand &= active
    if gap is not None:
        has = np.zeros(len(s), bool)
        has[row[node == s.node_index.get(gap, -1)]] = True
        cand &= has
    is_tech = np.zeros(len(s.node_ids), bool)
    is_tech[[s.node_index[t] for t in gap_techs if t in s.node_index]] = True
    tech = view.scope & (s.tie_role == ROLE_CODE["holds"]) & is_tech[s.tie_node]
    nt = np.bincount(s.tie_row[tech], minlength=len(s))
    rows = np.flatnonzero(cand)
    w = region.weights

    def pts(c: str, frac: float) -> float:
        return round(min(frac, 1.0) * getattr(w, c), 2)

    points = {
        "gap_priority": _per_value(maxp[rows], lambda p: pts("gap_priority", p / 100.0)),
        "coverage": _per_value(n[rows], lambda k: pts("coverage", min(int(k), 4) / 4)),
        "scale": _scale_points(view, rows, pts, scale_of),
        "leadership": np.full(len(rows), pts("leadership", 0.0)),
        "priority_region": _region_points(view, rows, region, pts, region_of),
        "ties": np.full(len(rows), pts("ties", 0.0)),
        "technology": _per_value(nt[rows], lambda k: pts("technology", min(int(k), 2) / 2)),
    }
    total = np.zeros(len(rows))
    for c in criteria:  # in the order the graph path adds them: the same float sums
        total = total + points[c]
    score = _per_value(total, lambda x: round(x, 2))
    return StoreCandidates(view, rows, score, n[rows], inactive, cover, tech)


class RankedTargets:
    """The target list in rank order, rows built on demand: ``graph_rows`` (dicts, built by the graph
    path) and the store's candidates, ranked together by score, then gaps covered, then company id.
    ``make_rows(store rows)`` builds the dicts of store firms' rows; ``signals(ids)`` gives firms' recent
    change signals, newest first, as (kind, date, old, new) (:func:`chainmap.firmstore.signal_lookup`),
    added to why_detail (:func:`chainmap.analysis.why.signal_phrase`)."""

    def __init__(
        self,
        graph_rows: list[dict],
        part: StoreCandidates | None,
        make_rows: Callable[[list[int]], list[dict]],
        signals: Callable[[list[str]], Mapping[str, list[tuple]]] | None = None,
    ):
        self.graph_rows, self.part, self.make_rows, self.signals = graph_rows, part, make_rows, signals
        score = [r["score"] for r in graph_rows]
        n = [len(r["covers"]) for r in graph_rows]
        ids = pa.array([r["company"] for r in graph_rows], pa.string())
        src = np.full(len(graph_rows), -1, np.int64)
        if part is not None and len(part.rows):
            score = np.concatenate([np.array(score, float), part.score])
            n = np.concatenate([np.array(n, np.int64), part.n])
            ids = pa.concat_arrays([ids, view_ids(part)])
            src = np.concatenate([src, part.rows])
        key = pa.table({"score": pa.array(score, pa.float64()), "n": pa.array(n, pa.int64()), "company": ids})
        order = pc.sort_indices(key, [("score", "descending"), ("n", "descending"), ("company", "ascending")])
        self.order = order.to_numpy()
        self.src = src

    def __len__(self) -> int:
        return len(self.order)

    def frame(self, top: int | None = None) -> pd.DataFrame:
        """The first ``top`` rows (all when None) as the ``targets`` table, ``rank`` first."""
        if not len(self.order):
            return pd.DataFrame(columns=TARGET_COLUMNS)
        picked = self.order[:top]
        store_rows = self.src[picked]
        built = iter(self.make_rows(store_rows[store_rows >= 0].tolist()) if (store_rows >= 0).any() else [])
        rows = [
            self.graph_rows[i] if r < 0 else next(built)
            for i, r in zip(picked.tolist(), store_rows.tolist(), strict=True)
        ]
        # recent changes between exports, for the rows output only
        found = self.signals([r["company"] for r in rows]) if self.signals is not None else {}
        rows = [_with_signals(r, found.get(r["company"], [])) for r in rows]
        df = pd.DataFrame(rows, columns=[c for c in TARGET_COLUMNS if c != "rank"])
        df.insert(0, "rank", range(1, len(df) + 1))
        return df


def _with_signals(row: dict, signals: list[tuple]) -> dict:
    """The row with the firm's signals in why_detail and in ``signals`` (近期变动: the lists officers
    print carry no why_detail)."""
    if not signals:
        return {**row, "signals": ""}
    phrases = [signal_phrase(*x) for x in signals]
    return {**row, "why_detail": with_signals(row["why_detail"], phrases), "signals": recent(phrases)}


def view_ids(part: StoreCandidates) -> pa.Array:
    """The ids of the candidate rows."""
    return part.view.store.table["id"].take(pa.array(part.rows)).combine_chunks()
