"""Trips (外出招商线路): tours from the home city through the route cities and back.

Pure functions: route rows (from :func:`~chainmap.analysis.routes.routes`) and a region profile in,
plain data out. Cities are grouped by the profile's priority regions (长三角, 粤港澳大湾区 ...), the
rest by distance; each group is ordered nearest-neighbour then 2-opt (exact for up to 8 stops) and cut
into trips of at most ``max_days`` days. ``distance_km`` is the sum of great-circle legs times
``road_factor`` (1.0 = straight lines). Days follow from ``visits_per_day`` and travel time over
working days of ``hours_per_day``: a leg takes the shorter of driving (``car_kmh``) and a rail or air
journey (``transfer_h`` to reach and leave stations plus the distance at ``long_kmh``). Cities whose place is unknown are kept in a last
group with region ``地点待核实`` and no coordinates: nothing is dropped.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import pandas as pd

from ..model import Region
from ..places import resolve
from ..vocab import columns

__all__ = [
    "TripParams",
    "UNPLACED_REGION",
    "great_circle_km",
    "leg_hours",
    "tour_km",
    "nearest_neighbour",
    "two_opt",
    "best_order",
    "plan_trips",
    "trip_rows",
    "home_of",
    "itinerary",
]

UNPLACED_REGION = "地点待核实"
EARTH_KM = 6371.0088


@dataclass(frozen=True)
class TripParams:
    """Planning parameters (all stated with the trips they produce)."""

    max_days: int = 5
    visits_per_day: int = 3
    hours_per_day: float = 8.0
    car_kmh: float = 80.0
    long_kmh: float = 500.0
    transfer_h: float = 2.0
    road_factor: float = 1.0
    cluster_km: float = 400.0


def leg_hours(km: float, params: TripParams) -> float:
    """Travel hours for a leg of ``km``: by car, or by rail/air with time to reach and leave stations.

    Examples
    --------
    >>> leg_hours(80, TripParams()), leg_hours(1000, TripParams())
    (1.0, 4.0)
    """
    return min(km / params.car_kmh, params.transfer_h + km / params.long_kmh) if km > 0 else 0.0


def great_circle_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in km between two (lng, lat) points (haversine, mean Earth radius).

    Examples
    --------
    >>> round(great_circle_km((116.4074, 39.9042), (121.4737, 31.2304)))
    1067
    """
    (lng1, lat1), (lng2, lat2) = a, b
    p1, p2 = math.radians(lat1), math.radians(lat2)
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lng2 - lng1) / 2) ** 2
    return 2 * EARTH_KM * math.asin(min(1.0, math.sqrt(h)))


def tour_km(home: tuple[float, float], stops: list[tuple[float, float]]) -> float:
    """Length of the closed tour home -> stops in order -> home.

    Examples
    --------
    >>> tour_km((0.0, 0.0), []) == 0.0
    True
    >>> round(tour_km((0.0, 0.0), [(1.0, 0.0)]), 1)
    222.4
    """
    pts = [home, *stops, home]
    return sum(great_circle_km(pts[i], pts[i + 1]) for i in range(len(pts) - 1))


def _matrix(home: tuple[float, float], pts: list[tuple[float, float]]) -> list[list[float]]:
    """Distances between home (index 0) and the points (1..n)."""
    all_pts = [home, *pts]
    return [[great_circle_km(a, b) for b in all_pts] for a in all_pts]


def _length(m: list[list[float]], order: list[int]) -> float:
    path = [0, *(i + 1 for i in order), 0]
    return sum(m[path[k]][path[k + 1]] for k in range(len(path) - 1))


def nearest_neighbour(home: tuple[float, float], pts: list[tuple[float, float]]) -> list[int]:
    """Indices of ``pts`` in nearest-neighbour order from ``home`` (ties: lower index first).

    Examples
    --------
    >>> nearest_neighbour((0, 0), [(3, 0), (1, 0), (2, 0)])
    [1, 2, 0]
    """
    m = _matrix(home, pts)
    left, order, here = list(range(len(pts))), [], 0
    while left:
        nxt = min(left, key=lambda i: (m[here][i + 1], i))
        order.append(nxt)
        left.remove(nxt)
        here = nxt + 1
    return order


def two_opt(home: tuple[float, float], pts: list[tuple[float, float]], order: list[int]) -> list[int]:
    """Improve a closed tour by reversing segments while that shortens it (never makes it longer).

    Examples
    --------
    >>> two_opt((0, 0), [(0, 1), (1, 1), (1, 0)], [1, 0, 2])
    [0, 1, 2]
    """
    m = _matrix(home, pts)
    best, best_len = list(order), _length(m, order)
    improved = True
    while improved:
        improved = False
        for i in range(len(best) - 1):
            for j in range(i + 1, len(best)):
                cand = best[:i] + best[i : j + 1][::-1] + best[j + 1 :]
                length = _length(m, cand)
                if length < best_len - 1e-9:
                    best, best_len, improved = cand, length, True
    return best


