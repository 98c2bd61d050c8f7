"""The follow-through ledger: teams, activities, visits and the project pipeline, in SQL.

SQLite by default (see :mod:`chainmap.ledger.db` for where), any SQLAlchemy URL through ``--db`` or
``CHAINMAP_DB``. Sits beside the graph build: reads the library (chain and link names), never the
presentation layer. Other parts of chainmap read it through :func:`live_projects` (live projects per
环节 node id) and :func:`pipeline_stage_of_firms` (the stage of an investor in the pipeline).
"""

from __future__ import annotations

from .data import LedgerData, read_ledger
from .db import default_url, existing_ledger, open_ledger
from .pipeline import funnel, live_projects, pipeline_stage_of_firms, project_list
from .scorecard import MEASURES, month_period, scorecard
from .store import ImportSummary, import_files

__all__ = [
    "MEASURES",
    "ImportSummary",
    "LedgerData",
    "default_url",
    "existing_ledger",
    "funnel",
    "import_files",
    "live_projects",
    "month_period",
    "open_ledger",
    "pipeline_stage_of_firms",
    "project_list",
    "read_ledger",
    "scorecard",
]
