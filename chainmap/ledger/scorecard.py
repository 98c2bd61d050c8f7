"""The monthly scorecard (成绩单): what each team (or 板块) did in a period, year to date, and the change.

Measures, for a period ``[start, end]`` (both days included):

- ``trips``: 外出招商 activities of the team starting in the period;
- ``visits``: 拜访 rows dated in the period, counted for the team of the visit's activity (家次);
- ``projects``: distinct 项目编号 among those visits, plus the team's projects first contacted in the period;
- ``hosted``: 来访接待 activities of the team starting in the period;
- ``signed`` / ``signed_amount``: the team's projects with 签约日期 in the period; sum of 计划总投资 (亿元);
- ``started`` / ``producing``: the team's projects with 开工日期 / 投产日期 in the period.

Each measure also comes as ``<measure>_ytd`` (1 January of the end's year to the end) and
``<measure>_change`` (the period minus the previous period of the same length: the previous month for
a month, the previous quarter for a quarter). ``score`` = sum of weight x measure with the weights of
the region profile's ``scorecard`` section; ``rank`` 1 is the best (equal scores share a rank).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pandas as pd

from .data import LedgerData

__all__ = ["MEASURES", "month_period", "previous_period", "scorecard"]

MEASURES = ("trips", "visits", "projects", "hosted", "signed", "signed_amount", "started", "producing")
NO_DISTRICT = "未填板块"


def month_period(month: str) -> tuple[dt.date, dt.date]:
    """First and last day of ``YYYY-MM``.

    >>> month_period("2023-02")
    (datetime.date(2023, 2, 1), datetime.date(2023, 2, 28))
    """
    year, mon = (int(x) for x in month.split("-"))
    start = dt.date(year, mon, 1)
    nxt = dt.date(year + mon // 12, mon % 12 + 1, 1)
    return start, nxt - dt.timedelta(days=1)


def previous_period(start: dt.date, end: dt.date) -> tuple[dt.date, dt.date]:
    """The period before: as many whole months for whole months (a month, a quarter), else as many days.

    >>> previous_period(dt.date(2023, 3, 1), dt.date(2023, 3, 31))
    (datetime.date(2023, 2, 1), datetime.date(2023, 2, 28))
    >>> previous_period(dt.date(2023, 1, 1), dt.date(2023, 3, 31))
    (datetime.date(2022, 10, 1), datetime.date(2022, 12, 31))
    >>> previous_period(dt.date(2023, 3, 11), dt.date(2023, 3, 20))
    (datetime.date(2023, 3, 1), datetime.date(2023, 3, 10))
    """
    if start.day == 1 and (end + dt.timedelta(days=1)).day == 1:
        months = (end.year - start.year) * 12 + end.month - start.month + 1
        index = start.year * 12 + start.month - 1 - months
        return dt.date(index // 12, index % 12 + 1, 1), start - dt.timedelta(days=1)
    days = (end - start).days + 1
    return start - dt.timedelta(days=days), start - dt.timedelta(days=1)


def _within(series: pd.Series, start: dt.date, end: dt.date) -> pd.Series:
    return series.map(lambda d: d is not None and not pd.isna(d) and start <= d <= end).astype(bool)


def _measures(data: LedgerData, start: dt.date, end: dt.date, group: Callable[[str], str]) -> dict[str, dict]:
    """group key -> measure -> value, for one period."""
    out: dict[str, dict] = {}

    def add(team: object, measure: str, value: float = 1) -> None:
        if team is None or pd.isna(team):
            return
        row = out.setdefault(group(team), {m: 0 for m in MEASURES} | {"_projects": set()})
        row[measure] += value

    acts = data.activities[_within(data.activities["start_date"], start, end)]
    for kind, measure in (("外出招商", "trips"), ("来访接待", "hosted")):
        for team in acts.loc[acts["type"] == kind, "team"]:
            add(team, measure)
    team_of = dict(zip(data.activities["code"], data.activities["team"], strict=True))
    vis = data.visits[_within(data.visits["date"], start, end)]
    for act, proj in zip(vis["activity"], vis["project"], strict=True):
        add(team_of.get(act), "visits")
        if proj is not None and not pd.isna(proj):
            add(team_of.get(act), "projects", 0)
            out[group(team_of[act])]["_projects"].add(proj)
    pro = data.projects
    for _, p in pro[_within(pro["first_contact"], start, end)].iterrows():
        add(p["team"], "projects", 0)
        if p["team"] is not None and not pd.isna(p["team"]):
            out[group(p["team"])]["_projects"].add(p["code"])
    for fld, measure in (("signed", "signed"), ("started", "started"), ("producing", "producing")):
        for _, p in pro[_within(pro[fld], start, end)].iterrows():
            add(p["team"], measure)
            if measure == "signed":
                planned = p["planned"]
                add(p["team"], "signed_amount", 0.0 if planned is None or pd.isna(planned) else float(planned))
    for row in out.values():
        row["projects"] = len(row.pop("_projects"))
    return out


def scorecard(
    data: LedgerData,
    start: dt.date,
    end: dt.date,
    *,
    by: str = "team",
    weights: dict[str, float] | None = None,
) -> pd.DataFrame:
    """The scorecard of every team (``by="team"``) or 板块 (``by="district"``) for ``[start, end]``.

    Parameters
    ----------
    data : LedgerData
        The ledger (see :func:`chainmap.ledger.data.read_ledger`).
    start, end : datetime.date
        The period, both days included.
    by : {"team", "district"}
        One row per team, or per 板块 (the teams' district; "未填板块" when a team has none).
    weights : dict, optional
        Points per unit of each measure (the region profile's ``scorecard.weights``); missing ones count 0.

    Returns
    -------
    pandas.DataFrame
        ``team``, ``district``, the measures, ``<measure>_ytd``, ``<measure>_change``, ``score``, ``rank``;
        best first. Every team of the ledger has a row, also with nothing to show.

    Examples
    --------
    >>> d = dt.date
    >>> data = LedgerData.from_records(
    ...     teams=[{"name": "一队", "district": "海州区"}, {"name": "二队", "district": "赣榆区"}],
    ...     activities=[{"code": "A1", "type": "外出招商", "team": "二队", "start_date": d(2023, 2, 8)}],
    ...     visits=[{"activity": "A1", "date": d(2023, 2, 9), "company": "示例企业A", "project": "P1"}],
    ...     projects=[{"code": "P1", "team": "二队", "stage": "签约", "planned": 2.5, "signed": d(2023, 2, 20)}],
    ... )
    >>> card = scorecard(data, d(2023, 2, 1), d(2023, 2, 28), weights={"trips": 3, "signed": 10})
    >>> card[["team", "trips", "visits", "projects", "signed", "signed_amount", "score", "rank"]].to_dict("records")[0]
    {'team': '二队', 'trips': 1, 'visits': 1, 'projects': 1, 'signed': 1, 'signed_amount': 2.5, 'score': 13.0, 'rank': 1}
    """
    if by not in ("team", "district"):
        raise ValueError(f"by must be 'team' or 'district', not {by!r}")
    district_of = {
        t: (dd if isinstance(dd, str) and dd else NO_DISTRICT)
        for t, dd in zip(data.teams["name"], data.teams["district"], strict=True)
    }

    def group(team: str) -> str:
        return team if by == "team" else district_of.get(team, NO_DISTRICT)

    keys = sorted({group(t) for t in data.teams["name"]})
    periods = {
        "": (start, end),
        "_ytd": (dt.date(end.year, 1, 1), end),
        "_prev": previous_period(start, end),
    }
    figures = {suffix: _measures(data, s, e, group) for suffix, (s, e) in periods.items()}
    keys = sorted(set(keys).union(*(f.keys() for f in figures.values())))
    rows = []
    for key in keys:
        row: dict = {
            "team": key if by == "team" else None,
            "district": district_of.get(key, NO_DISTRICT) if by == "team" else key,
        }
        now = figures[""].get(key, {})
        for m in MEASURES:
            value = now.get(m, 0)
            row[m] = round(value, 4) if m == "signed_amount" else int(value)
        for m in MEASURES:
            ytd = figures["_ytd"].get(key, {}).get(m, 0)
            change = now.get(m, 0) - figures["_prev"].get(key, {}).get(m, 0)
            row[f"{m}_ytd"] = round(ytd, 4) if m == "signed_amount" else int(ytd)
            row[f"{m}_change"] = round(change, 4) if m == "signed_amount" else int(change)
        row["score"] = round(sum((weights or {}).get(m, 0) * row[m] for m in MEASURES), 2)
        rows.append(row)
    columns = ["team", "district", *MEASURES, *(f"{m}_ytd" for m in MEASURES), *(f"{m}_change" for m in MEASURES)]
    df = pd.DataFrame(rows, columns=[*columns, "score"])
    df["rank"] = df["score"].rank(method="min", ascending=False).astype(int) if len(df) else pd.Series(dtype=int)
    order = df["team"] if by == "team" else df["district"]
    return df.assign(_k=order).sort_values(["rank", "_k"], kind="stable").drop(columns="_k").reset_index(drop=True)
