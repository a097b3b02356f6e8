"""wco: DEC messages as lodged, callback addresses, response message deliveries

Revision ID: 1001_wco
Revises: 0001_core
"""
from alembic import op
import sqlalchemy as sa

revision = "1001_wco"
down_revision = "0001_core"
branch_labels = ("wco",)
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "wco_lodged_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("declaration_id", sa.Integer(), nullable=False),
        sa.Column("profile", sa.String(80), nullable=False),
        sa.Column("xml", sa.Text(), nullable=False),
        sa.Column("lodged_at", TS, nullable=False),
        sa.ForeignKeyConstraint(["declaration_id"], ["declarations.id"],
                                name=op.f("fk_wco_lodged_messages_declaration_id_declarations"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wco_lodged_messages")),
        sa.UniqueConstraint("declaration_id", name=op.f("uq_wco_lodged_messages_declaration_id")),
    )
    op.create_table(
        "wco_callbacks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("economy", sa.String(2), nullable=False),
        sa.Column("declarant_id", sa.String(80), nullable=False),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("registered_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wco_callbacks")),
        sa.UniqueConstraint("economy", "declarant_id", name="uq_wco_callbacks_declarant"),
    )
    op.create_table(
        "wco_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("declaration_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("function_code", sa.String(2), nullable=False),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_at", TS, nullable=False),
        sa.Column("delivered_at", TS, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["declaration_id"], ["declarations.id"],
                                name=op.f("fk_wco_deliveries_declaration_id_declarations"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["event_id"], ["declaration_status_events.id"],
                                name=op.f("fk_wco_deliveries_event_id_declaration_status_events"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wco_deliveries")),
        sa.UniqueConstraint("event_id", "function_code", name="uq_wco_deliveries_event_code"),
    )
    op.create_index("ix_wco_deliveries_declaration_id", "wco_deliveries", ["declaration_id"])
    op.create_index("ix_wco_deliveries_next_at", "wco_deliveries", ["next_at"])


def downgrade() -> None:
    op.drop_table("wco_deliveries")
    op.drop_table("wco_callbacks")
    op.drop_table("wco_lodged_messages")
