"""declarations: the channel each declaration reached Clearway through (api, web, upload, file, paper)

Existing rows get "unrecorded": lodged before the channel was recorded, when every channel Clearway offered
(the API, the web form, file uploads, `clearway submit`) was electronic.

Revision ID: 0003_declarations_channel
Revises: 0002_core_audit_blocks
"""
from alembic import op
import sqlalchemy as sa

revision = "0003_declarations_channel"
down_revision = "0002_core_audit_blocks"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("declarations") as batch:
        batch.add_column(sa.Column("channel", sa.String(10), nullable=False, server_default="unrecorded"))


def downgrade() -> None:
    with op.batch_alter_table("declarations") as batch:
        batch.drop_column("channel")
