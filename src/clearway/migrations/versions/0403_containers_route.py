"""containers: journeys know their road (planned route, its source and class), the device model's reporting
intervals, and when a removal was recorded (removed_at is now when the seal was cut)

Revision ID: 0403_containers_route
Revises: 0402_containers_economy
"""
from alembic import op
import sqlalchemy as sa

TS = sa.DateTime(timezone=True)

revision = "0403_containers_route"
down_revision = "0402_containers_economy"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("seals") as batch:
        batch.add_column(sa.Column("route", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("route_name", sa.String(60), nullable=True))
        batch.add_column(sa.Column("route_source", sa.String(10), nullable=False, server_default="straight"))
        batch.add_column(sa.Column("route_class", sa.String(10), nullable=False, server_default="road"))
        batch.add_column(sa.Column("report_moving_s", sa.Float(), nullable=False, server_default="300"))
        batch.add_column(sa.Column("report_parked_s", sa.Float(), nullable=False, server_default="3600"))
        batch.add_column(sa.Column("removal_recorded_at", TS, nullable=True))
    op.create_index("ix_seals_offices_status", "seals", ["loading_office", "destination_office", "status"])


def downgrade() -> None:
    op.drop_index("ix_seals_offices_status", "seals")
    with op.batch_alter_table("seals") as batch:
        for name in ("removal_recorded_at", "report_parked_s", "report_moving_s", "route_class", "route_source",
                     "route_name", "route"):
            batch.drop_column(name)
