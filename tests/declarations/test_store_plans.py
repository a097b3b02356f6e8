"""The set path's statements keep their plans right as the tables grow (issue 16). psycopg prepares a statement
at its fifth run on a connection, and PostgreSQL then plans it once, generically, for the table as it was: in a
new database, before any ANALYZE (autovacuum off, or not come round yet), a join by a scan of the whole table
was cheapest, and it was done again at every later call, whatever the table had become (lodging 740 -> 507 a
second over 30,000 declarations). Lodged eight times on one connection, the LRN lookup's generic plan probes the
unique index an LRN, and the MRNs' update is not prepared at all (planned at each call). SQLite prepares nothing
of the kind; there the same lodgements are checked for their outcomes alone."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from clearway.declarations import store
from clearway.declarations.models import Declaration
from clearway.declarations.schemas import DeclarationIn
from clearway.flows.lodging import lodge_together
from clearway.validation import parse
from tests.declarations.support import PARTY, doc


def test_the_lrn_lookup_probes_the_index_and_the_mrns_update_is_planned_each_time(db, keys):
    who = keys.principal("declarant", "AU", PARTY)
    with db.engine.connect() as conn:
        with Session(bind=conn) as session:
            for n in range(8):
                lodged, _ = lodge_together(session, principal=who, decls=[
                    parse(DeclarationIn, doc(lrn=f"P-{n}-{k}")) for k in range(3)])
                assert [(row.lrn, row.created) for row in lodged] == [(f"P-{n}-{k}", True) for k in range(3)]
                session.commit()
            if db.backend == "postgresql":
                prepared = dict(conn.exec_driver_sql("SELECT statement, name FROM pg_prepared_statements").all())
                lookup = next(name for sql, name in prepared.items() if "FROM declaration_keys" in sql
                              and "LATERAL" in sql)
                conn.exec_driver_sql("SET plan_cache_mode = force_generic_plan")
                plan = "\n".join(r[0] for r in conn.exec_driver_sql(
                    f"EXPLAIN EXECUTE {lookup}('{{P-0-0}}', '{PARTY}')").all())
                conn.exec_driver_sql("RESET plan_cache_mode")
                assert "uq_declaration_keys_declarant_lrn" in plan and "Hash" not in plan, plan
                assert not [sql for sql in prepared if sql.startswith(store.SET_KEY_MRNS_PG.split(" SET")[0])]
            conn.rollback()
    with db.factory() as s:
        assert s.scalar(select(func.count()).select_from(Declaration)) == 24


def test_a_lone_declarations_child_rows_go_to_postgresql_in_one_round_trip(db, keys, tmp_path):
    """A declaration lodged alone by the set path (the desk's group of one) writes its goods items, containers,
    documents, first status and first version in one round trip on PostgreSQL (psycopg's pipeline: one Sync for
    them all), not one each: on a 2-core VM every round trip cost some 0.1 ms of CPU on each side. Counted in
    libpq's own trace of what the client sent; SQLite: the same lodgement, its outcome alone."""
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
        sent = [line for line in traced.read_text().splitlines() if line.startswith("F\t")]
        children = [n for n, line in enumerate(sent) if "\tParse\t" in line and any(
            f"INSERT INTO {table} " in line for table in ("declaration_items", "declaration_containers",
                                                          "declaration_documents", "declaration_status_events",
                                                          "declaration_versions"))]
        assert len(children) == 5, children
        between = [line for line in sent[children[0]:children[-1]] if "\tSync" in line or "\tQuery\t" in line]
        assert between == [], between
