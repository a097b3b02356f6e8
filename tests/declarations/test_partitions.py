"""Declarations and their history by month on PostgreSQL (issue 16; declarations/partitions.py, migration 0007):
a declaration's id is numbered by its month and its row, status events and versions land in that month's tables;
the LRN and MRN stay unique across months (declaration_keys), so a resent LRN finds the declaration of any month;
the migration keeps every existing row and id (in the `_legacy` partitions) and its downgrade gives one table
back; a month made late takes over what may be moved and leaves in the default partition what other tables
refer to. SQLite keeps one table. PostgreSQL's own-schema tests: a schema of the test's own."""

from __future__ import annotations

import importlib
import os
import random
import subprocess
import sys
from datetime import UTC, datetime

import pytest
from alembic import command
from sqlalchemy import select, text

from clearway import partitions
from clearway.audit.sealer import Sealer
from clearway.auth.service import authenticate, create_key
from clearway.db import alembic_config, make_engine, make_sessionmaker, migrate, transaction
from clearway.declarations.models import Declaration
from clearway.declarations.partitions import DECLARATIONS, PARENTS, STATUS_EVENTS, VERSIONS, detach
from clearway.declarations.schemas import DeclarationIn
from clearway.demo_goods import declaration as demo_declaration
from clearway.errors import Conflict
from clearway.flows import clearance, lodging
from clearway.flows.partitions import MONTHLY
from clearway.partitions import Month
from clearway.validation import parse
from tests.certificates.factories import declaration
from tests.support import own_database

SCHEMA = "clearway_declaration_partitions"
PARTY = "AU-ABN-51824753556"
MIGRATION = importlib.import_module("clearway.migrations.versions.0007_core_declaration_partitions")
BEFORE_0007 = MIGRATION.down_revision


def _where(conn, table: str, column: str, ident: int) -> set[str]:
    return set(conn.execute(text(f"SELECT tableoid::regclass::text FROM {table} WHERE {column} = :i"),
                            {"i": ident}).scalars())


def test_each_declaration_and_its_history_land_in_the_month_of_its_id_and_its_lrn_stays_unique(db, keys):
    who = keys.principal("declarant", "AU", PARTY)
    before = Month.of(datetime.now(UTC))
    with transaction(db.factory) as session:
        single, created = lodging.lodge(session, principal=who, decl=parse(DeclarationIn, declaration(lrn="P-1")))
    results = list(lodging.lodge_many(db.factory, principal=who, lines=list(enumerate(
        [declaration(lrn=f"P-{k}") for k in range(2, 30)], start=1))))  # past COPY_FROM: the copied path
    after = Month.of(datetime.now(UTC))
    assert created and [r["outcome"] for r in results] == ["accepted"] * 28
    with db.factory() as session:
        rows = {r.mrn: r.id for r in session.scalars(select(Declaration))}
    assert len(rows) == 29 and set(rows) == {single.mrn, *(r["mrn"] for r in results)}
    with transaction(db.factory) as session:  # a resent LRN is found, whichever path lodged it
        again, created = lodging.lodge(session, principal=who, decl=parse(DeclarationIn, declaration(lrn="P-17")))
        assert not created and again.mrn == results[15]["mrn"]
    again = list(lodging.lodge_many(db.factory, principal=who, lines=[(1, declaration(lrn="P-1"))]))
    assert again[0]["outcome"] == "already lodged" and again[0]["mrn"] == single.mrn
    with db.engine.connect() as conn:
        if db.backend == "sqlite":
            assert not any(partitions.partitioned(conn, p) for p in PARENTS)
            assert sorted(rows.values()) == list(range(1, 30))
            return
        assert {Month.of_id(i) for i in rows.values()} <= {before, after}
        for ident in rows.values():
            month = Month.of_id(ident)
            assert _where(conn, "declarations", "id", ident) == {DECLARATIONS.table(month)}
            assert _where(conn, "declaration_status_events", "declaration_id", ident) == {STATUS_EVENTS.table(month)}
            assert _where(conn, "declaration_versions", "declaration_id", ident) == {VERSIONS.table(month)}
        keys_ = {mrn: (i, lrn) for i, lrn, mrn in conn.execute(text("SELECT id, lrn, mrn FROM declaration_keys"))}
        assert {mrn: i for mrn, (i, _) in keys_.items()} == rows


