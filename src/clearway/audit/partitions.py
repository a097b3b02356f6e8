"""The audit log by month on PostgreSQL (issue 16): `audit_events` is partitioned by the events' time, one
table a month (`audit_events_2026_12`) and a default one for events outside every month made so far (a clock set
far back or ahead). Every state change of every declaration writes an event, so this is the largest table a
year leaves: each month's writes go to a small table and its indexes, and a month past its retention period can
be detached and archived whole (docs/audit.md) instead of deleted row by row.

Months are made ahead of time: by the migration, by each server's sealer once an hour (`AHEAD` months past the
current one) and by `clearway audit partitions`. A month made after events of it arrived in the default table
takes them over. SQLite keeps one table: these functions do nothing there."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, text

PARENT = "audit_events"
DEFAULT = "audit_events_default"
AHEAD = 3  # months made past the current one
_LOCK = 0x436C_5061  # advisory lock of partition upkeep: two servers never make the same month at once


@dataclass(frozen=True)
class Month:
    year: int
    month: int

    @classmethod
    def of(cls, at: datetime) -> Month:
        at = at.astimezone(UTC)
        return cls(at.year, at.month)

    def next(self) -> Month:
        return Month(self.year + self.month // 12, self.month % 12 + 1)

    @property
    def table(self) -> str:
        return f"{PARENT}_{self.year:04d}_{self.month:02d}"

    @property
    def start(self) -> datetime:
        return datetime(self.year, self.month, 1, tzinfo=UTC)


def partitioned(conn: Connection) -> bool:
    """Whether the audit log is partitioned here (PostgreSQL after migration 0006)."""
    return conn.dialect.name == "postgresql" and bool(conn.execute(text(
        "SELECT 1 FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid "
        "WHERE c.relname = :parent AND c.relnamespace = current_schema()::regnamespace"), {"parent": PARENT}).first())


def _names(conn: Connection) -> list[str]:
    """The partitions: the months in order, then the default one."""
    return list(conn.execute(text(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = :parent "
        "AND p.relnamespace = current_schema()::regnamespace ORDER BY c.relname = :default, c.relname"),
        {"parent": PARENT, "default": DEFAULT}).scalars())


def months(conn: Connection) -> list[tuple[str, int]]:
    """Each partition (the months in order, then the default one) with its number of events."""
    return [(name, conn.execute(text(f'SELECT count(*) FROM "{name}"')).scalar_one()) for name in _names(conn)]


def ensure(conn: Connection, *, now: datetime, since: datetime | None = None, ahead: int = AHEAD) -> list[str]:
    """Make the partition of every month from `since` (default: the month of `now`) to `ahead` months past `now`'s
    that is not there yet, moving into it the events of that month waiting in the default partition; the tables
    made. Runs in the caller's transaction, under an advisory lock (another server making months waits)."""
    if not partitioned(conn):
        return []
    conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK})
    have = set(_names(conn))
    last = Month.of(now)
    for _ in range(ahead):
        last = last.next()
    month, made = Month.of(min(since, now) if since else now), []
    while month.start <= last.start:
        if month.table not in have:
            _make(conn, month)
            made.append(month.table)
        month = month.next()
    return made


def _make(conn: Connection, month: Month) -> None:
    # A table like the parent, filled from the default partition, then attached: attaching locks the parent
    # against schema changes only (writers go on); creating it as a partition would lock out every writer.
    lo, hi = month.start, month.next().start
    conn.execute(text(f'CREATE TABLE "{month.table}" (LIKE {PARENT} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)'))
    conn.execute(text(f'WITH moved AS (DELETE FROM {DEFAULT} WHERE at >= :lo AND at < :hi RETURNING *) '
                      f'INSERT INTO "{month.table}" SELECT * FROM moved'), {"lo": lo, "hi": hi})
    # The bound as a check first, so that attaching need not scan the table to prove it.
    conn.execute(text(f'ALTER TABLE "{month.table}" ADD CONSTRAINT "{month.table}_bound" '
                      f"CHECK (at IS NOT NULL AND at >= '{lo.isoformat()}' AND at < '{hi.isoformat()}')"))
    conn.execute(text(f'ALTER TABLE {PARENT} ATTACH PARTITION "{month.table}" '
                      f"FOR VALUES FROM ('{lo.isoformat()}') TO ('{hi.isoformat()}')"))
    conn.execute(text(f'ALTER TABLE "{month.table}" DROP CONSTRAINT "{month.table}_bound"'))
