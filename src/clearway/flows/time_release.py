"""The time-release report from the stored milestones: one row per declaration (timerelease_milestones,
kept in step with the history by flows/milestones.py) read as columns, then the pure core
(clearway.timerelease) computes the figures. `history_lifecycles` computes the same frame from the history
itself (the joins over status events, controls, payments, releases, lanes, assessments and items): the
reference the stored table is tested against, and the plain SQL baseline of the benchmark.

Composes declarations, risk (lanes, trusted traders, essential goods), tariff (low-value consignments),
payments and release: a flow, because it reads five domains."""

from __future__ import annotations

import io
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import numpy as np
import polars as pl
from psycopg import sql
from sqlalchemy import Connection, String, select, type_coerce
from sqlalchemy.orm import Session

from clearway.db import driver_cursor, utcnow
from clearway.flows import milestones
from clearway.risk import essential_goods, service as risk
from clearway.risk.essential import shipped
from clearway.timerelease import columns as cols, core, report
from clearway.timerelease.models import Milestones
from clearway.timerelease.schemas import TimeReleaseReport

_STORED_TEXT = ("economy", "office", "status", "declarant", "importer", "mode", "lane", "goods")
STORED: dict[str, pl.DataType] = {"id": pl.Int64, **{c: pl.Utf8 for c in _STORED_TEXT}, "low_value": pl.Boolean,
                                  "items": pl.Int64, "arrival": pl.Datetime("us", "UTC"),
                                  **{c: pl.Datetime("us", "UTC") for c in milestones.TIMES}}


def _utc(name: str) -> pl.Expr:
    return pl.col(name).cast(pl.Datetime("us", "UTC"))


def _trusted(trusted: dict[str, set[str]]) -> pl.Expr:
    """Trusted-trader status as the economy's lane policy states it now (the policy keeps no history of who
    was trusted when): the declarant or the importer is named in it."""
    keys = [f"{e}|{p}" for e, parties in trusted.items() for p in parties]
    return (pl.concat_str("economy", pl.lit("|"), "declarant").is_in(keys)
            | pl.concat_str("economy", pl.lit("|"), "importer").fill_null("").is_in(keys))


def to_frame(raw: pl.DataFrame, trusted: dict[str, set[str]]) -> pl.DataFrame:
    """The history query's rows (milestones.COLUMNS) as the core's lifecycle frame."""
    return raw.select(
        "id", "office", "mode", "lane", "status", trusted=_trusted(trusted),
        essential=(pl.col("items") > 0) & (pl.col("items") == pl.col("essential_items")),
        low_value=pl.col("low_value_text").is_in(["true", "1"]), arrival=milestones.arrival(pl.col("arrival_text")),
        **{m: _utc(m) for m in core.MILESTONES if m != "arrival"},
    )


def essential_goods_of(goods: str | None, codes: frozenset[str]) -> bool:
    """Essential goods: some goods, and every 6-digit subheading of them (space-separated) on the list."""
    return bool(goods) and all(c in codes for c in goods.split())


def _essential(stored: pl.DataFrame, lists: dict[str, frozenset[str]]) -> pl.DataFrame:
    """Essential goods: every item's subheading on its economy's list now (`lists`: the economies whose
    administrator changed the shipped one). Decided once per distinct (economy, goods), then joined."""
    default = shipped()
    combos = stored.select("economy", "goods").unique()
    flags = [essential_goods_of(goods, lists.get(economy, default)) for economy, goods in combos.iter_rows()]
    combos = combos.with_columns(essential=pl.Series(flags, dtype=pl.Boolean))
    return stored.join(combos, on=["economy", "goods"], how="left", nulls_equal=True)


def stored_frame(stored: pl.DataFrame, trusted: dict[str, set[str]],
                 lists: dict[str, frozenset[str]]) -> pl.DataFrame:
    """Rows of timerelease_milestones (STORED) as the core's lifecycle frame."""
    return _essential(stored, lists).select("id", "office", "mode", "lane", "status", trusted=_trusted(trusted),
                                            essential="essential", low_value="low_value",
                                            **{m: _utc(m) for m in core.MILESTONES})


def _stored_query(*, lo: datetime, hi: datetime, economy: str | None):
    m = Milestones
    stmt = select(m.declaration_id, m.economy, m.office, m.status, m.declarant, m.importer, m.mode, m.lane, m.goods,
                  m.low_value, m.items, m.arrival, *(getattr(m, t) for t in milestones.TIMES))
    stmt = stmt.where(m.lodged >= lo, m.lodged < hi)
    return stmt.where(m.economy == economy) if economy else stmt