def test_the_migration_keeps_every_row_and_id_and_the_downgrade_gives_one_table_back(tmp_path):
    engine = make_engine(own_database("postgresql", tmp_path, SCHEMA))
    factory = make_sessionmaker(engine)
    try:
        for revision in BEFORE_0007:
            migrate(engine, revision)
        with engine.begin() as conn:  # a declaration as lodging wrote them before, with its children
            old = conn.execute(text(
                "INSERT INTO declarations (mrn, lrn, declarant_id, type, economy, office, status, channel, version, "
                "fingerprint, content, accepted_at, updated_at) VALUES ('26AUSYD00000017', 'OLD-1', :party, 'IM', "
                "'AU', 'AUSYD', 'accepted', 'api', 1, 'f', '{}', now(), now()) RETURNING id"), {"party": PARTY}).scalar()
            event = conn.execute(text(
                "INSERT INTO declaration_status_events (declaration_id, to_status, at, actor) "
                "VALUES (:d, 'accepted', now(), 'test') RETURNING id"), {"d": old}).scalar()
            conn.execute(text("INSERT INTO declaration_versions (declaration_id, version, content, created_at, actor) "
                              "VALUES (:d, 1, '{}', now(), 'test')"), {"d": old})
            conn.execute(text("INSERT INTO wco_deliveries (declaration_id, event_id, function_code, url, attempts, "
                              "next_at) VALUES (:d, :e, '09', 'http://127.0.0.1/x', 0, now())"), {"d": old, "e": event})
        migrate(engine)
        with engine.connect() as conn:
            assert all(partitions.partitioned(conn, p) for p in PARENTS)
            assert _where(conn, "declarations", "id", old) == {"declarations_legacy"}
            assert _where(conn, "declaration_status_events", "id", event) == {"declaration_status_events_legacy"}
            assert conn.execute(text("SELECT id, lrn, mrn FROM declaration_keys")).all() == [
                (old, "OLD-1", "26AUSYD00000017")]
            assert conn.execute(text("SELECT count(*) FROM wco_deliveries WHERE event_id = :e"), {"e": event}).scalar() == 1
        with transaction(factory) as session:
            key, _ = create_key(session, role="declarant", economy="AU", party_id=PARTY, actor="test")
        with factory() as session:
            who = authenticate(session, key)
        with transaction(factory) as session:  # the LRN lodged before the migration is found (other content)
            with pytest.raises(Conflict, match="26AUSYD00000017"):
                lodging.lodge(session, principal=who, decl=parse(DeclarationIn, declaration(lrn="OLD-1")))
        with transaction(factory) as session:
            new, created = lodging.lodge(session, principal=who, decl=parse(DeclarationIn, declaration(lrn="NEW-1")))
            assert created and new.id >= Month(2026, 12).first_id
        with engine.begin() as conn:  # the foreign keys hold: removing its keys takes the declaration and all along
            conn.execute(text("DELETE FROM declaration_keys WHERE id = :d"), {"d": old})
            assert conn.execute(text("SELECT count(*) FROM declarations WHERE id = :d"), {"d": old}).scalar() == 0
            assert conn.execute(text("SELECT count(*) FROM wco_deliveries")).scalar() == 0
            assert conn.execute(text("SELECT count(*) FROM declaration_status_events WHERE declaration_id = :d"),
                                {"d": old}).scalar() == 0
        with engine.connect() as conn:
            command.downgrade(alembic_config(conn), "0006_core_audit_partitions")
            conn.commit()
        with engine.connect() as conn:
            assert not any(partitions.partitioned(conn, p) for p in PARENTS)
            assert conn.execute(text("SELECT id, lrn FROM declarations")).all() == [(new.id, "NEW-1")]
            assert conn.execute(text("SELECT to_regclass('declaration_keys')")).scalar() is None
            names = set(conn.execute(text("SELECT conname FROM pg_constraint WHERE conrelid = 'declarations'::regclass"))
                        .scalars())
            assert {"uq_declarations_declarant_lrn", "uq_declarations_mrn"} <= names
    finally:
        engine.dispose()


