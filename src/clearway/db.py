"""Database engine, sessions and migrations (SQLite embedded default, PostgreSQL in production)."""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from decimal import Decimal

import psycopg
from sqlalchemy import (BigInteger, Connection, DateTime, Engine, MetaData, Numeric, Select, String, create_engine, event,
                        func, insert, select)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError, IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.types import TypeDecorator

from clearway import sqlite_checkpoints

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp on every backend (SQLite keeps no zone, so we restore it)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused: Clearway stores UTC only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def driver_cursor(session: Session | Connection) -> Any:
    """A cursor of the driver's own connection inside the session's (or connection's) transaction, for the few
    hot statements that are written out and run as they stand (each saves SQLAlchemy's 100-300 µs of
    interpreter time)."""
    return driver_connection(session).cursor()


_DRIVER = "clearway.driver connection"  # Session.info: the driver's connection of the session's transaction


def driver_connection(session: Session | Connection) -> Any:
    """The driver's own connection inside the session's (or connection's) transaction. A session's is asked of
    SQLAlchemy once a transaction and kept in its `info` until the transaction ends (`_forget_driver`):
    `session.connection()` costs some 15 µs each time, and a lodgement asks it about ten times (issue 16)."""
    if not isinstance(session, Session):
        return session.connection.dbapi_connection
    found = session.info.get(_DRIVER)
    if found is None:
        found = session.info[_DRIVER] = session.connection().connection.dbapi_connection
    return found


@event.listens_for(Session, "after_transaction_end")
def _forget_driver(session: Session, transaction: Any) -> None:
    if transaction.parent is None:  # (a savepoint's end keeps the connection)
        session.info.pop(_DRIVER, None)


def returned_rows(cursor: Any) -> list[tuple[Any, ...]]:
    """Every row the statements of a psycopg `executemany(..., returning=True)` returned, in their order (one
    result set a parameter set)."""
    rows: list[tuple[Any, ...]] = []
    while True:
        rows += cursor.fetchall()
        if not cursor.nextset():
            return rows


@contextmanager
def pipelined(session: Session) -> Iterator[None]:
    """On PostgreSQL, the statements run on `driver_cursor` inside go to the server together, in one round trip
    (psycopg's pipeline mode: their results are read at the end); elsewhere nothing changes."""
    if session.get_bind().dialect.name != "postgresql":
        yield
        return
    with driver_connection(session).pipeline():
        yield


# From this many rows the hot paths insert by COPY on PostgreSQL rather than executemany: psycopg handles each row
# of an executemany in Python (about 5 µs), a COPY's in C, for a round trip more.
COPY_FROM = 20


def stored_time(dialect: str, value: datetime) -> Any:
    """A UTC time as the driver takes it for a UTCDateTime column, for SQL run as written (exec_driver_sql):
    SQLite keeps naive UTC text in SQLAlchemy's format."""
    if dialect == "sqlite":  # (isoformat: about half strftime's time; a dozen times a lodgement)
        return (value if value.tzinfo is UTC else value.astimezone(UTC)).replace(tzinfo=None).isoformat(
            " ", "microseconds")
    return value


def stored_money(dialect: str, value: Decimal | None) -> Any:
    """An amount as the driver takes it for a Money column (SQLite: exact decimal text)."""
    if value is None or dialect != "sqlite":
        return value
    return format(value if value.__class__ is Decimal else Decimal(value), "f")


BUSY_MS = 30_000  # how long an embedded database's transaction waits for another process's write lock


class TurnBusy(Exception):
    """The embedded database's turn, or another process's write lock on its file, is taken, and the transaction
    was begun under `without_waiting`: nothing was begun, nothing written."""


_waiting = threading.local()


@contextmanager
def without_waiting() -> Iterator[None]:
    """Within: an embedded database's transaction begun on this thread raises TurnBusy at once where it would
    wait for the process's turn or for another process's lock (the event loop's thread never waits on one:
    flows.desk lodges a lone declaration there). PostgreSQL's transactions are not concerned."""
    _waiting.not_ = True
    try:
        yield
    finally:
        _waiting.not_ = False