def _copied(session: Session, stmt, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """PostgreSQL: the query's rows as CSV through COPY straight into columns, with no Python object per
    value. Values are rendered as SQL literals by SQLAlchemy, which quotes them (dates, an economy code)."""
    conn = session.connection()
    sql = str(stmt.compile(conn.engine, compile_kwargs={"literal_binds": True, "render_postcompile": True}))
    conn.exec_driver_sql("SET LOCAL TIME ZONE 'UTC'")
    buf = io.BytesIO()
    with driver_cursor(conn) as cur, cur.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)") as copy:
        for block in copy:
            buf.write(block)
    times = [n for n, t in schema.items() if t == pl.Datetime("us", "UTC")]
    text = {n: pl.Utf8 if n in times else (pl.Utf8 if t == pl.Boolean else t) for n, t in schema.items()}
    raw = pl.read_csv(buf.getvalue(), has_header=False, new_columns=list(schema), schema=text)
    return raw.with_columns(*(pl.col(c).str.to_datetime("%Y-%m-%d %H:%M:%S%.f%#z", time_zone="UTC") for c in times),
                            *(pl.col(n) == "t" for n, t in schema.items() if t == pl.Boolean))


def _raw_sqlite(session: Session, stmt, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """SQLite: the stored text of each timestamp, parsed by Polars as a column (not one datetime object per
    value through the ORM type)."""
    times = [n for n, t in schema.items() if t == pl.Datetime("us", "UTC")]
    cols = [type_coerce(c, String) if name in times else c for name, c in zip(schema, stmt.selected_columns)]
    rows = session.execute(stmt.with_only_columns(*cols)).all()
    text = {n: pl.Utf8 if n in times else t for n, t in schema.items()}
    raw = pl.DataFrame(rows, schema=text, orient="row")
    return raw.with_columns(pl.col(c).str.to_datetime("%Y-%m-%d %H:%M:%S%.f", time_zone="UTC") for c in times)


def _policies(session: Session, economies: list[str]) -> dict[str, set[str]]:
    return {e: set(risk.policy(session, economy=e)[0].trusted_traders) for e in economies}


def lifecycles(session: Session, *, lo: datetime, hi: datetime, economy: str | None = None) -> pl.DataFrame:
    """The lifecycle frame of the declarations lodged in [lo, hi), from the stored milestones."""
    stmt = _stored_query(lo=lo, hi=hi, economy=economy)
    read = _copied if session.get_bind().dialect.name == "postgresql" else _raw_sqlite
    stored = read(session, stmt, STORED)
    return stored_frame(stored, _policies(session, stored["economy"].unique().to_list()),
                        essential_goods.changed_lists(session))


_PG_EPOCH_US = 946_684_800_000_000  # PostgreSQL sends a timestamptz as microseconds since 2000-01-01
_CELL = np.dtype([("size", ">i4"), ("value", ">i8")])  # one element of an array's binary form
PARTS = 2  # connections reading a large window at once: most of the read's cost is the server's, one core each
# In parts when the window holds this many declarations (the planner's estimate) and at least a quarter of the
# table (a whole scan then costs about what the window's index would): a small window reads by its index.
PARTS_FROM_ROWS = 100_000
CHUNKS = 4  # page ranges a connection
# For the one aggregate: a hash table of its groups in memory, no JIT compilation (it costs more than it
# saves here), and no parallel workers of PostgreSQL's own (array_agg cannot be split among them in 15).
_SETTINGS = ("SET LOCAL work_mem = '256MB'", "SET LOCAL jit = off", "SET LOCAL max_parallel_workers_per_gather = 0")


def _window(m: str = "") -> str:
    return f"{m}lodged >= %(lo)s AND {m}lodged < %(hi)s AND (%(economy)s::text IS NULL OR {m}economy = %(economy)s)"


def _part_sql(trusted: str, pages: str = "") -> str:
    """The window, or the part of it on some pages (`pages`: a condition on `m.ctid`, each part then read by a
    TID range scan of its own), grouped by what the report tells apart (economy, office, mode, lane, goods,
    status, low value, trusted), each group's milestones as one binary array each ('-infinity' for a missing
    one: every element then has the same size, and numpy reads each column in place). Sending them is most of
    the server's work (about 0.08 µs an element); one two-dimensional array of all nine, or one string of each
    row's nine values, cost about the same."""
    times = ", ".join(f"array_send(array_agg(coalesce(m.{t}, '-infinity')))" for t in core.MILESTONES)
    return f"""SELECT m.economy, m.office, m.mode, m.lane, m.goods, m.status, m.low_value, {trusted}, count(*),
                      {times}
               FROM timerelease_milestones AS m WHERE {_window("m.")}{f" AND {pages}" if pages else ""}
               GROUP BY 1, 2, 3, 4, 5, 6, 7, 8"""


def _trusted_sql(trusted: dict[str, set[str]], cur) -> str:
    """Whether the declarant or the importer is a trusted trader of the declaration's economy, for the query:
    the names written in as constants, so that PostgreSQL looks each row up in a hash of them (it hashes a
    constant list, not a parameter)."""
    tests = [sql.SQL("(m.economy = {} AND (m.declarant = ANY({names}) OR m.importer = ANY({names})))").format(
                 sql.Literal(economy), names=sql.SQL("ARRAY[{}]::text[]").format(
                     sql.SQL(", ").join(sql.Literal(p) for p in sorted(parties))))
             for economy, parties in sorted(trusted.items()) if parties]
    # (a % in a name is doubled: the query's other values are %(name)s parameters)
    return sql.SQL(" OR ").join(tests).as_string(cur).replace("%", "%%") if tests else "false"


Part = tuple[list[tuple], dict[str, np.ndarray]]  # each group's keys and count; each milestone's times


def _read_part(cur, query: str, params: dict) -> Part:
    """One query's groups, their arrays decoded here (in the reader's own thread, while another may still be
    reading: numpy lets go of the interpreter lock for the copies)."""
    for setting in _SETTINGS:
        cur.execute(setting)
    cur.execute(query, params, binary=True)
    groups = cur.fetchall()
    bounds = np.cumsum([0] + [g[8] for g in groups])
    times = {}
    for j, m in enumerate(core.MILESTONES, start=9):
        column = np.empty(bounds[-1], dtype=np.int64)
        for k, g in enumerate(groups):
            # a 20-byte header (dimensions, flags, element type, size, lower bound), then a 4-byte size and the
            # 8 bytes of each element, copied straight into the column (big-endian to native on the way)
            column[bounds[k]:bounds[k + 1]] = np.frombuffer(g[j], dtype=_CELL, offset=20)["value"]
        column[column != cols.NULL] += _PG_EPOCH_US
        times[m] = column
    return [g[:9] for g in groups], times


def _parts_for(cur, params: dict) -> int:
    """PARTS for a window of PARTS_FROM_ROWS declarations or more that holds a quarter of the table or more (by
    the planner's estimates), else one."""
    cur.execute("SELECT reltuples FROM pg_class WHERE oid = 'timerelease_milestones'::regclass")
    table = cur.fetchone()[0]
    cur.execute(f"EXPLAIN (FORMAT JSON) SELECT 1 FROM timerelease_milestones AS m WHERE {_window('m.')}", params)
    window = cur.fetchone()[0][0]["Plan"]["Plan Rows"]
    return PARTS if window >= PARTS_FROM_ROWS and 4 * window >= table else 1


def _read_parts(session: Session, trusted: str, params: dict, parts: int | None) -> list[Part]:
    """The window's groups (`parts`: how many connections read at once; default _parts_for's choice). One: in
    the session's own transaction. Several: each a connection of its own, all in one snapshot (the first
    exports it, the others import it, as pg_dump's parallel jobs do), so a row updated meanwhile is read once,
    as of one moment, whichever page holds it; what the session itself has not committed is not seen. The
    table's pages are cut into CHUNKS ranges a connection, each taken by whichever connection is free, so
    that one slowed down (a busy core) does not leave the other idle at the end."""
    conn = session.connection()
    with driver_cursor(conn) as cur:
        parts = _parts_for(cur, params) if parts is None else parts
        if parts == 1:
            return [_read_part(cur, _part_sql(trusted), params)]
        cur.execute("SELECT pg_relation_size('timerelease_milestones') / current_setting('block_size')::int")
        pages = cur.fetchone()[0]
    # range k is pages [cuts[k], cuts[k + 1]); the last one also whatever pages were added since
    ranges = parts * CHUNKS
    cuts = [pages * k // ranges for k in range(ranges)]
    queries = [_part_sql(trusted, f"m.ctid >= '({cuts[k]},0)'::tid"
                         + (f" AND m.ctid < '({cuts[k + 1]},0)'::tid" if k + 1 < ranges else ""))
               for k in range(ranges)]
    engine = conn.engine
    connections = [engine.connect().execution_options(isolation_level="REPEATABLE READ") for _ in range(parts)]
    try:
        snapshot = connections[0].exec_driver_sql("SELECT pg_export_snapshot()").scalar()
        for other in connections[1:]:
            other.exec_driver_sql(f"SET TRANSACTION SNAPSHOT '{snapshot}'")
        read: list[Part | None] = [None] * ranges
        pending, taking = iter(range(ranges)), threading.Lock()

        def reader(connection: Connection) -> None:
            with driver_cursor(connection) as cur:
                while True:
                    with taking:
                        k = next(pending, None)
                    if k is None:
                        return
                    read[k] = _read_part(cur, queries[k], params)

        with ThreadPoolExecutor(parts) as pool:
            list(pool.map(reader, connections))
        return read  # type: ignore[return-value]
    finally:
        for c in connections:
            c.close()


def _status_code(status: str | None) -> int:
    """columns.status_codes for one value: released, in progress, or closed (rejected, cancelled, none)."""
    return cols.RELEASED if status == "released" else cols.NOT_FINAL if status is not None and \
        status not in core.FINAL else cols.CLOSED


def _pg_columns(session: Session, *, lo: datetime, hi: datetime, economy: str | None,
                parts: int | None = None) -> cols.Columns:
    """PostgreSQL: the window's milestones as arrays, from one aggregate query that groups the declarations by
    everything the report tells apart and returns each group's times as binary arrays (PostgreSQL's own
    8-byte microseconds, '-infinity' for a missing one): no row per declaration crosses the wire or Python.
    Trusted traders are matched in the query (the lane policies' lists, read first); essential goods and the
    status are decided here by stored_frame's own rules, once per group. A large window is read on PARTS
    connections at once (`parts` overrides)."""
    params: dict = {"lo": lo, "hi": hi, "economy": economy or None}
    with driver_cursor(session) as cur:
        trusted = _trusted_sql(_policies(session, [economy] if economy else risk.policy_economies(session)), cur)
    read = _read_parts(session, trusted, params, parts)
    groups = [g for keys, _ in read for g in keys]
    times = {m: np.concatenate([t[m] for _, t in read]) if len(read) > 1 else read[0][1][m] for m in core.MILESTONES}
    lists, default = essential_goods.changed_lists(session), shipped()
    counts = np.array([g[8] for g in groups], dtype=np.int64)

    def per_row(per_group: list[int], dtype) -> np.ndarray:
        return np.repeat(np.array(per_group, dtype=dtype), counts)

    codes, labels = {}, {}
    for k, name in enumerate(cols.TEXT, start=1):
        index: dict[str | None, int] = {}
        codes[name] = per_row([index.setdefault(g[k], len(index)) for g in groups], np.int32)
        labels[name] = list(index)
    flags = {"low_value": per_row([-1 if g[6] is None else int(g[6]) for g in groups], np.int8),
             "trusted": per_row([int(g[7]) for g in groups], np.int8),
             "essential": per_row([int(essential_goods_of(g[4], lists.get(g[0], default))) for g in groups],
                                  np.int8)}
    return cols.Columns(times, per_row([_status_code(g[5]) for g in groups], np.int8), flags, codes, labels)


def lifecycle_columns(session: Session, *, lo: datetime, hi: datetime, economy: str | None = None,
                      parts: int | None = None) -> cols.Columns:
    """The lifecycle of the declarations lodged in [lo, hi) as arrays (timerelease.columns): straight from
    PostgreSQL (read in `parts` at once; default: by the table's size), else from the frame."""
    if session.get_bind().dialect.name == "postgresql":
        return _pg_columns(session, lo=lo, hi=hi, economy=economy, parts=parts)
    return cols.from_frame(lifecycles(session, lo=lo, hi=hi, economy=economy))


def history_lifecycles(session: Session, *, lo: datetime, hi: datetime, economy: str | None = None) -> pl.DataFrame:
    """The same frame computed from the history (the joins), for the tests and the benchmark's baseline."""
    stmt = milestones.history_query(lo=lo, hi=hi, economy=economy, changed=essential_goods.changed_lists(session))
    raw = milestones.history(session, stmt)
    return to_frame(raw, _policies(session, raw["economy"].unique().to_list()))


def time_release(session: Session, *, start: datetime, end: datetime, economy: str | None = None,
                 filters: dict[str, str] | None = None, by: str | None = None, period: str = "month",
                 targets: dict[str, float] | None = None, as_of: datetime | None = None) -> TimeReleaseReport:
    """The report over declarations lodged in [start, end), with the previous period of the same length
    for the bottlenecks' change. Declarations in progress are censored at `as_of` (default now)."""
    lifecycle = lifecycle_columns(session, lo=start - (end - start), hi=end, economy=economy)
    out = report.report(lifecycle, as_of=as_of or utcnow(), start=start, end=end, filters=filters, by=by,
                        period=period, targets=targets)
    if economy:
        out.filters = {"economy": economy, **out.filters}
    return out
