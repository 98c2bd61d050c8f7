"""Visit routes (招商线路图): the cities worth a trip, ranked by the value of the targets there."""

from __future__ import annotations

import pandas as pd

from ..model import Region
from ..vocab import columns
from .trips import TripParams, plan_trips

ROUTE_COLUMNS = columns("routes")
UNPLACED_CITY = "地点待核实"


def routes(
    targets_df: pd.DataFrame,
    region: Region | None = None,
    *,
    top: int | None = None,
    trip_params: TripParams | None = None,
) -> pd.DataFrame:
    """Group ranked targets (from :func:`~chainmap.analysis.targets.targets`) by city.

    A city's score is the sum of its firms' scores: a trip there is worth the targets it reaches. Firms
    keep their order in the target list (best first); ``covers`` is the union of the gaps they fill,
    highest-ranked firm's first. Firms without a known city are grouped as "<province>（城市待核实）",
    firms with neither province nor city as "地点待核实", so nothing drops out. Cities sort by score,
    then firm count, then name. With a region, ``trip`` and ``order`` say in which trip of
    :func:`~chainmap.analysis.trips.plan_trips` (default parameters, or ``trip_params``) and at which
    stop the city is visited.
    """
    groups: dict[tuple[str, str], dict] = {}
    for row in targets_df.itertuples(index=False):
        city = row.city or (f"{row.province}（城市待核实）" if row.province else UNPLACED_CITY)
        g = groups.setdefault((row.province, city), {"score": 0.0, "firms": [], "names": [], "covers": {}})
        g["score"] += row.score
        g["firms"].append(row.company)
        g["names"].append(row.short_name)
        for node, name in zip(row.covers, row.cover_names, strict=True):
            g["covers"].setdefault(node, name)
    rows = []
    for (province, city), g in groups.items():
        pr = ""
        if region is not None:
            for p in region.priority_regions:
                if city in p.cities or province in p.provinces:
                    pr = p.name
                    break
        rows.append(
            {
                "city": city,
                "province": province,
                "priority_region": pr,
                "score": round(g["score"], 2),
                "firm_count": len(g["firms"]),
                "firms": g["firms"],
                "firm_names": g["names"],
                "covers": list(g["covers"]),
                "cover_names": list(g["covers"].values()),
            }
        )
    df = pd.DataFrame(rows, columns=ROUTE_COLUMNS[1:-2])
    if not df.empty:
        df = df.sort_values(["score", "firm_count", "city"], ascending=[False, False, True], kind="mergesort")
        df = df.reset_index(drop=True)
    if top is not None:
        df = df.head(top)
    df.insert(0, "rank", range(1, len(df) + 1))
    return _with_trips(df, region, trip_params)


def _with_trips(df: pd.DataFrame, region: Region | None, params: TripParams | None) -> pd.DataFrame:
    where: dict[str, tuple[int, int]] = {}
    if region is not None and not df.empty:
        for t in plan_trips(df, region, params):
            for order, s in enumerate(t["stops"], 1):
                where[s["city"]] = (t["trip"], order)
    df["trip"] = pd.Series([where[c][0] if c in where else None for c in df["city"]], index=df.index, dtype=object)
    df["order"] = pd.Series([where[c][1] if c in where else None for c in df["city"]], index=df.index, dtype=object)
    return df
