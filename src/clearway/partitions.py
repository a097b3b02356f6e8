"""Tables partitioned by month on PostgreSQL (issue 16): the audit log by its events' time (audit/partitions.py),
the declarations by their month-numbered ids and their history (status events and versions) by their
declaration's id (declarations/partitions.py). Each month's writes go to a small table and its indexes, and a
month past its retention period is detached and archived whole instead of deleted row by row (docs/scaling.md).

Months are made ahead of time: by the migrations, by each server's sealer once an hour (`AHEAD` months past the
current one) and by `clearway audit partitions`. A row of a month not made yet goes to the parent's default
partition; a month made later takes its rows over from there where nothing refers to them (the audit log), else
leaves them where they are (still found by every query) and says so. SQLite keeps one table: nothing here runs
there."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, text

AHEAD = 3  # months made past the current one
_LOCK = 0x436C_5061  # advisory lock of partition upkeep: two servers never make the same month at once
# A month-numbered id is the month (YYYYMM) times ID_SPAN plus a number from a sequence: declaration
# 2026120000000042 was lodged in December 2026 (the month of its transaction on the database's clock).
ID_SPAN = 10**10


@dataclass(frozen=True)
class Month:
    year: int
    month: int

    @classmethod
    def of(cls, at: datetime) -> Month:
        at = at.astimezone(UTC)
        return cls(at.year, at.month)

    @classmethod
    def of_id(cls, ident: int) -> Month:
        """The month a month-numbered id was drawn in."""
        return cls(ident // ID_SPAN // 100, ident // ID_SPAN % 100)

    def next(self) -> Month:
        return Month(self.year + self.month // 12, self.month % 12 + 1)

    @property
    def start(self) -> datetime:
        return datetime(self.year, self.month, 1, tzinfo=UTC)

    @property
    def suffix(self) -> str:
        """What a month's tables are named with: `_2026_12`."""
        return f"_{self.year:04d}_{self.month:02d}"

    @property
    def first_id(self) -> int:
        """The lowest month-numbered id of this month."""
        return (self.year * 100 + self.month) * ID_SPAN


@dataclass(frozen=True)
class Parent:
    """A table partitioned by month on `column`: a time, or a month-numbered id (`by_id`). `moves`: whether a
    month made late takes its rows over from the default partition (not where other tables' foreign keys refer
    to them: taking a row out of a partition deletes it there, and the delete would cascade)."""
    name: str
    column: str
    by_id: bool = False
    moves: bool = True

    def table(self, month: Month) -> str:
        return f"{self.name}{month.suffix}"

    @property
    def default(self) -> str:
        return f"{self.name}_default"

    def bounds(self, month: Month) -> tuple[str, str]:
        """The month's bounds as SQL literals."""
        if self.by_id:
            return str(month.first_id), str(month.next().first_id)
        return f"'{month.start.isoformat()}'", f"'{month.next().start.isoformat()}'"


def partitioned(conn: Connection, parent: Parent) -> bool:
    """Whether `parent` is partitioned here (PostgreSQL after its migration)."""
    return conn.dialect.name == "postgresql" and bool(conn.execute(text(
        "SELECT 1 FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid "
        "WHERE c.relname = :parent AND c.relnamespace = current_schema()::regnamespace"),
        {"parent": parent.name}).first())


def names(conn: Connection, parent: Parent) -> list[str]:
    """The partitions: any of rows older than every month (`_legacy`), the months in order, the default one."""
    return list(conn.execute(text(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = :parent "
        "AND p.relnamespace = current_schema()::regnamespace "
        "ORDER BY c.relname = :default, c.relname <> :legacy, c.relname"),
        {"parent": parent.name, "default": parent.default, "legacy": f"{parent.name}_legacy"}).scalars())


def months(conn: Connection, parent: Parent) -> list[tuple[str, int]]:
    """Each partition of `parent` (as `names` orders them) with its number of rows."""
    return [(name, conn.execute(text(f'SELECT count(*) FROM "{name}"')).scalar_one()) for name in names(conn, parent)]


def ensure(conn: Connection, parents: tuple[Parent, ...], *, now: datetime, since: datetime | None = None,
           ahead: int = AHEAD) -> list[str]:
    """Make the partition of every month from `since` (default: the month of `now`) to `ahead` months past `now`'s
    that is not there yet, for each of `parents` partitioned here; the tables made. Runs in the caller's
    transaction, under an advisory lock (another server making months waits)."""
    parents = tuple(p for p in parents if partitioned(conn, p))
    if not parents:
        return []
    conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK})
    last = Month.of(now)
    for _ in range(ahead):
        last = last.next()
    made = []
    for parent in parents:
        have = set(names(conn, parent))
        month = Month.of(min(since, now) if since else now)
        while month.start <= last.start:
            if parent.table(month) not in have and _make(conn, parent, month):
                made.append(parent.table(month))
            month = month.next()
    return made


def _make(conn: Connection, parent: Parent, month: Month) -> bool:
    """The month's partition of `parent`, unless rows of it wait in the default partition and may not be moved
    (then they stay there, and the month is not made: False)."""
    # A table like the parent, filled from the default partition, then attached: attaching locks the parent
    # against schema changes only (writers go on); creating it as a partition would lock out every writer.
    lo, hi = parent.bounds(month)
    table, column = parent.table(month), parent.column
    within = f"{column} >= {lo} AND {column} < {hi}"
    if not parent.moves and conn.execute(text(f"SELECT 1 FROM {parent.default} WHERE {within} LIMIT 1")).first():
        return False
    conn.execute(text(f'CREATE TABLE "{table}" (LIKE {parent.name} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)'))
    if parent.moves:
        conn.execute(text(f'WITH moved AS (DELETE FROM {parent.default} WHERE {within} RETURNING *) '
                          f'INSERT INTO "{table}" SELECT * FROM moved'))
    # The bound as a check first, so that attaching need not scan the table to prove it.
    conn.execute(text(f'ALTER TABLE "{table}" ADD CONSTRAINT "{table}_bound" CHECK ({column} IS NOT NULL AND {within})'))
    conn.execute(text(f'ALTER TABLE {parent.name} ATTACH PARTITION "{table}" FOR VALUES FROM ({lo}) TO ({hi})'))
    conn.execute(text(f'ALTER TABLE "{table}" DROP CONSTRAINT "{table}_bound"'))
    return True

