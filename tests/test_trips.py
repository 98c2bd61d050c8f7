"""Trips (chainmap.analysis.trips), routes' trip/order and the `chainmap trips` command."""

from __future__ import annotations

import io
import itertools
import json
import random

import pandas as pd
import pytest
from click.testing import CliRunner

import chainmap
from chainmap.analysis.routes import routes
from chainmap.analysis.trips import (
    UNPLACED_REGION,
    TripParams,
    best_order,
    great_circle_km,
    home_of,
    nearest_neighbour,
    plan_trips,
    tour_km,
    trip_rows,
    two_opt,
)
from chainmap.cli import main
from chainmap.model import Region

TRIP_KEYS = ["trip", "region", "days", "distance_km", "score", "covers", "stops"]
STOP_KEYS = ["city", "province", "lng", "lat", "day", "firms"]


@pytest.fixture(scope="module")
def analysis():
    return chainmap.analyse(chainmap.load())


@pytest.fixture(scope="module")
def planned(analysis):
    return plan_trips(analysis.routes, analysis.region)


def _points(rng: random.Random, n: int) -> list[tuple[float, float]]:
    return [(rng.uniform(100, 125), rng.uniform(20, 45)) for _ in range(n)]


def test_trip_distance_is_the_sum_of_its_legs(planned, analysis):
    home = home_of(analysis.region)
    hpt = (home["lng"], home["lat"])
    for t in planned:
        if t["region"] == UNPLACED_REGION:
            continue
        pts = [(s["lng"], s["lat"]) for s in t["stops"]]
        legs = [great_circle_km(a, b) for a, b in zip([hpt, *pts], [*pts, hpt], strict=True)]
        assert t["distance_km"] == pytest.approx(sum(legs), abs=0.06)


def test_road_factor_scales_distance(analysis):
    plain = plan_trips(analysis.routes.head(5), analysis.region)
    road = plan_trips(analysis.routes.head(5), analysis.region, TripParams(road_factor=1.3))
    assert [t["stops"] for t in plain if t["days"]] and sum(t["distance_km"] for t in road) == pytest.approx(
        1.3 * sum(t["distance_km"] for t in plain), rel=1e-3
    )


@pytest.mark.parametrize("seed", range(30))
def test_order_never_longer_than_nearest_neighbour(seed):
    rng = random.Random(seed)
    home, pts = (119.2, 34.6), _points(rng, rng.randint(2, 14))
    nn = nearest_neighbour(home, pts)
    order = best_order(home, pts)
    assert sorted(order) == list(range(len(pts)))
    assert tour_km(home, [pts[i] for i in order]) <= tour_km(home, [pts[i] for i in nn]) + 1e-6
    assert tour_km(home, [pts[i] for i in two_opt(home, pts, nn)]) <= tour_km(home, [pts[i] for i in nn]) + 1e-6


@pytest.mark.parametrize("seed", range(8))
def test_small_trips_are_exact(seed):
    rng = random.Random(100 + seed)
    home, pts = (119.2, 34.6), _points(rng, 6)
    brute = min(tour_km(home, [pts[i] for i in p]) for p in itertools.permutations(range(6)))
    assert tour_km(home, [pts[i] for i in best_order(home, pts)]) == pytest.approx(brute)


def test_no_target_lost_between_targets_routes_and_trips(analysis, planned):
    targets = set(analysis.all_targets["company"])
    in_routes = [f for fs in analysis.routes["firms"] for f in fs]
    assert sorted(in_routes) == sorted(targets)  # each target in exactly one route city
    in_trips = [f["company"] for t in planned for s in t["stops"] for f in s["firms"]]
    assert sorted(in_trips) == sorted(targets)
    stops = [s["city"] for t in planned for s in t["stops"]]
    assert sorted(stops) == sorted(analysis.routes["city"])  # every route city in exactly one trip


def test_routes_keep_targets_without_a_place_and_gain_trip_and_order():
    region = Region(id="h", name="连云港市", province="江苏省", city="连云港市")
    t = pd.DataFrame(
        {
            "company": ["a", "b", "c"],
            "short_name": ["甲", "乙", "丙"],
            "province": ["", "浙江省", "上海市"],
            "city": ["", "", "上海市"],
            "score": [9.0, 5.0, 3.0],
            "covers": [["x"], ["y"], ["z"]],
            "cover_names": [["X"], ["Y"], ["Z"]],
        }
    )
    r = routes(t, region)
    assert sorted(r["city"]) == ["上海市", "地点待核实", "浙江省（城市待核实）"]
    trips = plan_trips(r, region)
    assert trips[-1]["region"] == UNPLACED_REGION and trips[-1]["days"] == 0
    assert {s["city"] for s in trips[-1]["stops"]} == {"地点待核实", "浙江省（城市待核实）"}
    row = r.set_index("city").loc["上海市"]
    assert (row["trip"], row["order"]) == (1, 1)
    assert r["trip"].notna().all() and r["order"].notna().all()


def test_trips_respect_days_and_give_each_firm_a_day(planned):
    for t in planned:
        assert list(t) == TRIP_KEYS
        if t["region"] == UNPLACED_REGION:
            continue
        assert len(t["stops"]) == 1 or t["days"] <= TripParams().max_days
        days = [f["day"] for s in t["stops"] for f in s["firms"]]
        assert days == sorted(days) and 1 <= days[0] and days[-1] <= t["days"]
        for s in t["stops"]:
            assert list(s) == STOP_KEYS and s["day"] == s["firms"][0]["day"]
    scores = [t["score"] for t in planned if t["region"] != UNPLACED_REGION]
    assert scores == sorted(scores, reverse=True)


def test_trips_group_by_the_profiles_priority_regions(planned, analysis):
    by_region = {pr.name: pr for pr in analysis.region.priority_regions}
    for t in planned:
        pr = by_region.get(t["region"])
        if pr:
            assert all(s["city"] in pr.cities or s["province"] in pr.provinces for s in t["stops"])


def test_trip_rows_are_one_per_stop_and_firm(planned):
    rows = trip_rows(planned)
    assert len(rows) == sum(len(s["firms"]) for t in planned for s in t["stops"])
    assert rows["day"].dropna().map(type).eq(int).all()


def test_trips_command_formats():
    runner = CliRunner()
    res = runner.invoke(main, ["trips", "--top", "6", "--format", "json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert [list(t) for t in data] == [TRIP_KEYS] * len(data) and len(
        {s["city"] for t in data for s in t["stops"]}
    ) == 6
    res = runner.invoke(main, ["trips", "--top", "4", "--road-factor", "1.3"])
    assert res.exit_code == 0 and "直线距离×1.3" in res.output and "外出招商行程" in res.output
    res = runner.invoke(main, ["trips", "--top", "4", "--format", "csv"])
    assert res.exit_code == 0 and res.stdout_bytes.startswith("\ufeff".encode()) and "拜访企业" in res.output
    res = runner.invoke(main, ["trips", "--format", "xlsx"])
    assert res.exit_code == 2 and "-o 文件名.xlsx" in res.output


def test_trips_workbook_has_an_itinerary_sheet(tmp_path):
    from openpyxl import load_workbook

    out = tmp_path / "t.xlsx"
    res = CliRunner().invoke(main, ["trips", "--top", "5", "--format", "xlsx", "-o", str(out)])
    assert res.exit_code == 0, res.output
    wb = load_workbook(io.BytesIO(out.read_bytes()))
    assert wb.sheetnames == ["说明", "外出行程", "招商线路"]
    head = [c.value for c in wb["外出行程"][1]]
    assert head[:3] == ["行程", "方向", "天数"] and "拜访企业" in head
