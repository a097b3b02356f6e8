"""The declarations and their history by month on PostgreSQL (issue 16; migration 0007).

A declaration's id is month-numbered there (clearway.partitions.ID_SPAN: 2026120000000042 was lodged in December
2026), and `declarations` is partitioned by it, one table a month; its status events and versions are
partitioned by their declaration's id on the same bounds, so a month's declarations and their whole history sit
in the same month's tables, written to small indexes and pruned together (docs/scaling.md). Rows from before the
migration keep their ids in the `_legacy` partitions.

A partitioned table's unique keys hold its partition column, so the two keys that are unique across every
month (the declarant's LRN, which idempotent lodging relies on, and the MRN) live in `declaration_keys`, one row
a declaration with its id, written by lodging with the declaration (declarations/store.py); every foreign key to a
declaration refers to that row (the declaration's own too), which a plain table's index checks cheaply where a
check into the partitioned table cost lodging half its speed. SQLite keeps one table and its unique
constraints."""

from __future__ import annotations

from graphlib import TopologicalSorter

from sqlalchemy import Connection, text

from clearway.partitions import Month, Parent, names

# Rows other tables refer to (with ON DELETE CASCADE) are never moved out of a default partition: see Parent.
DECLARATIONS = Parent("declarations", "id", by_id=True, moves=False)
STATUS_EVENTS = Parent("declaration_status_events", "declaration_id", by_id=True, moves=False)
VERSIONS = Parent("declaration_versions", "declaration_id", by_id=True)
PARENTS = (DECLARATIONS, STATUS_EVENTS, VERSIONS)
KEYS = "declaration_keys"  # one row a declaration (same id): its LRN and MRN, and what other tables refer to


# Every foreign key of the schema: (table, columns, referenced table, referenced columns), partitions left out.
_FOREIGN_KEYS = """
SELECT c.conrelid::regclass::text, c.confrelid::regclass::text,
       (SELECT string_agg(a.attname, ', ' ORDER BY k.n) FROM unnest(c.conkey) WITH ORDINALITY k(num, n)
        JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.num),
       (SELECT string_agg(a.attname, ', ' ORDER BY k.n) FROM unnest(c.confkey) WITH ORDINALITY k(num, n)
        JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.num)
FROM pg_constraint c JOIN pg_class r ON r.oid = c.conrelid
WHERE c.contype = 'f' AND c.conparentid = 0 AND r.relnamespace = current_schema()::regnamespace"""


def detach(conn: Connection, month: Month) -> list[tuple[str, int]]:
    """Take the declarations lodged in `month` out of the live tables, nothing lost: the month's partitions of
    the declarations and their history are detached, and the rows of every other table that refer to them
    (directly or through another: items, findings, lane decisions and their rule hits, payments, ...) and their
    keys are moved into tables named after the month (`declaration_items_2019_01`); each of those tables with
    its rows, for pg_dump to archive and DROP TABLE to remove (docs/scaling.md). The month's audit events stay
    (the audit log is detached by its own months: docs/audit.md). PostgreSQL only; one transaction."""
    lo, hi = DECLARATIONS.bounds(month)
    where = {KEYS: f"id >= {lo} AND id < {hi}"}  # every reference to a declaration is to its keys' row
    refers: dict[str, set[str]] = {}
    keys = sorted(conn.execute(text(_FOREIGN_KEYS)).all(), key=lambda k: k[1] != KEYS)  # direct ones first
    grew = True
    while grew:  # the tables that refer to a declaration, directly or through another, and how to find the month's
        grew = False
        for table, parent, columns, parent_columns in keys:
            if parent in where and table != parent:
                refers.setdefault(parent, set()).add(table)
                if table not in where:
                    where[table] = (f"{columns} >= {lo} AND {columns} < {hi}" if parent == KEYS else
                                    f"({columns}) IN (SELECT {parent_columns} FROM {parent} WHERE {where[parent]})")
                    grew = True
    attached = {p.name: p.table(month) for p in PARENTS if p.table(month) in set(names(conn, p))}
    suffix = month.suffix
    for table, condition in where.items():  # copies first, while every row is where it was
        if table not in attached:
            conn.execute(text(f'CREATE TABLE "{table}{suffix}" AS SELECT * FROM {table} WHERE {condition}'))
    order = TopologicalSorter({parent: refers.get(parent, set()) for parent in where})  # who refers, first
    for table in order.static_order():
        if table in attached:  # (a partition keeps its foreign keys when detached: they would hold the month)
            conn.execute(text(f'ALTER TABLE {table} DETACH PARTITION "{attached[table]}"'))
            for (name,) in conn.execute(text("SELECT conname FROM pg_constraint WHERE contype = 'f' AND conparentid = 0 "
                                             "AND conrelid = CAST(:t AS regclass)"), {"t": f'"{attached[table]}"'}).all():
                conn.execute(text(f'ALTER TABLE "{attached[table]}" DROP CONSTRAINT "{name}"'))
        else:
            conn.execute(text(f"DELETE FROM {table} WHERE {where[table]}"))
    made = sorted(f"{table}{suffix}" for table in where)
    return [(name, conn.execute(text(f'SELECT count(*) FROM "{name}"')).scalar_one()) for name in made]
