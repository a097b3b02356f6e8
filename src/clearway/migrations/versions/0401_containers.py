"""containers: seals, seal events, refused events, seal alerts

Revision ID: 0401_containers
Revises: 0001_core
"""
from alembic import op
import sqlalchemy as sa

revision = "0401_containers"
down_revision = "0001_core"
branch_labels = ("containers",)
depends_on = None

BIGINT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "seals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seal_id", sa.String(64), nullable=False),
        sa.Column("manufacturer", sa.String(20), nullable=False),
        sa.Column("serial", sa.String(40), nullable=False),
        sa.Column("container", sa.String(11), nullable=False),
        sa.Column("economy", sa.String(2), nullable=False),
        sa.Column("loading_office", sa.String(5), nullable=False),
        sa.Column("destination_office", sa.String(5), nullable=False),
        sa.Column("departure", TS, nullable=False),
        sa.Column("arrival_from", TS, nullable=False),
        sa.Column("arrival_to", TS, nullable=False),
        sa.Column("places", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("affixed_at", TS, nullable=False),
        sa.Column("affixed_by", sa.String(120), nullable=False),
        sa.Column("removed_at", TS, nullable=True),
        sa.Column("removed_by", sa.String(120), nullable=True),
        sa.Column("removal_reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_seals")),
    )
    op.create_index("ix_seals_seal_id_status", "seals", ["seal_id", "status"])
    op.create_index("ix_seals_container_status", "seals", ["container", "status"])
    op.create_table(
        "seal_events",
        sa.Column("id", BIGINT, autoincrement=True, nullable=False),
        sa.Column("seal_id", sa.String(64), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("container", sa.String(11), nullable=True),
        sa.Column("device_time", TS, nullable=False),
        sa.Column("received_at", TS, nullable=False),
        sa.Column("device_ts", sa.Float(), nullable=False),
        sa.Column("received_ts", sa.Float(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("battery", sa.Float(), nullable=False),
        sa.Column("source", sa.String(10), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_seal_events")),
        sa.UniqueConstraint("seal_id", "seq", name="uq_seal_events_seal_seq"),
    )
    op.create_index("ix_seal_events_container", "seal_events", ["container"])
    op.create_index("ix_seal_events_received_ts", "seal_events", ["received_ts"])
    op.create_table(
        "seal_event_refusals",
        sa.Column("id", BIGINT, autoincrement=True, nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("source", sa.String(10), nullable=False),
        sa.Column("seal_id", sa.String(64), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_seal_event_refusals")),
    )
    op.create_table(
        "seal_alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seal_pk", sa.Integer(), nullable=False),
        sa.Column("seal_id", sa.String(64), nullable=False),
        sa.Column("container", sa.String(11), nullable=False),
        sa.Column("economy", sa.String(2), nullable=False),
        sa.Column("rule", sa.String(20), nullable=False),
        sa.Column("severity", sa.String(10), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("event_at", TS, nullable=False),
        sa.Column("raised_at", TS, nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("closed_at", TS, nullable=True),
        sa.Column("closed_by", sa.String(120), nullable=True),
        sa.Column("finding", sa.String(20), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["seal_pk"], ["seals.id"], name=op.f("fk_seal_alerts_seal_pk_seals"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_seal_alerts")),
    )
    op.create_index("ix_seal_alerts_status_economy", "seal_alerts", ["status", "economy"])
    op.create_index("ix_seal_alerts_container", "seal_alerts", ["container"])
    op.create_index("ix_seal_alerts_seal_rule", "seal_alerts", ["seal_pk", "rule"])


def downgrade() -> None:
    op.drop_table("seal_alerts")
    op.drop_table("seal_event_refusals")
    op.drop_table("seal_events")
    op.drop_table("seals")
