"""wco: how far each callback's events have been swept for response messages to push

Revision ID: 1002_wco_push
Revises: 1001_wco
"""
from alembic import op
import sqlalchemy as sa

revision = "1002_wco_push"
down_revision = "1001_wco"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("wco_callbacks", sa.Column("swept_to", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("wco_callbacks") as batch:
        batch.drop_column("swept_to")
