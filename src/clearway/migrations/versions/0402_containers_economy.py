"""containers: seal events and their refusals belong to the economy that sent them

Revision ID: 0402_containers_economy
Revises: 0401_containers
"""
from alembic import op
import sqlalchemy as sa

revision = "0402_containers_economy"
down_revision = "0401_containers"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("seal_events") as batch:
        batch.add_column(sa.Column("economy", sa.String(2), nullable=True))
    # Reports already stored belong to the journey that read them: by their seal, else by their container.
    op.execute("UPDATE seal_events SET economy = (SELECT s.economy FROM seals s WHERE s.seal_id = "
               "seal_events.seal_id ORDER BY s.id DESC LIMIT 1) WHERE economy IS NULL")
    op.execute("UPDATE seal_events SET economy = (SELECT s.economy FROM seals s WHERE s.container = "
               "seal_events.container ORDER BY s.id DESC LIMIT 1) WHERE economy IS NULL")
    with op.batch_alter_table("seal_events") as batch:
        batch.drop_constraint("uq_seal_events_seal_seq", type_="unique")
        batch.create_unique_constraint("uq_seal_events_seal_seq_economy", ["seal_id", "seq", "economy"])
    with op.batch_alter_table("seal_event_refusals") as batch:
        batch.add_column(sa.Column("economy", sa.String(2), nullable=True))
    op.create_index("ix_seal_event_refusals_economy", "seal_event_refusals", ["economy"])


def downgrade() -> None:
    op.drop_index("ix_seal_event_refusals_economy", "seal_event_refusals")
    with op.batch_alter_table("seal_event_refusals") as batch:
        batch.drop_column("economy")
    with op.batch_alter_table("seal_events") as batch:
        batch.drop_constraint("uq_seal_events_seal_seq_economy", type_="unique")
        batch.create_unique_constraint("uq_seal_events_seal_seq", ["seal_id", "seq"])
        batch.drop_column("economy")