def _raw_declaration(conn, ident: int) -> None:
    """A declaration of id `ident` as lodging writes its row: its keys' row first."""
    conn.execute(text("INSERT INTO declaration_keys (id, declarant_id, lrn, mrn) VALUES (:i, 'P', 'L', "
                      "'31AUSYD00000017')"), {"i": ident})
    conn.execute(text(
        "INSERT INTO declarations (id, mrn, lrn, declarant_id, type, economy, office, status, channel, version, "
        "fingerprint, content, accepted_at, updated_at) VALUES (:i, '31AUSYD00000017', 'L', 'P', 'IM', 'AU', 'AUSYD', "
        "'accepted', 'api', 1, 'f', '{}', now(), now())"), {"i": ident})


def test_a_month_made_late_takes_over_what_may_move_and_leaves_what_is_referred_to(tmp_path):
    engine = make_engine(own_database("postgresql", tmp_path, SCHEMA))
    try:
        migrate(engine)
        ident = Month(2031, 5).first_id + 7  # lodged in May 2031, before its month's tables were made
        with engine.begin() as conn:
            _raw_declaration(conn, ident)
            conn.execute(text("INSERT INTO declaration_status_events (declaration_id, to_status, at, actor) "
                              "VALUES (:i, 'accepted', now(), 'test')"), {"i": ident})
            conn.execute(text("INSERT INTO declaration_versions (declaration_id, version, content, created_at, actor) "
                              "VALUES (:i, 1, '{}', now(), 'test')"), {"i": ident})
        with engine.begin() as conn:
            made = partitions.ensure(conn, PARENTS, now=datetime(2031, 5, 15, tzinfo=UTC), ahead=1)
            assert made == ["declarations_2031_06", "declaration_status_events_2031_06",
                            "declaration_versions_2031_05", "declaration_versions_2031_06"]
            assert _where(conn, "declarations", "id", ident) == {"declarations_default"}
            assert _where(conn, "declaration_status_events", "declaration_id", ident) == {
                "declaration_status_events_default"}
            assert _where(conn, "declaration_versions", "declaration_id", ident) == {"declaration_versions_2031_05"}
            assert partitions.ensure(conn, PARENTS, now=datetime(2031, 5, 15, tzinfo=UTC), ahead=1) == []
    finally:
        engine.dispose()


def test_month_numbered_ids_read_back_their_month():
    assert Month(2026, 12).first_id == 2026120000000000
    assert Month.of_id(2026120000000042) == Month(2026, 12) and Month.of_id(Month(2027, 1).first_id) == Month(2027, 1)
    assert DECLARATIONS.bounds(Month(2026, 12)) == ("2026120000000000", "2027010000000000")


def _principals(factory, declarant: str = PARTY) -> tuple:
    out = []
    for role, party in (("declarant", declarant), ("officer", None)):
        with transaction(factory) as session:
            key, _ = create_key(session, role=role, economy="AU", party_id=party, actor="test")
        with factory() as session:
            out.append(authenticate(session, key))
    return tuple(out)


def _count(conn, table: str) -> int:
    return conn.execute(text(f'SELECT count(*) FROM "{table}"')).scalar_one()


