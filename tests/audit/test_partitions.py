"""The audit log by month on PostgreSQL (issue 16; clearway/audit/partitions.py, migration 0006): events kept
by the migration each in its month, numbering going on where it stopped, a month made late taking its events
over from the default partition, and the sealed chain verifying across partitions and finding an altered event
in any of them. SQLite keeps one table (the CLI says so). PostgreSQL: a schema of the test's own."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone

from sqlalchemy import text

from clearway.audit import partitions, service
from clearway.audit.partitions import Month
from clearway.db import make_engine, make_sessionmaker, migrate, transaction
from tests.support import own_database

SCHEMA = "clearway_audit_partitions"
TIMES = [datetime(1999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC), datetime(2025, 3, 1, tzinfo=UTC),
         datetime(2025, 3, 31, 23, 59, 59, 999999, tzinfo=UTC), datetime(2026, 12, 4, 12, tzinfo=UTC)]


def _append(factory, monkeypatch, times) -> None:
    with transaction(factory) as session:
        for k, at in enumerate(times):
            monkeypatch.setattr(service, "utcnow", lambda at=at: at)
            service.append_event(session, actor="test", action="declaration.accepted", entity_type="declaration",
                                 entity_id=f"E{k}", data={"at": at.isoformat()})
    monkeypatch.undo()


def _ahead(month: Month) -> Month:
    for _ in range(partitions.AHEAD):
        month = month.next()
    return month


def _where(conn) -> list[tuple[int, str]]:
    return [tuple(r) for r in conn.execute(text("SELECT seq, tableoid::regclass::text FROM audit_events ORDER BY seq"))]


def test_the_migration_keeps_each_event_in_its_month_and_the_chain_verifies(tmp_path, monkeypatch):
    engine = make_engine(own_database("postgresql", tmp_path, SCHEMA))
    factory = make_sessionmaker(engine)
    try:
        migrate(engine, "0005_clearance_requests")
        with engine.connect() as conn:
            assert not partitions.partitioned(conn)
        _append(factory, monkeypatch, TIMES)
        before = datetime.now(UTC)
        migrate(engine)
        after = datetime.now(UTC)  # the migration's clock lies between (a month may begin meanwhile)
        with engine.begin() as conn:
            assert partitions.partitioned(conn)
            names = [name for name, _ in partitions.months(conn)]
            first, ahead = Month(1999, 12), {_ahead(Month.of(before)), _ahead(Month.of(after))}
            last = next(m for m in ahead if partitions.table(m) == names[-2])
            assert names[0] == partitions.table(first) and names[-1] == partitions.DEFAULT
            assert len(names) == 1 + (last.year - 1999) * 12 + last.month - 12 + 1  # every month between, once
            assert _where(conn) == [(1, "audit_events_1999_12"), (2, "audit_events_2025_03"),
                                    (3, "audit_events_2025_03"), (4, "audit_events_2026_12")]
        _append(factory, monkeypatch, [datetime(2026, 12, 5, tzinfo=UTC)])  # numbered after the copied ones
        with transaction(factory) as session:
            assert service.seal_all(session, key=None) >= 1
        with factory() as session:
            assert service.verify_chain(session) == (5, None)
            assert session.execute(text("SELECT max(seq) FROM audit_events")).scalar() == 5
    finally:
        engine.dispose()


def test_a_month_made_late_takes_its_events_from_the_default_partition_and_tampering_is_found(
        tmp_path, monkeypatch):
    engine = make_engine(own_database("postgresql", tmp_path, SCHEMA))
    factory = make_sessionmaker(engine)
    try:
        migrate(engine)
        later = [datetime(2031, 5, 1, tzinfo=UTC), datetime(2031, 5, 20, tzinfo=UTC), datetime(2031, 7, 2, tzinfo=UTC)]
        _append(factory, monkeypatch, later)
        with engine.connect() as conn:  # no month that far ahead yet: the default partition holds them
            assert {where for _, where in _where(conn)} == {partitions.DEFAULT}
        with engine.begin() as conn:
            made = partitions.ensure(conn, now=datetime(2031, 5, 15, tzinfo=UTC), ahead=1)
            assert made == ["audit_events_2031_05", "audit_events_2031_06"]
            assert partitions.ensure(conn, now=datetime(2031, 5, 15, tzinfo=UTC), ahead=1) == []  # once only
            assert [w for _, w in _where(conn)] == ["audit_events_2031_05", "audit_events_2031_05",
                                                     partitions.DEFAULT]
            counts = dict(partitions.months(conn))
            assert counts["audit_events_2031_05"] == 2 and counts["audit_events_2031_06"] == 0
        with transaction(factory) as session:
            service.seal_all(session, key=None)
        with factory() as session:
            assert service.verify_chain(session) == (3, None)
        with engine.begin() as conn:  # an event altered inside a month's partition, through the parent
            conn.execute(text("UPDATE audit_events SET actor = 'someone else' WHERE seq = 2"))
        with factory() as session:
            count, broken = service.verify_chain(session)
            assert broken is not None and broken[0] == 2
    finally:
        engine.dispose()


def test_months_run_over_the_year_end():
    assert Month(2026, 12).next() == Month(2027, 1) and Month(2027, 1).next() == Month(2027, 2)
    assert Month.of(datetime(2027, 1, 1, 8, 30, tzinfo=timezone(timedelta(hours=10)))) == Month(2026, 12)  # UTC
    assert partitions.table(Month(2027, 1)) == "audit_events_2027_01"


def test_the_cli_lists_the_months_on_postgresql_and_says_sqlite_keeps_one_table(tmp_path):
    for backend, expected in (("sqlite", "one table here"), ("postgresql", partitions.DEFAULT)):
        url = own_database(backend, tmp_path, SCHEMA)
        engine = make_engine(url)
        migrate(engine)
        engine.dispose()
        before = datetime.now(UTC)
        run = subprocess.run([sys.executable, "-m", "clearway", "audit", "partitions", "--ahead", "2"],
                             capture_output=True, text=True, timeout=120,
                             env={**os.environ, "CLEARWAY_DATABASE_URL": url, "COLUMNS": "120"})
        assert run.returncode == 0, run.stderr
        assert expected in run.stdout
        if backend == "postgresql":
            assert any(partitions.table(Month.of(at)) in run.stdout for at in (before, datetime.now(UTC)))
