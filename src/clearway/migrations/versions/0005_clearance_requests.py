"""declaration_items: a clearance request's goods items may omit the commodity code, quantity, unit and value

A clearance request (declarations.schemas.KINDS; UK CDS additional declaration type J, K pre-lodged) asks release
of goods for which no full declaration is required: its items carry a description, net mass and packages. The
kind lives in the declaration's content; every other declaration still carries the four (declarations.core).
Downgrade refuses while a clearance request's item lacks one of them.

Revision ID: 0005_clearance_requests
Revises: 0004_idempotency
"""
from alembic import op
import sqlalchemy as sa

revision = "0005_clearance_requests"
down_revision = "0004_idempotency"
branch_labels = None
depends_on = None

MONEY = sa.Numeric(24, 6).with_variant(sa.String(40), "sqlite")  # as 0001_core
COLUMNS = (("hs_code", sa.String(10)), ("quantity", MONEY), ("unit", sa.String(10)), ("value", MONEY))


def upgrade() -> None:
    with op.batch_alter_table("declaration_items") as batch:
        for name, kind in COLUMNS:
            batch.alter_column(name, existing_type=kind, nullable=True)


def downgrade() -> None:
    missing = " OR ".join(f"{name} IS NULL" for name, _ in COLUMNS)
    if op.get_bind().execute(sa.text(f"SELECT count(*) FROM declaration_items WHERE {missing}")).scalar():
        raise RuntimeError("declaration_items: clearance requests' goods items lack a commodity code, quantity, unit "
                           "or value; remove those declarations before downgrading below 0005_clearance_requests")
    with op.batch_alter_table("declaration_items") as batch:
        for name, kind in COLUMNS:
            batch.alter_column(name, existing_type=kind, nullable=False)
