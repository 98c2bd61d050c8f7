"""The `chainmap trips` command (registered in cli.py): multi-city tours from the home city."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import click

from .cli_options import Ctx, api, chain_args, emit, list_options, pass_ctx
from .errors import UsageError

if TYPE_CHECKING:  # the planner (pandas) is imported when trips are planned, not when the command line starts
    from .analysis.trips import TripParams


def trips_text(trips: list[dict]) -> str:
    """The JSON of ``trips`` (the keys of docs/outputs.md, stable order, one file per run)."""
    return json.dumps(trips, ensure_ascii=False, indent=2) + "\n"


def params_note(p: TripParams) -> str:
    """The planning assumptions in one line, printed with every table and sheet of trips."""
    road = "直线距离" if p.road_factor == 1 else f"直线距离×{p.road_factor:g}（道路系数）"
    return (
        f"里程按{road}；每天{p.visits_per_day}家、{p.hours_per_day:g}小时；每趟最多{p.max_days}天；"
        f"路程：驾车{p.car_kmh:g}公里/小时或高铁/航班（{p.transfer_h:g}小时接驳+{p.long_kmh:g}公里/小时）取快者"
    )


@click.command("trips")
@list_options
@click.option("--days", type=click.IntRange(min=1), default=5, show_default=True, help="Most days per trip.")
@click.option("--top", type=click.IntRange(min=1), default=None, help="Plan over the best N route cities only.")
@click.option("--visits-per-day", type=click.IntRange(min=1), default=3, show_default=True)
@click.option(
    "--road-factor",
    type=click.FloatRange(min=1.0),
    default=1.0,
    show_default=True,
    help="Multiply great-circle distances by this (about 1.3 for roads); stated in the output.",
)
@pass_ctx
def trips(
    ctx: Ctx,
    chains: tuple[str, ...],
    all_: bool,
    region: str | None,
    fmt: str,
    output: str | None,
    days: int,
    top: int | None,
    visits_per_day: int,
    road_factor: float,
) -> None:
    """外出招商行程: tours from the home city through the route cities and back, best first, with
    distances, days and the firms to visit each day (every route city is in some trip)."""
    from .analysis.trips import TripParams, plan_trips, trip_rows
    from .present import exports

    params = TripParams(max_days=days, visits_per_day=visits_per_day, road_factor=road_factor)
    a = api.analyse(ctx.lib, chain_args(chains, all_), region, route_top=top, ledger=ctx.ledger)
    planned = plan_trips(a.routes, a.region, params)
    rows = trip_rows(planned)
    title = f"{a.region.name} 外出招商行程（{len(planned)}趟，从{a.region.city or a.region.name}出发）"
    if fmt == "json":
        emit(trips_text(planned), output)
    elif fmt == "csv":
        emit(exports.to_csv(rows, "trips"), output)
    elif fmt == "xlsx":
        if not output:
            raise UsageError("--format xlsx 要配 -o 文件名.xlsx：工作簿不能输出到终端")
        emit(exports.to_xlsx({"trips": rows, "routes": a.routes}), output)
    else:
        emit(exports.to_table(rows, "trips", title=title) + params_note(params) + "\n", output)
