"""workforce: head counts per administration and year, self-assessment ratings and actions

Revision ID: 0902_workforce
Revises: 0901_tfa
"""
from alembic import op
import sqlalchemy as sa

TS = sa.DateTime(timezone=True)

revision = "0902_workforce"
down_revision = "0901_tfa"
branch_labels = None
depends_on = None

COUNTS = ("staff", "women", "frontline_staff", "frontline_women", "recruits", "recruits_women", "leaders",
          "leaders_women", "trained")


def upgrade() -> None:
    op.create_table(
        "workforce_metrics",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("economy", sa.String(2), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        *[sa.Column(name, sa.Integer(), nullable=False) for name in COUNTS],
        sa.Column("grades", sa.JSON(), nullable=False),
        sa.Column("illustrative", sa.Boolean(), nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("updated_by", sa.String(120), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workforce_metrics")),
        sa.UniqueConstraint("economy", "year", name="uq_workforce_metrics_economy_year"),
    )
    op.create_index("ix_workforce_metrics_economy", "workforce_metrics", ["economy"])
    op.create_table(
        "workforce_ratings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("economy", sa.String(2), nullable=False),
        sa.Column("assessed_on", sa.Date(), nullable=False),
        sa.Column("indicator", sa.String(10), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=True),
        sa.Column("action", sa.Text(), nullable=True),
        sa.Column("action_owner", sa.String(120), nullable=True),
        sa.Column("action_due", sa.Date(), nullable=True),
        sa.Column("action_done", sa.Boolean(), nullable=False),
        sa.Column("illustrative", sa.Boolean(), nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("updated_by", sa.String(120), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workforce_ratings")),
        sa.UniqueConstraint("economy", "assessed_on", "indicator", name="uq_workforce_ratings_economy_day_indicator"),
    )
    op.create_index("ix_workforce_ratings_economy", "workforce_ratings", ["economy"])


def downgrade() -> None:
    op.drop_index("ix_workforce_ratings_economy", "workforce_ratings")
    op.drop_table("workforce_ratings")
    op.drop_index("ix_workforce_metrics_economy", "workforce_metrics")
    op.drop_table("workforce_metrics")