def test_a_month_detached_leaves_the_live_tables_and_keeps_every_row_in_tables_of_its_own(tmp_path):
    engine = make_engine(own_database("postgresql", tmp_path, SCHEMA))
    factory = make_sessionmaker(engine)
    try:
        migrate(engine)
        who, officer = _principals(factory, "AU-DEMO-BROKER-1")  # the demo's declarant
        rng, ids = random.Random(5), []
        # Lodged and assessed in one transaction, so in one month whenever the test runs (the ids' month is the
        # transaction's): items, history, assessments, lanes and their hits.
        with transaction(factory) as session:
            for k in range(3):
                doc = {**demo_declaration("AU", k, rng), "lrn": f"D-{k}"}
                row, _ = lodging.lodge(session, principal=who, decl=parse(DeclarationIn, doc))
                clearance.assess(session, principal=officer, mrn=row.mrn)
                ids.append(row.id)
        later = Month(2031, 5).first_id + 1  # another month's declaration, with an item
        with engine.begin() as conn:
            _raw_declaration(conn, later)
            conn.execute(text("INSERT INTO declaration_items (declaration_id, line, description, origin, quantity, unit, value) "
                              "VALUES (:i, 1, 'oranges', 'US', 1, 'kg', 1)"), {"i": later})
        month = Month.of_id(ids[0])
        assert {Month.of_id(i) for i in ids} == {month}
        live = ("declarations", "declaration_items", "declaration_status_events", "declaration_versions",
                "tariff_assessments", "risk_lane_decisions", "timerelease_milestones", "declaration_keys")
        with engine.connect() as conn:
            before = {t: _count(conn, t) for t in live}
            hits = _count(conn, "risk_rule_hits")
        assert before["declarations"] == 4 and before["tariff_assessments"] == 3 and before["risk_lane_decisions"] == 3
        with engine.begin() as conn:
            tables = dict(detach(conn, month))
        suffix = f"_{month.year:04d}_{month.month:02d}"
        with engine.connect() as conn:
            for table in live:  # every row of the month is in its month's table, and only there
                mine = 1 if table in ("declarations", "declaration_items", "declaration_keys") else 0
                assert tables[table + suffix] == before[table] - mine, table
                assert _count(conn, table) == mine, table
            assert tables["risk_rule_hits" + suffix] == hits
            assert conn.execute(text("SELECT id FROM declarations")).scalars().all() == [later]
            assert conn.execute(text(f"SELECT count(*) FROM pg_inherits WHERE inhrelid = "
                                     f"'declarations{suffix}'::regclass")).scalar() == 0  # a table of its own now
            assert conn.execute(text(f"SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND conrelid = "
                                     f"'declaration_status_events{suffix}'::regclass")).scalar() == 0
        with engine.begin() as conn:  # and it goes without touching the live tables
            for name in tables:
                conn.execute(text(f'DROP TABLE "{name}"'))
            assert _count(conn, "declaration_items") == 1
    finally:
        engine.dispose()


def test_the_cli_detaches_only_a_month_that_is_over(tmp_path):
    url = own_database("postgresql", tmp_path, SCHEMA)
    engine = make_engine(url)
    migrate(engine)
    engine.dispose()
    now = Month.of(datetime.now(UTC)).next()  # not over yet, even if the month turns during the test
    env = {**os.environ, "CLEARWAY_DATABASE_URL": url, "COLUMNS": "200"}
    run = subprocess.run([sys.executable, "-m", "clearway", "db", "detach-month", f"{now.year}-{now.month:02d}"],
                         capture_output=True, text=True, timeout=120, env=env)
    assert run.returncode == 2 and "is not over yet" in run.stderr and run.stderr.count("\n") == 1
    run = subprocess.run([sys.executable, "-m", "clearway", "db", "detach-month", "2019-13"],
                         capture_output=True, text=True, timeout=120, env=env)
    assert run.returncode == 2 and "not a month written YYYY-MM" in run.stderr
    run = subprocess.run([sys.executable, "-m", "clearway", "db", "detach-month", "2019-01", "--json"],
                         capture_output=True, text=True, timeout=120, env=env)
    assert run.returncode == 0, run.stderr
    assert "declarations_2019_01" in run.stdout and "pg_dump" in run.stdout


def test_the_servers_sealer_makes_the_coming_months_of_the_declarations_too(tmp_path):
    engine = make_engine(own_database("postgresql", tmp_path, SCHEMA))
    try:
        migrate(engine)
        coming = Month.of(datetime.now(UTC)).next()
        gone = [p.table(coming) for p in PARENTS]
        with engine.begin() as conn:  # a coming month missing (made before, taken away here)
            for parent, table in zip(PARENTS, gone):
                conn.execute(text(f'ALTER TABLE {parent.name} DETACH PARTITION "{table}"'))
                conn.execute(text(f'DROP TABLE "{table}"'))
        Sealer(make_sessionmaker(engine), key=None, seconds=60, monthly=MONTHLY).upkeep()
        with engine.connect() as conn:
            assert all(table in partitions.names(conn, parent) for parent, table in zip(PARENTS, gone))
    finally:
        engine.dispose()
