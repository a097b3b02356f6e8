"""core: no index that a lodgement writes and no query needs: one another index holds, one nothing reads

Every lodgement writes its goods items, a version and a status event, and every index of their tables takes an
entry of each (on SQLite, a page of the write-ahead log each).
- `ix_declaration_versions_declaration_id` (declaration_id) is the head of the unique
  `uq_declaration_versions_version` (declaration_id, version), which finds a declaration's versions as well; on
  PostgreSQL, where 0007 keyed both tables by (declaration_id, id), so is
  `ix_declaration_status_events_declaration_id` (SQLite keys its status events by id alone: it stays there).
- `ix_declaration_items_hs_code`: no query looks goods items up by their code (those that read codes read a
  declaration's items, or the first six digits of every item's, which a plain index of the code does not serve).
Two pages less for SQLite to log a lodgement (26 -> 24), four index entries less for PostgreSQL with two items
(issue 16; docs/benchmarks.md, "Indexes a lodgement writes and no query needs").

Revision ID: 0008_core_lodging_indexes
Revises: 0007_core_declaration_partitions
"""
from alembic import op

revision = "0008_core_lodging_indexes"
down_revision = "0007_core_declaration_partitions"
branch_labels = None
depends_on = None

# (table, index, column): dropped on every engine / on PostgreSQL only
EVERYWHERE = [("declaration_versions", "ix_declaration_versions_declaration_id", "declaration_id"),
              ("declaration_items", "ix_declaration_items_hs_code", "hs_code")]
POSTGRESQL = [("declaration_status_events", "ix_declaration_status_events_declaration_id", "declaration_id")]


def _indexes() -> list[tuple[str, str, str]]:
    return EVERYWHERE + (POSTGRESQL if op.get_bind().dialect.name == "postgresql" else [])


def upgrade() -> None:
    for _, name, _ in _indexes():  # (on PostgreSQL a partitioned table's index takes its partitions' with it)
        op.execute(f"DROP INDEX {name}")


def downgrade() -> None:
    for table, name, column in _indexes():
        op.execute(f"CREATE INDEX {name} ON {table} ({column})")
