"""Migration 0008_core_lodging_indexes: a declaration's versions (and, on PostgreSQL, its status events) keep no
index of declaration_id alone, which the unique (declaration_id, version) and PostgreSQL's keys (declaration_id,
id) begin with, and goods items no index of their code, which no query looks up; a declaration's versions are
still found through an index; the downgrade makes the indexes again. On SQLite and on PostgreSQL (a schema of its
own in the test database, its history tables partitioned by month)."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import text

from clearway.db import alembic_config, make_engine, migrate
from tests.support import own_database

SCHEMA = "clearway_migration_0008"
# (table, column): the indexes of that column alone counted
WATCHED = (("declaration_versions", "declaration_id"), ("declaration_status_events", "declaration_id"),
           ("declaration_items", "hs_code"))


def _alone(conn) -> dict[str, int]:
    """Per table of WATCHED: its indexes of the column alone (on PostgreSQL, its month partitions' too)."""
    if conn.dialect.name == "sqlite":
        return {table: sum(1 for _, name, *_ in conn.exec_driver_sql(f"PRAGMA index_list({table})")
                           if [c[2] for c in conn.exec_driver_sql(f"PRAGMA index_info({name})")] == [column])
                for table, column in WATCHED}
    rows = conn.execute(text("SELECT tablename, indexdef FROM pg_indexes WHERE schemaname = current_schema()")).all()
    return {table: sum(1 for name, definition in rows if name.startswith(table) and definition.endswith(f"({column})"))
            for table, column in WATCHED}


def _versions_plan(conn) -> str:
    sql = "SELECT version FROM declaration_versions WHERE declaration_id = 202612000000001"
    if conn.dialect.name == "sqlite":
        return " ".join(row[-1] for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}"))
    conn.exec_driver_sql("SET LOCAL enable_seqscan = off")  # (empty tables: a scan would be as cheap)
    return " ".join(row[0] for row in conn.exec_driver_sql(f"EXPLAIN {sql}"))


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_no_index_another_holds_or_no_query_reads_and_the_downgrade_makes_them_again(backend, tmp_path):
    engine = make_engine(own_database(backend, tmp_path, SCHEMA))
    try:
        migrate(engine)
        with engine.begin() as conn:
            after = _alone(conn)
            plan = _versions_plan(conn)
        # SQLite keys its status events by id alone: their index of declaration_id is needed there
        assert after == {"declaration_versions": 0, "declaration_status_events": 1 if backend == "sqlite" else 0,
                         "declaration_items": 0}
        assert ("USING COVERING INDEX sqlite_autoindex_declaration_versions_1" in plan if backend == "sqlite"
                else "Index" in plan and "Seq Scan" not in plan), plan
        with engine.connect() as conn:
            command.downgrade(alembic_config(conn), "0007_core_declaration_partitions")
            conn.commit()
        with engine.begin() as conn:
            before = _alone(conn)
        assert before["declaration_items"] == 1  # (not partitioned)
        if backend == "sqlite":
            assert before == {"declaration_versions": 1, "declaration_status_events": 1, "declaration_items": 1}
        else:  # the partitioned table's index and each month partition's
            assert before["declaration_versions"] > 1 and before["declaration_status_events"] > 1
            assert before["declaration_versions"] == before["declaration_status_events"]
        migrate(engine)
        with engine.begin() as conn:
            assert _alone(conn) == after
    finally:
        if backend == "postgresql":
            with engine.begin() as conn:
                conn.execute(text(f"DROP SCHEMA {SCHEMA} CASCADE"))
        engine.dispose()
