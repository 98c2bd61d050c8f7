"""The first ledger schema: teams, activities, visits, projects, stage history.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "teams",
        sa.Column("name", sa.String(100), primary_key=True),
        sa.Column("district", sa.String(100)),
        sa.Column("type", sa.String(20)),
    )
    op.create_table(
        "activities",
        sa.Column("code", sa.String(50), primary_key=True),
        sa.Column("type", sa.String(20), nullable=False),
        sa.Column("team", sa.String(100), sa.ForeignKey("teams.name"), nullable=False),
        sa.Column("start_date", sa.Date, nullable=False),
        sa.Column("end_date", sa.Date),
        sa.Column("city", sa.String(100)),
        sa.Column("leader", sa.String(100)),
        sa.Column("note", sa.Text),
    )
    op.create_table(
        "visits",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("activity", sa.String(50), sa.ForeignKey("activities.code"), nullable=False),
        sa.Column("date", sa.Date, nullable=False),
        sa.Column("company", sa.String(200), nullable=False),
        sa.Column("credit_code", sa.String(18)),
        sa.Column("project", sa.String(50)),
        sa.Column("note", sa.Text),
        sa.UniqueConstraint("activity", "date", "company", name="uq_visit"),
    )
    op.create_table(
        "projects",
        sa.Column("code", sa.String(50), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("investor", sa.String(200)),
        sa.Column("credit_code", sa.String(18)),
        sa.Column("chain", sa.String(100)),
        sa.Column("link", sa.String(100)),
        sa.Column("team", sa.String(100), sa.ForeignKey("teams.name")),
        sa.Column("district", sa.String(100)),
        sa.Column("stage", sa.String(10), nullable=False),
        sa.Column("planned", sa.Float),
        sa.Column("paid_in", sa.Float),
        sa.Column("lead_source", sa.String(20)),
        sa.Column("first_contact", sa.Date),
        sa.Column("signed", sa.Date),
        sa.Column("started", sa.Date),
        sa.Column("producing", sa.Date),
        sa.Column("note", sa.Text),
    )
    op.create_table(
        "stage_history",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("project", sa.String(50), sa.ForeignKey("projects.code"), nullable=False),
        sa.Column("old_stage", sa.String(10)),
        sa.Column("new_stage", sa.String(10), nullable=False),
        sa.Column("changed_at", sa.String(32), nullable=False),
        sa.Column("source", sa.String(300), nullable=False),
        sa.Column("by", sa.String(100)),
    )
