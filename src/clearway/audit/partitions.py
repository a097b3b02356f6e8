"""The audit log by month on PostgreSQL (issue 16): `audit_events` is partitioned by the events' time, one
table a month (`audit_events_2026_12`) and a default one for events outside every month made so far (a clock set
far back or ahead). Every state change of every declaration writes an event, so this is the largest table a
year leaves: each month's writes go to a small table and its indexes, and a month past its retention period can
be detached and archived whole (docs/audit.md) instead of deleted row by row.

Months are made ahead of time (clearway/partitions.py, which also partitions the declarations): by the
migration, by each server's sealer once an hour and by `clearway audit partitions`. A month made after events of
it arrived in the default table takes them over. SQLite keeps one table: these functions do nothing there."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection

from clearway import partitions
from clearway.partitions import AHEAD, Month

__all__ = ["AHEAD", "AUDIT", "DEFAULT", "Month", "ensure", "months", "partitioned", "table"]

AUDIT = partitions.Parent("audit_events", "at")
DEFAULT = AUDIT.default


def table(month: Month) -> str:
    return AUDIT.table(month)


def partitioned(conn: Connection) -> bool:
    """Whether the audit log is partitioned here (PostgreSQL after migration 0006)."""
    return partitions.partitioned(conn, AUDIT)


def months(conn: Connection) -> list[tuple[str, int]]:
    """Each partition (the months in order, then the default one) with its number of events."""
    return partitions.months(conn, AUDIT)


def ensure(conn: Connection, *, now: datetime, since: datetime | None = None, ahead: int = AHEAD) -> list[str]:
    """Make the audit log's partition of every month from `since` (default: the month of `now`) to `ahead` months
    past `now`'s that is not there yet, moving into it the events of that month waiting in the default partition;
    the tables made (clearway.partitions.ensure)."""
    return partitions.ensure(conn, (AUDIT,), now=now, since=since, ahead=ahead)
