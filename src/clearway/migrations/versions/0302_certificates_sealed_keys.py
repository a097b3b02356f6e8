"""certificates: NPPO private keys encrypted at rest (clearway.keyring)

Revision ID: 0302_certificates_sealed_keys
Revises: 0301_certificates
"""
from alembic import op
import sqlalchemy as sa

from clearway import keyring

revision = "0302_certificates_sealed_keys"
down_revision = "0301_certificates"
branch_labels = None
depends_on = None

KEYS = sa.table("certificate_nppo_keys", sa.column("id", sa.Integer), sa.column("key_pem", sa.Text))


def _rewrite(change) -> None:
    conn = op.get_bind()
    for row in conn.execute(sa.select(KEYS.c.id, KEYS.c.key_pem)).all():
        new = change(row.key_pem)
        if new != row.key_pem:
            conn.execute(sa.update(KEYS).where(KEYS.c.id == row.id).values(key_pem=new))


def upgrade() -> None:
    _rewrite(lambda pem: pem if pem.startswith(keyring.PREFIX) else keyring.seal(pem))


def downgrade() -> None:
    _rewrite(keyring.unseal)
