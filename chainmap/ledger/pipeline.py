"""The project pipeline (线索 -> 在谈 -> 签约 -> 开工 -> 投产): the list, the funnel, overdue flags, and
the views other parts of chainmap read (live projects per link, the stage of a firm in the pipeline)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import Connection, Engine

from ..load import Library
from .data import LedgerData, read_ledger
from .resolve import Resolver
from .schema import LIVE_STAGES, STAGES

__all__ = ["funnel", "live_projects", "pipeline_stage_of_firms", "project_list"]

_RANK = {s: i for i, s in enumerate(STAGES[:-1])}  # 终止 is not a stage reached


def project_list(
    data: LedgerData,
    as_of: dt.date,
    *,
    overdue_days: int = 180,
    stage: str | None = None,
    chain: str | None = None,
    team: str | None = None,
    overdue_only: bool = False,
) -> pd.DataFrame:
    """Projects with 到资 progress and the overdue flag (signed, not started ``overdue_days`` after signing).

    Parameters
    ----------
    data : LedgerData
        The ledger.
    as_of : datetime.date
        The day the overdue rule is applied on.
    overdue_days : int
        The region profile's ``scorecard.overdue_days``.
    stage, chain, team : str, optional
        Keep only this stage, chain id or team.
    overdue_only : bool
        Keep only overdue projects.

    Returns
    -------
    pandas.DataFrame
        ``code``, ``name``, ``investor``, ``chain``, ``link``, ``team``, ``district``, ``stage``, ``planned``,
        ``paid_in``, ``paid_share`` (累计到资 / 计划总投资, or None), ``signed``, ``started``,
        ``days_since_signed``, ``overdue``; by project code.

    Examples
    --------
    >>> d = dt.date
    >>> data = LedgerData.from_records(projects=[
    ...     {"code": "P1", "name": "甲", "stage": "签约", "planned": 4.0, "paid_in": 1.0, "signed": d(2023, 1, 1)},
    ...     {"code": "P2", "name": "乙", "stage": "开工", "signed": d(2023, 1, 1), "started": d(2023, 3, 1)}])
    >>> project_list(data, d(2023, 12, 31))[["code", "paid_share", "overdue"]].to_dict("records")
    [{'code': 'P1', 'paid_share': 0.25, 'overdue': True}, {'code': 'P2', 'paid_share': None, 'overdue': False}]
    """
    df = data.projects.copy()
    if stage:
        df = df[df["stage"] == stage]
    if chain:
        df = df[df["chain"] == chain]
    if team:
        df = df[df["team"] == team]

    def share(row: pd.Series) -> float | None:
        planned, paid = row["planned"], row["paid_in"]
        if planned is None or pd.isna(planned) or not planned or paid is None or pd.isna(paid):
            return None
        return round(float(paid) / float(planned), 4)

    def since(day: object) -> int | None:
        return None if day is None or pd.isna(day) else (as_of - day).days

    df["paid_share"] = pd.Series([share(r) for _, r in df.iterrows()], index=df.index, dtype=object)
    df["days_since_signed"] = pd.Series([since(x) for x in df["signed"]], index=df.index, dtype=object)
    df["overdue"] = [
        bool(s == "签约" and n is not None and n > overdue_days)
        for s, n in zip(df["stage"], df["days_since_signed"], strict=True)
    ]
    if overdue_only:
        df = df[df["overdue"]]
    cols = ["code", "name", "investor", "chain", "link", "team", "district", "stage", "planned", "paid_in"]
    cols += ["paid_share", "signed", "started", "days_since_signed", "overdue"]
    return df[cols].sort_values("code").reset_index(drop=True)


def funnel(projects: pd.DataFrame) -> pd.DataFrame:
    """Projects per chain and stage, with planned investment and 到资 totals (亿元); a 合计 row last.

    Examples
    --------
    >>> df = pd.DataFrame({"chain": ["a", "a", None], "stage": ["签约", "线索", "签约"],
    ...                    "planned": [2.0, None, 1.0], "paid_in": [0.5, None, None]})
    >>> funnel(df)[["chain", "线索", "签约", "projects", "planned"]].to_dict("records")
    [{'chain': 'a', '线索': 1, '签约': 1, 'projects': 2, 'planned': 2.0}, {'chain': '未填产业链', '线索': 0, '签约': 1, 'projects': 1, 'planned': 1.0}, {'chain': '合计', '线索': 1, '签约': 2, 'projects': 3, 'planned': 3.0}]
    """
    chains = projects["chain"].map(lambda c: c if isinstance(c, str) and c else "未填产业链")
    rows = []
    for chain in sorted(set(chains)) + ["合计"]:
        part = projects if chain == "合计" else projects[chains == chain]
        row: dict = {"chain": chain}
        for s in STAGES:
            row[s] = int((part["stage"] == s).sum())
        row["projects"] = len(part)
        row["planned"] = round(float(pd.to_numeric(part["planned"], errors="coerce").fillna(0).sum()), 4)
        row["paid_in"] = round(float(pd.to_numeric(part["paid_in"], errors="coerce").fillna(0).sum()), 4)
        rows.append(row)
    return pd.DataFrame(rows, columns=["chain", *STAGES, "projects", "planned", "paid_in"])


def live_projects(source: Engine | Connection | LedgerData) -> dict[str, list[dict]]:
    """Live projects (签约, 开工, 投产) per 环节 node id: ``{node_id: [{id, name, stage, investor, team,
    planned}]}``, each list by project id; projects without a link are left out."""
    data = source if isinstance(source, LedgerData) else read_ledger(source)
    out: dict[str, list[dict]] = {}
    for _, p in data.projects.sort_values("code").iterrows():
        if p["stage"] in LIVE_STAGES and isinstance(p["link"], str):
            planned = None if p["planned"] is None or pd.isna(p["planned"]) else float(p["planned"])
            out.setdefault(p["link"], []).append(
                {
                    "id": p["code"],
                    "name": p["name"],
                    "stage": p["stage"],
                    "investor": p["investor"],
                    "team": p["team"],
                    "planned": planned,
                }
            )
    return out


def pipeline_stage_of_firms(source: Engine | Connection | LedgerData, lib: Library | None = None) -> dict[str, str]:
    """The furthest pipeline stage of each investor: ``{credit code or library company id: stage}``.

    A project's investor is keyed by its 统一社会信用代码 and, when ``lib`` is given, by the id of the
    library company with that credit code or name (also short name or alias). 终止 counts only when the
    firm has no other project.
    """
    data = source if isinstance(source, LedgerData) else read_ledger(source)
    by_code: dict[str, str] = {}
    by_name: dict[str, str] = {}
    if lib is not None:
        for cid, c in lib.companies.items():
            if c.credit_code:
                by_code[c.credit_code.upper()] = cid
            for n in (c.name, c.short_name, *c.aliases):
                if n:
                    by_name.setdefault(n, cid)
    store = getattr(lib, "store", None)
    if store is not None:  # imported firms stay in the firm store, not in lib.companies
        investors = {n.strip() for n in data.projects["investor"] if isinstance(n, str) and n.strip()}
        found = store.find(investors - by_name.keys())
        for name, cid in zip(found, store.ids(list(found.values())), strict=True):
            by_name[name] = cid
    out: dict[str, str] = {}

    def put(key: str, stage: str) -> None:
        old = out.get(key)
        if old is None or _RANK.get(stage, -1) > _RANK.get(old, -1):
            out[key] = stage

    for _, p in data.projects.iterrows():
        keys = []
        if isinstance(p["credit_code"], str):
            keys += [p["credit_code"], by_code.get(p["credit_code"])]
        if isinstance(p["investor"], str):
            keys.append(by_name.get(p["investor"].strip()))
        for k in filter(None, keys):
            put(k, p["stage"])
    return out


def named(df: pd.DataFrame, lib: Library | None) -> pd.DataFrame:
    """The list with chain and link names in place of ids (for people)."""
    res = Resolver(lib)
    return df.assign(chain=df["chain"].map(res.chain_name), link=df["link"].map(res.link_name))