def _turn_taking(turn: threading.Lock, committed: Callable[[], None] | None = None) -> type[sqlite3.Connection]:
    class TurnTakingConnection(sqlite3.Connection):
        """Holds the process's transaction turn from BEGIN until its COMMIT or ROLLBACK is done."""

        has_turn = False

        def take_turn(self) -> None:
            if getattr(_waiting, "not_", False):
                return self._take_free_turn()
            if not turn.acquire(timeout=30):
                raise TimeoutError("the embedded database stayed busy for 30 s")
            self.has_turn = True
            try:
                self.execute("BEGIN IMMEDIATE")  # one writer at a time, no deadlock on a lock's upgrade
            except BaseException:
                self.give_turn()
                raise

        def _take_free_turn(self) -> None:
            """The turn and the file's write lock if both are free now, else TurnBusy (`without_waiting`)."""
            if not turn.acquire(blocking=False):
                raise TurnBusy("the embedded database's turn is taken")
            self.has_turn = True
            try:
                self.execute("PRAGMA busy_timeout=0")
                try:
                    self.execute("BEGIN IMMEDIATE")
                finally:
                    self.execute(f"PRAGMA busy_timeout={BUSY_MS}")
            except sqlite3.OperationalError as exc:
                self.give_turn()
                if exc.sqlite_errorcode & 0xFF == sqlite3.SQLITE_BUSY:
                    raise TurnBusy("another process is writing the embedded database") from exc
                raise
            except BaseException:
                self.give_turn()
                raise

        def give_turn(self) -> None:
            if self.has_turn:  # only the connection that took the turn gives it back
                self.has_turn = False
                turn.release()

        def commit(self) -> None:
            try:
                super().commit()
            finally:
                self.give_turn()
            if committed is not None:
                committed()

        def rollback(self) -> None:
            try:
                super().rollback()
            finally:
                self.give_turn()

        def close(self) -> None:  # a connection closed mid-transaction (invalidated) gives its turn back too
            try:
                super().close()
            finally:
                self.give_turn()

    return TurnTakingConnection


