"""The set path's statements keep their plans right as the tables grow (issue 16). psycopg prepares a statement
at its fifth run on a connection, and PostgreSQL then plans it once, generically, for the table as it was: in a
new database, before any ANALYZE (autovacuum off, or not come round yet), a join by a scan of the whole table
was cheapest, and it was done again at every later call, whatever the table had become (lodging 740 -> 507 a
second over 30,000 declarations). Lodged twelve times on one connection, the LRN lookups' generic plans probe the
unique index an LRN, the small groups' MRN update probes the keys' primary key, and a chunk's MRN update is not
prepared at all (planned at each call). SQLite prepares nothing of the kind; there the same lodgements are
checked for their outcomes alone."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from clearway.declarations import store
from clearway.declarations.models import Declaration
from clearway.declarations.schemas import DeclarationIn
from clearway.flows.lodging import lodge_together
from clearway.validation import parse
from tests.declarations.support import PARTY, doc


def _generic_plan(conn, name: str, *args: str) -> str:
    conn.exec_driver_sql("SET plan_cache_mode = force_generic_plan")
    plan = "\n".join(r[0] for r in conn.exec_driver_sql(f"EXPLAIN EXECUTE {name}({', '.join(args)})").all())
    conn.exec_driver_sql("RESET plan_cache_mode")
    return plan


def test_the_lrn_lookups_probe_the_index_and_the_mrns_update_is_planned_each_time(db, keys):
    """Groups of three (a desk's: fewer than store.FEW) and of FEW (a batch's chunk), twelve of each: a desk's
    keys and children (store.KEYS_AND_CHILDREN_PG, which joins no table) are planned once, generically, from
    PostgreSQL's sixth run of the prepared statement on."""
    who = keys.principal("declarant", "AU", PARTY)
    with db.engine.connect() as conn:
        with Session(bind=conn) as session:
            for size in (3, store.FEW):
                for n in range(12):
                    lodged, _ = lodge_together(session, principal=who, decls=[
                        parse(DeclarationIn, doc(lrn=f"P-{size}-{n}-{k}")) for k in range(size)])
                    assert [(row.lrn, row.created) for row in lodged] == [
                        (f"P-{size}-{n}-{k}", True) for k in range(size)]
                    session.commit()
            if db.backend == "postgresql":
                prepared = dict(conn.exec_driver_sql("SELECT statement, name FROM pg_prepared_statements").all())
                lateral = next(name for sql, name in prepared.items() if "FROM declaration_keys" in sql
                               and "LATERAL" in sql)
                plan = _generic_plan(conn, lateral, "'{P-0-0}'", f"'{PARTY}'")
                assert "uq_declaration_keys_declarant_lrn" in plan and "Hash" not in plan, plan
                # a small group's: no lookup of new LRNs (the insert skips those taken), and where it skipped some
                # (and for `lodge` alone), each LRN by the unique index; each MRN by the key's id
                one = "SELECT id FROM declaration_keys WHERE declarant_id = $1 AND lrn = $2"
                assert one not in prepared
                conn.exec_driver_sql("PREPARE by_lrn AS " + one)
                plan = _generic_plan(conn, "by_lrn", f"'{PARTY}'", "'P-3-0-0'")
                assert "Index Scan using uq_declaration_keys_declarant_lrn" in plan, plan
                update = next(name for sql, name in prepared.items()
                              if sql.startswith("WITH k AS (UPDATE declaration_keys SET mrn = $1 WHERE id = $2)"))
                plan = _generic_plan(conn, update, "'X'", "1", "'L'", f"'{PARTY}'", "'import'", "'AU'", "'AUSYD'",
                                     "'accepted'", "'api'", "'F'", "'{}'", "now()")
                assert "Index Scan using pk_declaration_keys" in plan, plan
                assert not [sql for sql in prepared if sql.startswith(store.SET_KEY_MRNS_PG.split(" SET")[0])]
                generic, custom = conn.exec_driver_sql(
                    "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE starts_with(statement, 'WITH g AS')").one()
                assert generic >= 1 and custom == 5, (generic, custom)
            conn.rollback()
    with db.factory() as s:
        assert s.scalar(select(func.count()).select_from(Declaration)) == 12 * (3 + store.FEW)


def test_a_lone_declarations_key_and_child_rows_go_to_postgresql_in_one_statement(db, keys, tmp_path):
    """A declaration lodged alone by the set path (the desk's group of one) writes its key, goods items, containers,
    documents, first status and first version by one statement on PostgreSQL (store.KEYS_AND_CHILDREN_PG), not one
    each: psycopg spends some 40 us of interpreter time sending and reading each statement, and a pipeline of them
    a poll and a send each (issue 16). Counted in libpq's own trace of what the client sent; SQLite: the same
    lodgement, its outcome alone (tests/flows/test_lodging_batch.py compares every row it writes with lodging
    alone on both engines)."""
    from psycopg import pq

    who = keys.principal("declarant", "AU", PARTY)
    traced = tmp_path / "libpq.trace"
    with db.factory() as session:
        raw = session.connection().connection.dbapi_connection
        with open(traced, "w") as out:
            if db.backend == "postgresql":
                raw.pgconn.trace(out.fileno())
                raw.pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS)
            lodged, _ = lodge_together(session, principal=who, decls=[parse(DeclarationIn, doc(lrn="RT-1"))])
            if db.backend == "postgresql":
                raw.pgconn.untrace()
        session.commit()
    assert [(row.lrn, row.created) for row in lodged] == [("RT-1", True)]
    if db.backend == "postgresql":
        sent = [line for line in traced.read_text().splitlines() if line.startswith("F\t") and "\tParse\t" in line]
        writing = [line for line in sent if any(f"INSERT INTO {table} " in line for table in (
            "declaration_keys", "declaration_items", "declaration_containers", "declaration_documents",
            "declaration_status_events", "declaration_versions"))]
        assert len(writing) == 1, writing
        assert all(f"INSERT INTO {table} " in writing[0] for table in (
            "declaration_keys", "declaration_items", "declaration_containers", "declaration_documents",
            "declaration_status_events", "declaration_versions")), writing