def _held_karp(m: list[list[float]], n: int) -> list[int]:
    """The shortest closed tour from node 0 through nodes 1..n (dynamic programming, exact)."""
    best: dict[tuple[int, int], tuple[float, int]] = {(1 << k, k): (m[0][k + 1], -1) for k in range(n)}
    for size in range(2, n + 1):
        for subset in itertools.combinations(range(n), size):
            bits = sum(1 << k for k in subset)
            for k in subset:
                prev = bits & ~(1 << k)
                best[(bits, k)] = min((best[(prev, j)][0] + m[j + 1][k + 1], j) for j in subset if j != k)
    full = (1 << n) - 1
    _, last = min((best[(full, k)][0] + m[k + 1][0], k) for k in range(n))
    order, bits = [], full
    while last != -1:
        order.append(last)
        bits, last = bits & ~(1 << last), best[(bits, last)][1]
    return order[::-1]


def best_order(home: tuple[float, float], pts: list[tuple[float, float]], exact_up_to: int = 8) -> list[int]:
    """The visiting order: exact (Held-Karp) for up to ``exact_up_to`` stops, else nearest neighbour
    then 2-opt. Never longer than the nearest-neighbour order.

    Examples
    --------
    >>> best_order((0, 0), [(2, 0), (1, 1), (1, -1)]) in ([1, 0, 2], [2, 0, 1])
    True
    """
    nn = nearest_neighbour(home, pts)
    if len(pts) <= 2:
        return nn
    if len(pts) <= exact_up_to:
        m = _matrix(home, pts)
        exact = _held_karp(m, len(pts))
        return exact if _length(m, exact) < _length(m, nn) - 1e-9 else nn
    return two_opt(home, pts, nn)


def home_of(region: Region) -> dict:
    """The home city of a region profile with its seat coordinates ({city, province, lng, lat}).

    Examples
    --------
    >>> from chainmap.model import Region
    >>> home_of(Region(id="x", name="连云港市", province="江苏省", city="连云港市"))["lat"]
    34.596653
    """
    p = resolve(region.province, region.city)
    return {"city": p.city or region.city or region.province, "province": p.province, "lng": p.lng, "lat": p.lat}


def _group(row: dict, region: Region | None) -> str:
    if region is not None:
        for pr in region.priority_regions:
            if row["city"] in pr.cities or row["province"] in pr.provinces:
                return pr.name
    return ""


def _cluster(rows: list[dict], params: TripParams) -> list[list[dict]]:
    """Groups of rows: one per priority region, the rest gathered around their best city."""
    by_region: dict[str, list[dict]] = {}
    loose: list[dict] = []
    for r in rows:
        (by_region.setdefault(r["region"], []) if r["region"] else loose).append(r)
    groups = list(by_region.values())
    while loose:
        seed = loose[0]
        near = [r for r in loose if great_circle_km(seed["pt"], r["pt"]) <= params.cluster_km]
        for r in near:
            r["region"] = f"{seed['city']}周边"
        groups.append(near)
        loose = [r for r in loose if r not in near]
    return groups


def _schedule(home: tuple[float, float], stops: list[dict], params: TripParams) -> tuple[float, int, list[dict]]:
    """(distance_km, days, stops with days): travel and visits laid over working days."""
    visit_h = params.hours_per_day / params.visits_per_day
    t, here, km, out = 0.0, home, 0.0, []
    for s in stops:
        leg = great_circle_km(here, s["pt"]) * params.road_factor
        km += leg
        t += leg_hours(leg, params)
        firms = []
        for f in s["firms"]:
            day_end = (math.floor(t / params.hours_per_day + 1e-9) + 1) * params.hours_per_day
            if t + visit_h > day_end + 1e-9:
                t = day_end
            firms.append({**f, "day": math.floor(t / params.hours_per_day + 1e-9) + 1})
            t += visit_h
        out.append({**s, "day": firms[0]["day"] if firms else math.floor(t / params.hours_per_day) + 1, "firms": firms})
        here = s["pt"]
    back = great_circle_km(here, home) * params.road_factor
    km += back
    t += leg_hours(back, params)
    return km, max(1, math.ceil(t / params.hours_per_day - 1e-9)), out


def _cut(home: tuple[float, float], group: list[dict], params: TripParams) -> list[list[dict]]:
    """Ordered stops of a group cut into trips of at most ``max_days`` days (a city is never split)."""
    pts = [r["pt"] for r in group]
    ordered = [group[i] for i in best_order(home, pts)]
    trips, cur = [], []
    for r in ordered:
        if cur and _schedule(home, [*cur, r], params)[1] > params.max_days:
            trips.append(cur)
            cur = []
        cur.append(r)
    if cur:
        trips.append(cur)
    return [[t[i] for i in best_order(home, [r["pt"] for r in t])] for t in trips]


