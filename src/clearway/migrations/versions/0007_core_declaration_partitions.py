"""core: declarations and their history partitioned by month on PostgreSQL (declarations/partitions.py, issue 16)

`declarations` becomes a table partitioned by its id, which is month-numbered from now on (`clearway_month_id`:
YYYYMM times 10^10 plus the sequence's next number); `declaration_status_events` and `declaration_versions` are
partitioned by their declaration's id on the same bounds. Every row is copied as it is: the existing ones keep
their ids in the `_legacy` partitions. The keys unique across months move to `declaration_keys` (id, declarant,
LRN, MRN), one row a declaration. The columns that refer to a declaration become BIGINT, and every foreign key
into these tables is made again: one to a declaration refers to its keys' row (a plain table's key, cheap to
check), and the declaration to it too; one to a status event names its declaration (a partitioned table's
unique keys hold its partition column). SQLite keeps its tables.

Joins every domain's migration branch (their tables refer to declarations). A later migration's foreign key to a
declaration refers to its keys' row on PostgreSQL (REFERENCES declaration_keys (id), a BIGINT column); one to a
status event names its declaration too (REFERENCES declaration_status_events (declaration_id, id)).

Revision ID: 0007_core_declaration_partitions
Revises: 0006_core_audit_partitions and every other branch's head
"""
from alembic import op
import sqlalchemy as sa

from clearway import partitions
from clearway.db import utcnow
from clearway.declarations.partitions import PARENTS

revision = "0007_core_declaration_partitions"
# After every domain's migrations (their tables refer to declarations): it joins their branches.
down_revision = ("0006_core_audit_partitions", "0101_tariff", "0202_risk_essential", "0303_certificates_paper",
                 "0404_containers_device_keys", "0501_reference", "0601_auth_users", "0701_dashboard", "0902_workforce",
                 "1002_wco_push", "1101_green", "1201_timerelease")
branch_labels = None
depends_on = None

LEGACY_BELOW = partitions.Month(2000, 1).first_id  # every id drawn before this migration lies below
# table: (primary key, unique constraints, indexes) when partitioned, and when not (as 0001 made them)
SHAPES = {
    "declarations": {
        # (a declarant's LRN is looked up in declaration_keys: no index of it here, one less to write and to plan)
        True: ("id", [], [("ix_declarations_economy_status", "economy, status"),
                          ("ix_declarations_office_accepted", "office, accepted_at"), ("ix_declarations_mrn", "mrn")]),
        False: ("id", [("uq_declarations_declarant_lrn", "declarant_id, lrn"), ("uq_declarations_mrn", "mrn")],
                [("ix_declarations_economy_status", "economy, status"),
                 ("ix_declarations_office_accepted", "office, accepted_at")])},
    "declaration_status_events": {
        True: ("declaration_id, id", [], [("ix_declaration_status_events_declaration_id", "declaration_id")]),
        False: ("id", [], [("ix_declaration_status_events_declaration_id", "declaration_id")])},
    "declaration_versions": {
        True: ("declaration_id, id", [("uq_declaration_versions_version", "declaration_id, version")],
               [("ix_declaration_versions_declaration_id", "declaration_id")]),
        False: ("id", [("uq_declaration_versions_version", "declaration_id, version")],
                [("ix_declaration_versions_declaration_id", "declaration_id")])},
}
MONTH_ID = """
CREATE OR REPLACE FUNCTION clearway_month_id(seq regclass) RETURNS bigint LANGUAGE sql VOLATILE AS $$
    SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYYMM')::bigint * 10000000000 + nextval(seq) % 10000000000
$$"""
KEYS = """
CREATE TABLE declaration_keys (
    id BIGINT NOT NULL DEFAULT clearway_month_id('declarations_id_seq'),
    declarant_id VARCHAR(80) NOT NULL,
    lrn VARCHAR(35) NOT NULL,
    mrn VARCHAR(16) NOT NULL,
    CONSTRAINT pk_declaration_keys PRIMARY KEY (id),
    CONSTRAINT uq_declaration_keys_declarant_lrn UNIQUE (declarant_id, lrn),
    CONSTRAINT uq_declaration_keys_mrn UNIQUE (mrn)
)"""


def _foreign_keys(conn, tables: list[str]) -> list[tuple[str, str, str, str]]:
    """Every foreign key from or into `tables`: (table, name, definition, referencing columns)."""
    return [tuple(r) for r in conn.execute(sa.text(
        "SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid), "
        "(SELECT string_agg(a.attname, ',') FROM unnest(c.conkey) k JOIN pg_attribute a "
        " ON a.attrelid = c.conrelid AND a.attnum = k) "
        "FROM pg_constraint c WHERE c.contype = 'f' AND c.conparentid = 0 AND (c.confrelid::regclass::text = ANY(:t) "
        "OR c.conrelid::regclass::text = ANY(:t)) ORDER BY 1, 2"), {"t": tables})]


