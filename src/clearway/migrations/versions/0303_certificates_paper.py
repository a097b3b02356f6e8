"""certificates: when a certificate first touched paper (printable copy opened, printed code checked)

Existing rows stay null: no print or check was recorded before this column.

Revision ID: 0303_certificates_paper
Revises: 0302_certificates_sealed_keys
"""
from alembic import op
import sqlalchemy as sa


revision = "0303_certificates_paper"
down_revision = "0302_certificates_sealed_keys"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("certificates") as batch:
        batch.add_column(sa.Column("paper_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("certificates") as batch:
        batch.drop_column("paper_at")