def make_engine(url: str, *, pool_size: int = 10, **kwargs: Any) -> Engine:
    """`pool_size`: PostgreSQL connections this process keeps (and may open as many again at a peak)."""
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        on_file = bool(u.database) and u.database != ":memory:" and not u.database.startswith("file:")
        if on_file:
            Path(u.database).parent.mkdir(parents=True, exist_ok=True)
            # A new database file is readable by its owner only (it holds keys' digests, users, declarations);
            # SQLite gives its -wal and -shm files the same rights. Only a file this call creates is opened
            # here: closing any descriptor of a database file drops every POSIX lock this process holds on it
            # (SQLite's own connections included), which lets other processes write under them and corrupts it.
            try:
                os.close(os.open(u.database, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            except FileExistsError:
                pass
        turn = threading.Lock()
        # A file's write-ahead log is checkpointed on a thread of its own (clearway.sqlite_checkpoints), not by
        # the commit that fills it, which would hold the turn meanwhile.
        checkpoints = sqlite_checkpoints.for_file(u.database, turn) if on_file else None  # type: ignore[arg-type]
        # A file's pool hands out the connection given back last (LIFO), not the one idle longest: SQLite keeps a
        # page cache per connection and drops it whole when another connection wrote since its last transaction.
        # Two pooled connections taken in turns (the default, FIFO) re-read every page a lodgement touches, some 50
        # reads of the file and its log a lodgement (issue 16; docs/benchmarks.md, "The connection given back
        # last"). (A database in memory has one connection a thread: SQLAlchemy's SingletonThreadPool, no order.)
        engine = create_engine(url, connect_args={
            "check_same_thread": False, "timeout": BUSY_MS / 1000,
            "factory": _turn_taking(turn, checkpoints.nudge if checkpoints else None)},
            **({"pool_use_lifo": True} if on_file else {}), **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            # Let SQLAlchemy issue BEGIN itself (below), so writers take the lock up front.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute(f"PRAGMA busy_timeout={BUSY_MS}")
            if checkpoints is not None:
                cur.execute(f"PRAGMA wal_autocheckpoint={sqlite_checkpoints.BACKSTOP_PAGES}")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            # One transaction at a time per process, handed over by a lock in arrival order (released
            # once COMMIT or ROLLBACK is done): SQLite's own busy handler makes a waiting thread sleep
            # up to 100 ms a try, which wrecked latency under load. Other processes on the same file
            # still wait in SQLite's busy handler.
            # The turn, then BEGIN IMMEDIATE on the driver's connection (TurnTakingConnection.take_turn).
            conn.connection.dbapi_connection.take_turn()

        return engine
    if u.get_backend_name() == "postgresql" and u.drivername == "postgresql":
        url = u.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    if "connect_timeout" not in u.query:
        # A database host that does not answer at all (network cut, not a refused port) fails a request in
        # seconds with 503 and Retry-After, not after the system's TCP timeout of minutes.
        kwargs["connect_args"] = {"connect_timeout": 10, **kwargs.get("connect_args", {})}
    # LIFO here too: the connections a worker uses keep their prepared statements and are not checked for sitting
    # idle (_ping_when_idle); those a peak opened sit unused instead of taking turns with them.
    engine = create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_use_lifo=True, **kwargs)
    _ping_when_idle(engine)
    return engine


PING_AFTER = 1.0  # seconds: a pooled connection unused for longer is checked before it is used again


def _ping_when_idle(engine: Engine) -> None:
    """A pooled PostgreSQL connection is checked (SELECT 1) before use when it sat unused for over PING_AFTER
    seconds, since the database may have restarted meanwhile; a broken one is dropped and another taken (the
    pool tries again on DisconnectionError). SQLAlchemy's pool_pre_ping checks every one, a round trip before
    each transaction, some 5% of a lodgement's time (issue 16). A connection used within the last second is
    taken as it is: if the database went away since, the request fails with 503 and Retry-After
    (`database_unavailable`), and SQLAlchemy drops every pooled connection made before (invalidation on a
    disconnect), so the process recovers by itself once the database is back."""

    @event.listens_for(engine, "checkin")
    def _idle_from(_dbapi_conn: Any, record: Any) -> None:
        record.info["idle since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        since = record.info.pop("idle since", None)
        if since is not None and time.monotonic() - since > PING_AFTER:
            try:
                engine.dialect.do_ping(dbapi_conn)
            except psycopg.Error as exc:
                raise DisconnectionError(f"a pooled connection is broken: {type(exc).__name__}") from exc


def database_unavailable(exc: BaseException) -> bool:
    """Whether an error means "the database cannot be reached or is too busy just now" (worth the same
    request again later) rather than a fault of the request or of Clearway: a lost or refused connection
    (PostgreSQL restarted or shut down: OperationalError, or any error SQLAlchemy flagged as a disconnect), a
    full pool, or the embedded database's turn not coming within its timeout. A transaction PostgreSQL
    rolled back (a deadlock, a serialization failure: OperationalError too) is also worth retrying. The
    driver's own errors count as SQLAlchemy's do: the hot paths run written SQL on the driver's cursor
    (`driver_cursor`, `next_value`), whose errors SQLAlchemy never wraps."""
    if isinstance(exc, DBAPIError):
        if exc.connection_invalidated:
            return True
        exc = exc.orig
    if isinstance(exc, psycopg.OperationalError):
        return True
    if isinstance(exc, sqlite3.OperationalError):
        return "locked" in str(exc)
    return isinstance(exc, (PoolTimeout, TimeoutError))


class Counter(Base):
    """Named counters (MRN running numbers...). The UPDATE that advances one locks its row."""

    __tablename__ = "counters"

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)


_ADVANCE = {"sqlite": "UPDATE counters SET value = value + ? WHERE name = ? RETURNING value",
            "postgresql": "UPDATE counters SET value = value + %s WHERE name = %s RETURNING value"}


def next_value(session: Session, name: str) -> int:
    """The next number of a named counter, gap-free within committed transactions. (The UPDATE is written
    out, not built: MRNs are drawn on every lodgement.)"""
    return next_values(session, name, 1)[0]


def next_values(session: Session, name: str, count: int) -> range:
    """The next `count` numbers of a named counter, reserved by one UPDATE (a batch's lodgements of one
    office and year): consecutive, gap-free within committed transactions as `next_value`'s are."""
    if count < 1:
        raise ValueError(f"a counter advances by 1 or more, not {count}")
    cursor = driver_cursor(session)
    advance = _ADVANCE["postgresql" if session.get_bind().dialect.name == "postgresql" else "sqlite"]
    found = cursor.execute(advance, (count, name)).fetchone()
    if found is None:
        table = Counter.__table__
        try:
            with session.begin_nested():
                session.connection().execute(insert(table).values(name=name, value=0))
        except IntegrityError:  # a concurrent transaction created it first
            pass
        found = cursor.execute(advance, (count, name)).fetchone()
    return range(found[0] - count + 1, found[0] + 1)


def advance_counters(session: Session, counts: dict[str, int]) -> dict[str, range]:
    """`next_values` of several counters (name -> how many numbers), advanced in name order so that two
    transactions lock them in the same order and never wait for each other in a circle; on PostgreSQL in one
    round trip (psycopg's pipeline: the rows stay locked to the commit, so the fewer round trips the better)."""
    names = sorted(counts)
    if len(names) < 2 or session.get_bind().dialect.name != "postgresql":
        return {name: next_values(session, name, counts[name]) for name in names}
    connection = driver_connection(session)
    cursors = [connection.cursor() for _ in names]
    with connection.pipeline():
        for cursor, name in zip(cursors, names):
            cursor.execute(_ADVANCE["postgresql"], (counts[name], name))
    out = {}
    for cursor, name in zip(cursors, names):
        found = cursor.fetchone()
        out[name] = range(found[0] - counts[name] + 1, found[0] + 1) if found \
            else next_values(session, name, counts[name])  # (a counter's first number: made there)
    return out


def id_batches(ids: list[int] | Select[Any], size: int = 1000) -> Iterator[list[int] | Select[Any]]:
    """What to put in `column.in_(...)`: a list of ids in batches of `size` (an IN list of thousands of bound
    parameters is slow to compile and, on some drivers, refused), or a subquery of ids as it is, in one go."""
    if isinstance(ids, Select):
        yield ids
        return
    for i in range(0, len(ids), size):
        yield ids[i:i + size]


def keyset_page(session: Session, stmt: Any, id_column: Any, *, limit: int,
                after: int | None) -> tuple[list[Any], int | None]:
    """Newest first by `id_column`, one page of `limit` rows after the cursor `after`; returns the rows
    and the cursor of the next page (None on the last)."""
    if after is not None:
        stmt = stmt.where(id_column < after)
    rows = list(session.scalars(stmt.order_by(id_column.desc()).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (getattr(rows[-1], id_column.key) if more and rows else None)


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error."""
    with factory() as session:
        with session.begin():
            yield session


def alembic_config(conn: Connection) -> Any:
    """Alembic's configuration of Clearway's migrations, run on `conn`."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    cfg.attributes["connection"] = conn
    return cfg


def migrate(engine: Engine, revision: str = "heads") -> None:
    """Bring the database to the latest schema (every domain's migration branch)."""
    from alembic import command

    with engine.connect() as conn:
        command.upgrade(alembic_config(conn), revision)
        conn.commit()


class Money(TypeDecorator[Any]):
    """Exact decimal amounts: NUMERIC on PostgreSQL, text on SQLite (whose NUMERIC is a float)."""

    impl = Numeric(24, 6)
    cache_ok = True

    def load_dialect_impl(self, dialect: Any) -> Any:
        return dialect.type_descriptor(String(40) if dialect.name == "sqlite" else Numeric(24, 6))

    def process_bind_param(self, value: Any, dialect: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, float):
            raise ValueError("float refused for money: use Decimal")
        value = Decimal(value)
        return format(value, "f") if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Any) -> Any:
        return None if value is None else Decimal(str(value))


def money_sum(session: Session, column: Any, *where: Any) -> Decimal:
    """The exact sum of a Money column over the rows `where` selects (0 for none). PostgreSQL adds NUMERIC
    exactly; SQLite keeps money as text and its SUM would add floats (0.10 + 0.20 = 0.30000000000000004), so
    there the amounts are read and added here."""
    if session.get_bind().dialect.name == "sqlite":
        return sum(session.scalars(select(column).where(*where)), Decimal(0))
    return session.scalar(select(func.coalesce(func.sum(column), 0)).where(*where)) or Decimal(0)