def _rebuild(conn, table: str, *, partitioned: bool) -> None:
    """`table` made again, partitioned by month or as one table, with every row as it is."""
    old = f"{table}_rebuilt"
    for (index,) in conn.execute(sa.text("SELECT indexname FROM pg_indexes WHERE tablename = :t "
                                         "AND schemaname = current_schema()"), {"t": table}):
        op.execute(f'ALTER INDEX "{index}" RENAME TO "{index[:50]}_old"')
    op.execute(f"ALTER TABLE {table} RENAME TO {old}")
    op.execute(f"ALTER SEQUENCE {table}_id_seq OWNED BY NONE")
    op.execute(f"ALTER SEQUENCE {table}_id_seq AS BIGINT")
    if partitioned:  # (a partition key's type is not changed once it is one; the downgrade keeps BIGINT)
        op.execute(f"ALTER TABLE {old} ALTER COLUMN id TYPE BIGINT")
        if table != "declarations":
            op.execute(f"ALTER TABLE {old} ALTER COLUMN declaration_id TYPE BIGINT")
    parent = next(p for p in PARENTS if p.name == table)
    op.execute(f"CREATE TABLE {table} (LIKE {old} INCLUDING DEFAULTS)"
               + (f" PARTITION BY RANGE ({parent.column})" if partitioned else ""))
    if table == "declarations" and partitioned:
        op.execute("ALTER TABLE declarations ALTER COLUMN id SET DEFAULT clearway_month_id('declarations_id_seq')")
    elif table == "declarations":
        op.execute("ALTER TABLE declarations ALTER COLUMN id SET DEFAULT nextval('declarations_id_seq')")
    key, uniques, indexes = SHAPES[table][partitioned]
    op.execute(f"ALTER TABLE {table} ADD CONSTRAINT pk_{table} PRIMARY KEY ({key})")
    for name, columns in uniques:
        op.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} UNIQUE ({columns})")
    for name, columns in indexes:
        op.execute(f"CREATE INDEX {name} ON {table} ({columns})")
    if partitioned:
        op.execute(f"CREATE TABLE {table}_legacy PARTITION OF {table} FOR VALUES FROM (MINVALUE) TO ({LEGACY_BELOW})")
        op.execute(f"CREATE TABLE {parent.default} PARTITION OF {table} DEFAULT")
    op.execute(f"INSERT INTO {table} SELECT * FROM {old}")
    op.execute(f"ALTER SEQUENCE {table}_id_seq OWNED BY {table}.id")
    op.execute(f"DROP TABLE {old}")


def _restore(foreign_keys, *, partitioned: bool) -> None:
    """The foreign keys dropped, made again: the columns referring to a declaration BIGINT, and where the tables
    are partitioned, referring to its keys' row (a check of a plain table's key: one into a partitioned table
    made lodging's inserts two to three times slower on PostgreSQL), a status event with its declaration."""
    for table, name, definition, columns in foreign_keys:
        if name == "fk_declarations_id_declaration_keys":
            continue
        if "REFERENCES declarations(id)" in definition and table not in SHAPES:  # (those are BIGINT already)
            op.execute(f"ALTER TABLE {table} ALTER COLUMN {columns} TYPE BIGINT")
        if partitioned:
            definition = definition.replace("REFERENCES declarations(id)", "REFERENCES declaration_keys(id)")
        else:
            definition = definition.replace("REFERENCES declaration_keys(id)", "REFERENCES declarations(id)")
        if "REFERENCES declaration_status_events(" in definition:
            definition = (
                "FOREIGN KEY (declaration_id, event_id) REFERENCES declaration_status_events(declaration_id, id) "
                "ON DELETE CASCADE" if partitioned else
                "FOREIGN KEY (event_id) REFERENCES declaration_status_events(id) ON DELETE CASCADE")
        op.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}")


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    op.execute(MONTH_ID)
    foreign_keys = _foreign_keys(conn, list(SHAPES))
    for table, name, _, _ in foreign_keys:
        op.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
    for table in SHAPES:
        _rebuild(conn, table, partitioned=True)
    op.execute(KEYS)
    op.execute("INSERT INTO declaration_keys (id, declarant_id, lrn, mrn) SELECT id, declarant_id, lrn, mrn "
               "FROM declarations")
    op.execute("ALTER TABLE declarations ADD CONSTRAINT fk_declarations_id_declaration_keys FOREIGN KEY (id) "
               "REFERENCES declaration_keys(id) ON DELETE CASCADE")
    _restore(foreign_keys, partitioned=True)
    partitions.ensure(conn, PARENTS, now=utcnow())


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    foreign_keys = _foreign_keys(conn, [*SHAPES, "declaration_keys"])
    for table, name, _, _ in foreign_keys:
        op.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
    op.execute("DROP TABLE declaration_keys")
    for table in SHAPES:
        _rebuild(conn, table, partitioned=False)
    _restore(foreign_keys, partitioned=False)
    op.execute("DROP FUNCTION clearway_month_id(regclass)")
