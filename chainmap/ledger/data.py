"""The ledger read into pandas DataFrames, the input of the pure scorecard and pipeline functions."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Connection, Engine, select

from .schema import activities, projects, teams, visits

__all__ = ["LedgerData", "read_ledger"]


@dataclass
class LedgerData:
    """Teams, activities, visits and projects with the ledger's column names (dates as ``datetime.date``)."""

    teams: pd.DataFrame
    activities: pd.DataFrame
    visits: pd.DataFrame
    projects: pd.DataFrame

    @classmethod
    def from_records(cls, **tables: list[dict]) -> LedgerData:
        """Build from lists of row dicts (missing tables are empty), e.g. in tests and examples."""
        cols = {
            "teams": [c.name for c in teams.c],
            "activities": [c.name for c in activities.c],
            "visits": [c.name for c in visits.c],
            "projects": [c.name for c in projects.c],
        }
        frames = {
            k: pd.DataFrame([{c: r.get(c) for c in v} for r in tables.get(k, [])], columns=v, dtype=object)
            for k, v in cols.items()
        }
        return cls(**frames)


def read_ledger(source: Engine | Connection) -> LedgerData:
    """Every row of the ledger at ``source``, ordered by key."""

    def rows(conn: Connection) -> dict[str, list[dict]]:
        out = {}
        for name, table in (("teams", teams), ("activities", activities), ("visits", visits), ("projects", projects)):
            key = table.c.id if name == "visits" else next(iter(table.primary_key.columns))
            out[name] = [dict(r) for r in conn.execute(select(table).order_by(key)).mappings()]
        return out

    if isinstance(source, Engine):
        with source.connect() as conn:
            return LedgerData.from_records(**rows(conn))
    return LedgerData.from_records(**rows(source))
