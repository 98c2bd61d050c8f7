"""What the ledger tells the map and the lists: live projects per 环节, the pipeline stage of each
investor, and trips out and firm visits per destination city (the 热力图 layer of geo.html).

Readers must never create a ledger: :func:`ledger_feed` returns ``None`` when there is none yet.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..load import Library
from ..places import resolve
from .data import LedgerData, read_ledger
from .db import existing_ledger
from .pipeline import live_projects, pipeline_stage_of_firms

__all__ = ["LedgerFeed", "activity_by_city", "feed_of", "ledger_feed"]

OUT_TRIP = "外出招商"


@dataclass
class LedgerFeed:
    """The ledger's contribution to an analysis: see the module doc."""

    projects: dict[str, list[dict]] = field(default_factory=dict)  # node id -> live projects
    stages: dict[str, str] = field(default_factory=dict)  # company id or credit code -> furthest stage
    activity: dict[str, dict[str, int]] = field(default_factory=dict)  # city -> {trips, visits}


def activity_by_city(data: LedgerData) -> dict[str, dict[str, int]]:
    """Trips out (外出招商 activities) and firm visits (拜访 rows, 家次) by the activity's destination city.

    City names are put in their official form, so ``上海`` and ``上海市`` count together; a city the
    division table does not know is kept as written.

    Examples
    --------
    >>> d = LedgerData.from_records(
    ...     activities=[{"code": "HD1", "type": "外出招商", "city": "上海"}, {"code": "HD2", "type": "来访接待", "city": "连云港"}],
    ...     visits=[{"activity": "HD1"}, {"activity": "HD1"}, {"activity": "HD2"}],
    ... )
    >>> activity_by_city(d)
    {'上海市': {'trips': 1, 'visits': 2}}
    """
    acts = data.activities
    if acts.empty:
        return {}
    out_trips = acts[acts["type"] == OUT_TRIP]
    city_of: dict[str, str] = {}
    for code, city in zip(out_trips["code"], out_trips["city"], strict=True):
        if isinstance(city, str) and city.strip():
            place = resolve(None, city.strip(), None)
            city_of[code] = place.city or city.strip()
    counts: dict[str, dict[str, int]] = {}
    for code in out_trips["code"]:
        if code in city_of:
            counts.setdefault(city_of[code], {"trips": 0, "visits": 0})["trips"] += 1
    visits = data.visits
    if not visits.empty:
        for act in visits["activity"]:
            if act in city_of:
                counts[city_of[act]]["visits"] += 1
    return dict(sorted(counts.items()))


def feed_of(data: LedgerData, lib: Library | None = None) -> LedgerFeed:
    """The feed of a ledger already read (pure: no database access)."""
    return LedgerFeed(
        projects=live_projects(data),
        stages=pipeline_stage_of_firms(data, lib),
        activity=activity_by_city(data),
    )


def ledger_feed(lib: Library, url: str | None = None, chains_dir: str | Path | None = None) -> LedgerFeed | None:
    """The feed of the ledger at ``url`` (else ``CHAINMAP_DB``, else the library's default ledger), or
    ``None`` when there is no ledger yet (nothing is created)."""
    engine = existing_ledger(url, chains_dir)
    if engine is None:
        return None
    try:
        data = read_ledger(engine)
    finally:
        engine.dispose()
    if all(isinstance(t, pd.DataFrame) and t.empty for t in (data.projects, data.activities)):
        return None
    return feed_of(data, lib)
