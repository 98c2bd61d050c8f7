"""The ledger's tables (SQLAlchemy Core) and the fixed vocabularies of the workbook officers fill."""

from __future__ import annotations

from sqlalchemy import Column, Date, Float, ForeignKey, Integer, MetaData, String, Table, Text, UniqueConstraint

__all__ = [
    "ACTIVITY_TYPES",
    "LEAD_SOURCES",
    "LIVE_STAGES",
    "STAGES",
    "TEAM_TYPES",
    "activities",
    "metadata",
    "projects",
    "stage_history",
    "teams",
    "visits",
]

STAGES = ("线索", "在谈", "签约", "开工", "投产", "终止")
LIVE_STAGES = ("签约", "开工", "投产")  # projects that count on the map (landed or landing)
ACTIVITY_TYPES = ("外出招商", "来访接待", "推介会", "线上洽谈")
TEAM_TYPES = ("专业招商队伍", "招商小分队", "其他")
LEAD_SOURCES = ("以商引商", "链式招商", "基金招商", "展会推介", "平台线索", "外出拜访", "其他")

metadata = MetaData()

teams = Table(
    "teams",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("district", String(100)),
    Column("type", String(20)),
)

activities = Table(
    "activities",
    metadata,
    Column("code", String(50), primary_key=True),
    Column("type", String(20), nullable=False),
    Column("team", String(100), ForeignKey("teams.name"), nullable=False),
    Column("start_date", Date, nullable=False),
    Column("end_date", Date),
    Column("city", String(100)),
    Column("leader", String(100)),
    Column("note", Text),
)

visits = Table(
    "visits",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("activity", String(50), ForeignKey("activities.code"), nullable=False),
    Column("date", Date, nullable=False),
    Column("company", String(200), nullable=False),
    Column("credit_code", String(18)),
    Column("project", String(50)),
    Column("note", Text),
    # one row per firm met (家次): the same firm on the same day of the same activity is one visit
    UniqueConstraint("activity", "date", "company", name="uq_visit"),
)

projects = Table(
    "projects",
    metadata,
    Column("code", String(50), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("investor", String(200)),
    Column("credit_code", String(18)),
    Column("chain", String(100)),  # chain id of the library
    Column("link", String(100)),  # link (环节) node id of the library
    Column("team", String(100), ForeignKey("teams.name")),
    Column("district", String(100)),
    Column("stage", String(10), nullable=False),
    Column("planned", Float),  # 计划总投资, 亿元
    Column("paid_in", Float),  # 累计到资, 亿元
    Column("lead_source", String(20)),
    Column("first_contact", Date),
    Column("signed", Date),
    Column("started", Date),
    Column("producing", Date),
    Column("note", Text),
)

stage_history = Table(
    "stage_history",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("project", String(50), ForeignKey("projects.code"), nullable=False),
    Column("old_stage", String(10)),
    Column("new_stage", String(10), nullable=False),
    Column("changed_at", String(32), nullable=False),  # UTC, ISO 8601
    Column("source", String(300), nullable=False),  # the file imported, or "cli"
    Column("by", String(100)),  # the operating-system user who ran it
)
