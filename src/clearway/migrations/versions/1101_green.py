"""green: editions of the environmental goods list an administrator loads

Revision ID: 1101_green
Revises: 0001_core
Create Date: 2026-12-02 15:50:00
"""
from alembic import op
import sqlalchemy as sa

revision = "1101_green"
down_revision = "0001_core"
branch_labels = ("green",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "green_list_editions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("subheadings", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(120), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_green_list_editions")),
    )


def downgrade() -> None:
    op.drop_table("green_list_editions")
