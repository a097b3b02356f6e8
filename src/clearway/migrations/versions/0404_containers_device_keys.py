"""containers: device keys registered at affixing, reports stored per journey, refusals per journey

Revision ID: 0404_containers_device_keys
Revises: 0403_containers_route
"""
from alembic import op
import sqlalchemy as sa

revision = "0404_containers_device_keys"
down_revision = "0403_containers_route"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("seals") as batch:
        batch.add_column(sa.Column("device_key", sa.String(64), nullable=True))
    with op.batch_alter_table("seal_events") as batch:
        batch.add_column(sa.Column("seal_pk", sa.Integer(), nullable=True))
    # A report already stored belongs to the journey of its seal and economy it was received during.
    op.execute("UPDATE seal_events SET seal_pk = (SELECT s.id FROM seals s WHERE s.seal_id = seal_events.seal_id "
               "AND s.economy = seal_events.economy AND s.departure <= seal_events.received_at AND "
               "(s.removed_at IS NULL OR seal_events.received_at <= s.removed_at) ORDER BY s.id DESC LIMIT 1)")
    with op.batch_alter_table("seal_events") as batch:
        batch.drop_constraint("uq_seal_events_seal_seq_economy", type_="unique")
        batch.create_unique_constraint("uq_seal_events_journey_seq", ["seal_pk", "seq"])
    with op.batch_alter_table("seal_event_refusals") as batch:
        batch.add_column(sa.Column("seal_pk", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("kind", sa.String(20), nullable=True))
    op.create_index("ix_seal_event_refusals_seal_pk", "seal_event_refusals", ["seal_pk"])


def downgrade() -> None:
    op.drop_index("ix_seal_event_refusals_seal_pk", "seal_event_refusals")
    with op.batch_alter_table("seal_event_refusals") as batch:
        batch.drop_column("kind")
        batch.drop_column("seal_pk")
    with op.batch_alter_table("seal_events") as batch:
        batch.drop_constraint("uq_seal_events_journey_seq", type_="unique")
        batch.create_unique_constraint("uq_seal_events_seal_seq_economy", ["seal_id", "seq", "economy"])
        batch.drop_column("seal_pk")
    with op.batch_alter_table("seals") as batch:
        batch.drop_column("device_key")
