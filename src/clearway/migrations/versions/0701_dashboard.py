"""dashboard: entered indicators and their changes, publications received for the regional view

Revision ID: 0701_dashboard
Revises: 0001_core
"""
from alembic import op
import sqlalchemy as sa

revision = "0701_dashboard"
down_revision = "0001_core"
branch_labels = ("dashboard",)
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "dashboard_entered",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("economy", sa.String(2), nullable=False),
        sa.Column("key", sa.String(80), nullable=False),
        sa.Column("pillar", sa.String(20), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("value", sa.String(200), nullable=False),
        sa.Column("unit", sa.String(40), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("actor", sa.String(120), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dashboard_entered")),
        sa.UniqueConstraint("economy", "key", name="uq_dashboard_entered_economy_key"),
    )
    op.create_table(
        "dashboard_entered_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("indicator_id", sa.Integer(), nullable=False),
        sa.Column("value", sa.String(200), nullable=False),
        sa.Column("unit", sa.String(40), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("changed_at", TS, nullable=False),
        sa.Column("actor", sa.String(120), nullable=False),
        sa.ForeignKeyConstraint(["indicator_id"], ["dashboard_entered.id"], ondelete="CASCADE",
                                name=op.f("fk_dashboard_entered_changes_indicator_id_dashboard_entered")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dashboard_entered_changes")),
    )
    op.create_index(op.f("ix_dashboard_entered_changes_indicator_id"), "dashboard_entered_changes",
                    ["indicator_id"])
    op.create_table(
        "dashboard_publications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("economy", sa.String(2), nullable=False),
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("received_at", TS, nullable=False),
        sa.Column("actor", sa.String(120), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dashboard_publications")),
        sa.UniqueConstraint("economy", "period", name="uq_dashboard_publications_economy_period"),
    )


def downgrade() -> None:
    op.drop_table("dashboard_publications")
    op.drop_index(op.f("ix_dashboard_entered_changes_indicator_id"), table_name="dashboard_entered_changes")
    op.drop_table("dashboard_entered_changes")
    op.drop_table("dashboard_entered")
