"""tfa: commitments per economy and measure, capacity-building projects

Revision ID: 0901_tfa
Revises: 0001_core
"""
from alembic import op
import sqlalchemy as sa

TS = sa.DateTime(timezone=True)

revision = "0901_tfa"
down_revision = "0001_core"
branch_labels = ("tfa",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tfa_commitments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("economy", sa.String(2), nullable=False),
        sa.Column("measure", sa.String(8), nullable=False),
        sa.Column("category", sa.String(1), nullable=False),
        sa.Column("indicative_date", sa.Date(), nullable=True),
        sa.Column("definitive_date", sa.Date(), nullable=True),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("percent", sa.Integer(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=True),
        sa.Column("priority", sa.String(6), nullable=True),
        sa.Column("ta_needed", sa.Text(), nullable=True),
        sa.Column("illustrative", sa.Boolean(), nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("updated_by", sa.String(120), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tfa_commitments")),
        sa.UniqueConstraint("economy", "measure", name="uq_tfa_commitments_economy_measure"),
    )
    op.create_index("ix_tfa_commitments_economy", "tfa_commitments", ["economy"])
    op.create_table(
        "tfa_projects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(40), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("donor", sa.String(200), nullable=False),
        sa.Column("measures", sa.JSON(), nullable=False),
        sa.Column("eligible", sa.JSON(), nullable=False),
        sa.Column("modality", sa.String(40), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("start", sa.Date(), nullable=True),
        sa.Column("end", sa.Date(), nullable=True),
        sa.Column("illustrative", sa.Boolean(), nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("updated_by", sa.String(120), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tfa_projects")),
        sa.UniqueConstraint("code", name="uq_tfa_projects_code"),
    )


def downgrade() -> None:
    op.drop_table("tfa_projects")
    op.drop_index("ix_tfa_commitments_economy", "tfa_commitments")
    op.drop_table("tfa_commitments")
