"""timerelease: one row of WCO TRS milestones per declaration, filled from the history there is

Revision ID: 1201_timerelease
Revises: 0003_declarations_channel (the backfill reads declarations with their channel)
"""
from alembic import op
import sqlalchemy as sa

from clearway.flows.milestones import backfill

revision = "1201_timerelease"
down_revision = "0003_declarations_channel"
branch_labels = ("timerelease",)
# The backfill reads the lanes, controls (risk), assessments (tariff), payments and releases: on a database
# with declarations those branches are there already (they came with the first declarations' flows); on a
# new one there is nothing to fill and none of them is read (flows.milestones.backfill).
depends_on = None

TIMES = ("arrival", "lodged", "accepted", "assessed", "lane_selected", "control_start", "control_end", "paid",
         "released")


def upgrade() -> None:
    op.create_table(
        "timerelease_milestones",
        sa.Column("declaration_id", sa.Integer(), nullable=False, autoincrement=False),
        sa.Column("economy", sa.String(2), nullable=False),
        sa.Column("office", sa.String(5), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("declarant", sa.String(80), nullable=False),
        sa.Column("importer", sa.String(80), nullable=True),
        sa.Column("mode", sa.String(20), nullable=True),
        sa.Column("lane", sa.String(10), nullable=True),
        sa.Column("low_value", sa.Boolean(), nullable=True),
        sa.Column("items", sa.Integer(), nullable=False),
        sa.Column("goods", sa.Text(), nullable=False),
        *(sa.Column(t, sa.DateTime(timezone=True), nullable=t != "lodged") for t in TIMES),
        sa.ForeignKeyConstraint(["declaration_id"], ["declarations.id"], ondelete="CASCADE",
                                name=op.f("fk_timerelease_milestones_declaration_id_declarations")),
        sa.PrimaryKeyConstraint("declaration_id", name=op.f("pk_timerelease_milestones")),
    )
    op.create_index("ix_timerelease_milestones_lodged", "timerelease_milestones", ["lodged"])
    op.create_index("ix_timerelease_milestones_economy_lodged", "timerelease_milestones", ["economy", "lodged"])
    # Filled from the history there is, by the same code that keeps it in step afterwards.
    backfill(op.get_bind())


def downgrade() -> None:
    op.drop_table("timerelease_milestones")
