"""risk: each economy's changes to the shipped essential-goods list

Revision ID: 0202_risk_essential
Revises: 0201_risk
Create Date: 2026-12-02 12:55:00
"""
from alembic import op
import sqlalchemy as sa

revision = "0202_risk_essential"
down_revision = "0201_risk"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "risk_essential_goods",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("economy", sa.String(2), nullable=False),
        sa.Column("subheading", sa.String(6), nullable=False),
        sa.Column("included", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(120), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_essential_goods")),
        sa.UniqueConstraint("economy", "subheading", name="uq_risk_essential_goods"),
    )


def downgrade() -> None:
    op.drop_table("risk_essential_goods")
