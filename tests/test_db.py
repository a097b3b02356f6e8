"""The embedded database's transaction turns: one at a time per process, always given back."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from clearway import db as db_module
from clearway.db import (advance_counters, database_unavailable, driver_connection, make_engine, make_sessionmaker,
                         transaction)
from tests.support import PG_URL, pg_reason


def test_turns_are_given_back_on_commit_rollback_and_close(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 't.db'}")
    factory = make_sessionmaker(engine)
    with transaction(factory) as s:
        s.execute(text("create table t (n integer)"))
    with pytest.raises(ZeroDivisionError):
        with transaction(factory) as s:
            s.execute(text("insert into t values (1)"))
            raise ZeroDivisionError
    with factory() as s:  # a read that is simply closed
        assert s.execute(text("select count(*) from t")).scalar() == 0
    conn = engine.connect()
    conn.begin()
    conn.invalidate()  # closed mid-transaction
    done = []

    def writer(i):
        with transaction(factory) as s:
            s.execute(text("insert into t values (:n)"), {"n": i})
        done.append(i)

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=20)
    assert sorted(done) == list(range(20))
    with factory() as s:
        assert s.execute(text("select count(*) from t")).scalar() == 20
    engine.dispose()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_the_pool_hands_out_the_connection_given_back_last(tmp_path, backend):
    """SQLite drops a connection's page cache whenever another connection wrote since, and a PostgreSQL
    connection keeps its prepared statements and is checked before use after sitting idle: the pool must reuse
    the connection given back last, not rotate through its connections (FIFO, each one cold)."""
    if backend == "postgresql" and (reason := pg_reason()):
        pytest.skip(reason)
    engine = make_engine(f"sqlite:///{tmp_path / 't.db'}" if backend == "sqlite" else PG_URL)
    first, second = engine.connect(), engine.connect()
    first_dbapi, second_dbapi = first.connection.dbapi_connection, second.connection.dbapi_connection
    assert first_dbapi is not second_dbapi
    first.close()
    second.close()  # given back last
    for _ in range(3):
        with engine.connect() as again:
            assert again.connection.dbapi_connection is second_dbapi
    engine.dispose()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_sessions_driver_connection_is_the_one_of_its_transaction_at_hand(tmp_path, backend):
    """db.driver_connection keeps a session's driver connection for its transaction (savepoints included), and
    forgets it when the transaction ends, committed or rolled back: the session's next transaction may hold
    another connection (here the one it gave back is taken by somebody else meanwhile), whose statements must
    not run on the first."""
    if backend == "postgresql" and (reason := pg_reason()):
        pytest.skip(reason)
    engine = make_engine(f"sqlite:///{tmp_path / 't.db'}" if backend == "sqlite" else PG_URL)
    session = make_sessionmaker(engine)()
    for end in ("commit", "rollback"):
        session.begin()
        first = driver_connection(session)
        assert first is session.connection().connection.dbapi_connection
        with session.begin_nested():
            assert driver_connection(session) is first
        assert driver_connection(session) is first  # (a savepoint's end keeps it)
        getattr(session, end)()
        taker = engine.connect()  # the connection given back last: the session's first
        assert taker.connection.dbapi_connection is first
        with session.begin():
            now = driver_connection(session)
            assert now is session.connection().connection.dbapi_connection
            assert now is not first
        taker.close()
    with engine.connect() as conn:  # a Connection's own, as it stands
        assert driver_connection(conn) is conn.connection.dbapi_connection
    session.close()
    engine.dispose()


def test_a_transaction_begun_without_waiting_is_refused_at_once_while_another_holds_the_database(tmp_path):
    """db.without_waiting (the desk lodges a lone declaration on the event loop with it): with the process's turn
    taken, or another process's write lock on the file (here another engine's: a turn of its own), the transaction
    raises TurnBusy at once, nothing begun; free, it begins and commits. The connection keeps its busy timeout
    for what waits as usual afterwards."""
    path = tmp_path / "t.db"
    engine, other = make_engine(f"sqlite:///{path}", pool_size=1), make_engine(f"sqlite:///{path}")
    factory, theirs = make_sessionmaker(engine), make_sessionmaker(other)
    with transaction(factory) as s:
        s.execute(text("create table t (n integer)"))

    def insert(n: int) -> int:
        with db_module.without_waiting(), transaction(factory) as s:
            s.execute(text("insert into t values (:n)"), {"n": n})
            return s.execute(text("pragma busy_timeout")).scalar()  # (on the connection that began without waiting)

    holding, release = threading.Event(), threading.Event()

    def hold(which) -> None:
        with transaction(which) as s:
            s.execute(text("insert into t values (0)"))
            holding.set()
            release.wait(20)

    for which in (factory, theirs):  # this process's turn; the file's write lock
        holding.clear()
        release.clear()
        holder = threading.Thread(target=hold, args=(which,))
        holder.start()
        assert holding.wait(20)
        with pytest.raises(db_module.TurnBusy):
            insert(1)
        release.set()
        holder.join(20)
    assert insert(2) == db_module.BUSY_MS  # free: begun and committed on this thread, the usual timeout back
    with factory() as s:
        assert s.execute(text("select n from t order by rowid")).scalars().all() == [0, 0, 2]
    engine.dispose()
    other.dispose()


def test_several_counters_advance_together_each_gap_free_a_new_one_made_and_a_rollback_undone(db):
    """db.advance_counters (a batch's MRNs: one counter per office and year), on both databases; on PostgreSQL
    the updates go in one round trip, in name order."""
    with transaction(db.factory) as s:
        first = advance_counters(s, {"t:b": 3, "t:a": 2})
    with transaction(db.factory) as s:
        again = advance_counters(s, {"t:a": 1, "t:c": 4, "t:b": 2})
    assert first == {"t:a": range(1, 3), "t:b": range(1, 4)}
    assert again == {"t:a": range(3, 4), "t:b": range(4, 6), "t:c": range(1, 5)}
    with pytest.raises(ZeroDivisionError):
        with transaction(db.factory) as s:
            advance_counters(s, {"t:a": 5, "t:b": 5})
            raise ZeroDivisionError
    with transaction(db.factory) as s:
        assert advance_counters(s, {"t:a": 1, "t:b": 1}) == {"t:a": range(4, 5), "t:b": range(6, 7)}


def test_a_pooled_postgresql_connection_is_checked_before_use_only_after_sitting_idle(monkeypatch):
    """db._ping_when_idle: no round trip before each transaction, yet a connection broken while idle (the
    database restarted) never reaches a request, and one broken while in use fails its request retryably once."""
    reason = pg_reason()
    if reason:
        pytest.skip(reason)
    engine, other = make_engine(PG_URL, pool_size=1), make_engine(PG_URL, pool_size=1)

    def backend() -> int:
        with engine.connect() as c:
            return c.execute(text("SELECT pg_backend_pid()")).scalar_one()

    def kill(pid: int) -> None:
        with other.connect() as c:  # (waits until that backend has ended)
            assert c.execute(text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": pid}).scalar_one()

    monkeypatch.setattr(db_module, "PING_AFTER", 3600.0)  # "used a moment ago", however slow the machine
    try:
        first = backend()
        kill(first)
        # Used a moment ago: taken as it is (no ping), so this request fails, with an error that answers 503...
        with pytest.raises(DBAPIError) as failed:
            backend()
        assert database_unavailable(failed.value)
        second = backend()  # ...and the pool dropped it: the next request has a new connection
        assert second != first
        monkeypatch.setattr(db_module, "PING_AFTER", 0.0)  # idle "too long": checked, found broken, replaced
        kill(second)
        assert backend() not in (first, second)
    finally:
        engine.dispose()
        other.dispose()


def test_a_time_written_as_sql_is_stored_as_sqlalchemy_stores_it_on_sqlite(tmp_path):
    # The hot paths write times on the driver's cursor (db.stored_time); the ORM reads them back with SQLAlchemy's
    # own SQLite format, so the text must be the one SQLAlchemy writes for the same value.
    from datetime import UTC, datetime, timedelta, timezone

    from sqlalchemy import Column, Integer, MetaData, Table, insert

    from clearway.db import UTCDateTime, stored_time

    engine = make_engine(f"sqlite:///{tmp_path / 't.db'}")
    table = Table("t", MetaData(), Column("n", Integer, primary_key=True), Column("at", UTCDateTime()))
    table.create(engine)
    times = [datetime(2026, 12, 6, 19, 0, tzinfo=UTC), datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC),
             datetime(2026, 6, 1, 1, 0, 0, 500, tzinfo=timezone(timedelta(hours=10))),  # 31 May 15:00 UTC
             datetime(2027, 3, 1, 23, 59, 59, 999999, tzinfo=timezone(timedelta(hours=-3)))]
    with engine.begin() as conn:
        conn.execute(insert(table), [{"n": i, "at": at} for i, at in enumerate(times)])
        stored = [row.at for row in conn.execute(text("select at from t order by n"))]
    assert stored == [stored_time("sqlite", at) for at in times]
    assert stored[2] == "2026-05-31 15:00:00.000500"
    assert stored_time("postgresql", times[2]) is times[2]
