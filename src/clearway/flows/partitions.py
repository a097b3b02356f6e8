"""Every table partitioned by month on PostgreSQL (clearway/partitions.py): the audit log, the declarations and
their history. Each server's sealer makes their coming months once an hour, `clearway audit partitions` on
demand."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection

from clearway import partitions
from clearway.audit.partitions import AUDIT
from clearway.declarations.partitions import PARENTS

MONTHLY = (AUDIT, *PARENTS)


def ensure_all(conn: Connection, *, now: datetime, ahead: int = partitions.AHEAD) -> list[str]:
    """`partitions.ensure` for every table partitioned by month."""
    return partitions.ensure(conn, MONTHLY, now=now, ahead=ahead)