def _rows(routes_df: pd.DataFrame, region: Region | None) -> tuple[list[dict], list[dict]]:
    placed, unplaced = [], []
    for r in routes_df.itertuples(index=False):
        p = resolve(r.province or None, r.city or None)
        firms = [{"company": c, "name": n} for c, n in zip(r.firms, r.firm_names, strict=True)]
        row = {"city": r.city, "province": r.province, "score": float(r.score), "covers": list(r.covers)}
        row |= {"firms": firms, "pt": (p.lng, p.lat) if p.city and p.lng is not None else None}
        row["region"] = _group(row, region)
        (placed if row["pt"] else unplaced).append(row)
    return placed, unplaced


def _stop(s: dict) -> dict:
    lng, lat = s["pt"] if s.get("pt") else (None, None)
    return {"city": s["city"], "province": s["province"], "lng": lng, "lat": lat, "day": s.get("day")} | {
        "firms": s["firms"]
    }


def _trip(region: str, stops: list[dict], km: float, days: int) -> dict:
    covers: dict[str, None] = {}
    for s in stops:
        covers.update(dict.fromkeys(s["covers"]))
    score = round(sum(s["score"] for s in stops), 2)
    return {"trip": 0, "region": region, "days": days, "distance_km": round(km, 1), "score": score} | {
        "covers": list(covers),
        "stops": [_stop(s) for s in stops],
    }


def plan_trips(routes_df: pd.DataFrame, region: Region, params: TripParams | None = None) -> list[dict]:
    """Trips, best (highest summed score) first, covering every route city once.

    Each trip: ``trip`` (1..n), ``region``, ``days``, ``distance_km``, ``score``, ``covers`` and
    ``stops`` in visiting order (``city``, ``province``, ``lng``, ``lat``, ``day``, ``firms`` as
    ``{company, name, day}``). Unplaced cities come last in one group (region ``地点待核实``, days 0).

    Examples
    --------
    >>> import pandas as pd
    >>> from chainmap.model import Region
    >>> r = pd.DataFrame({"city": ["苏州市", "上海市"], "province": ["江苏省", "上海市"], "score": [5.0, 4.0],
    ...     "firms": [["a"], ["b"]], "firm_names": [["甲"], ["乙"]], "covers": [["x"], ["y"]]})
    >>> t = plan_trips(r, Region(id="h", name="连云港市", province="江苏省", city="连云港市"))
    >>> [(x["trip"], [s["city"] for s in x["stops"]]) for x in t]
    [(1, ['苏州市', '上海市'])]
    """
    params = params or TripParams()
    home = home_of(region)
    hpt = (home["lng"], home["lat"])
    placed, unplaced = _rows(routes_df, region)
    if hpt[0] is None:  # the home region itself cannot be placed: no tour can be drawn from it
        placed, unplaced = [], placed + unplaced
    trips = []
    for group in _cluster(placed, params):
        for stops in _cut(hpt, group, params):
            km, days, timed = _schedule(hpt, stops, params)
            trips.append(_trip(stops[0]["region"], timed, km, days))
    trips.sort(key=lambda t: (-t["score"], t["stops"][0]["city"]))
    if unplaced:
        trips.append(_trip(UNPLACED_REGION, unplaced, 0.0, 0))
    for i, t in enumerate(trips, 1):
        t["trip"] = i
    return trips


TRIP_ROW_COLUMNS = columns("itinerary")


def trip_rows(trips: list[dict]) -> pd.DataFrame:
    """One row per stop and firm (a printable itinerary), in trip and visiting order.

    Examples
    --------
    >>> trip_rows([]).columns.tolist()[:4]
    ['trip', 'region', 'days', 'distance_km']
    """
    rows = []
    for t in trips:
        for order, s in enumerate(t["stops"], 1):
            head = {k: t[k] for k in ("trip", "region", "days", "distance_km")} | {"order": order}
            for f in s["firms"] or [{"company": "", "name": "", "day": s["day"]}]:
                rows.append(
                    head
                    | {"day": f.get("day"), "city": s["city"], "province": s["province"]}
                    | {"company": f["company"], "name": f["name"]}
                )
    return pd.DataFrame(rows, columns=TRIP_ROW_COLUMNS, dtype=object)


def itinerary(routes_df: pd.DataFrame, region: Region, params: TripParams | None = None) -> pd.DataFrame:
    """The trips sheet of a workbook: :func:`trip_rows` of :func:`plan_trips` (one row per stop and firm).

    Examples
    --------
    >>> import pandas as pd
    >>> from chainmap.model import Region
    >>> r = pd.DataFrame({"city": ["上海市"], "province": ["上海市"], "score": [5.0], "firms": [["a"]],
    ...     "firm_names": [["甲"]], "covers": [["x"]]})
    >>> itinerary(r, Region(id="h", name="连云港市", province="江苏省", city="连云港市"))[["trip", "city", "name"]].values.tolist()
    [[1, '上海市', '甲']]
    """
    return trip_rows(plan_trips(routes_df, region, params))
