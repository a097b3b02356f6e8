"""The time-release report from the stored milestones: one row per declaration (timerelease_milestones,
kept in step with the history by flows/milestones.py) read as columns, then the pure core
(clearway.timerelease) computes the figures. `history_lifecycles` computes the same frame from the history
itself (the joins over status events, controls, payments, releases, lanes, assessments and items): the
reference the stored table is tested against, and the plain SQL baseline of the benchmark.

Composes declarations, risk (lanes, trusted traders, essential goods), tariff (low-value consignments),
payments and release: a flow, because it reads five domains."""

from __future__ import annotations

import io
from datetime import datetime

import numpy as np
import polars as pl
from sqlalchemy import String, select, type_coerce
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


def _window(m: str = "") -> str:
    return f"{m}lodged >= %(lo)s AND {m}lodged < %(hi)s AND (%(economy)s::text IS NULL OR {m}economy = %(economy)s)"


def _status_sql() -> str:
    final = ", ".join(f"'{s}'" for s in core.FINAL if s != "released")
    return (f"CASE WHEN status = 'released' THEN {cols.RELEASED} WHEN status IN ({final}) OR status IS NULL "
            f"THEN {cols.CLOSED} ELSE {cols.NOT_FINAL} END")


def _pairs_in(left: str, right: str, key: str, pairs: list[tuple], params: dict) -> str:
    """`(left, right) IN` a list of pairs, as a hashed lookup (a constant false for none)."""
    if not pairs:
        return "false"
    params[f"{key}_a"], params[f"{key}_b"] = [p[0] for p in pairs], [p[1] for p in pairs]
    return f"({left}, {right}) IN (SELECT * FROM unnest(%({key}_a)s::text[], %({key}_b)s::text[]))"


def _combos(cur, params: dict) -> tuple[list[tuple], list[tuple]]:
    """The window's distinct (economy, office, mode, lane) and (economy, goods), in one scan."""
    cur.execute(f"""SELECT GROUPING(goods), economy, office, mode, lane, goods FROM timerelease_milestones
        WHERE {_window()} GROUP BY GROUPING SETS ((economy, office, mode, lane), (economy, goods))""", params)
    dims, goods = [], []
    for grouping, economy, office, mode, lane, g in cur.fetchall():
        (dims if grouping else goods).append((economy, office, mode, lane) if grouping else (economy, g))
    return dims, goods


def _times(blob: bytes | None) -> np.ndarray:
    values = np.frombuffer(blob or b"", dtype=">i8").astype(np.int64)
    values[values != cols.NULL] += _PG_EPOCH_US
    return values


def _pg_columns(session: Session, *, lo: datetime, hi: datetime, economy: str | None) -> cols.Columns | None:
    """PostgreSQL: the window's milestones as arrays, from one aggregate query that returns each column as one
    binary string (no row per declaration crosses the wire or Python): the times as PostgreSQL's own 8-byte
    microseconds ('-infinity' for a missing one); then one 4-byte word per declaration: the number of its
    (economy, office, mode, lane) among the window's distinct ones, the status, low value, trusted and
    essential. Those distinct combinations and (economy, goods) come from a first query, so trusted traders
    and essential goods are decided in Python by stored_frame's own rules, once per distinct value; a
    combination that appeared in between (a new office lodging meanwhile) gives None, and the caller falls
    back to the frame."""
    params: dict = {"lo": lo, "hi": hi, "economy": economy or None}
    dbapi = session.connection().connection.dbapi_connection
    with dbapi.cursor() as cur:
        dims, goods = _combos(cur, params)
        trusted = _policies(session, sorted({d[0] for d in dims}))
        parties = sorted((e, p) for e, named in trusted.items() for p in named)
        lists, default = essential_goods.changed_lists(session), shipped()
        essential = [(e, g) for e, g in goods if essential_goods_of(g, lists.get(e, default))]
        params.update(c_economy=[d[0] for d in dims], c_office=[d[1] for d in dims],
                      c_mode=[d[2] or "" for d in dims], c_mode_null=[d[2] is None for d in dims],
                      c_lane=[d[3] or "" for d in dims], c_lane_null=[d[3] is None for d in dims])
        word = (f"(c.code - 1) * 64 + ({_status_sql()}) + 4 * (CASE WHEN low_value THEN 2 WHEN NOT low_value THEN 1 "
                f"ELSE 0 END) + 16 * (CASE WHEN {_pairs_in('m.economy', 'm.declarant', 't', parties, params)} OR "
                f"{_pairs_in('m.economy', 'm.importer', 't', parties, params)} THEN 1 ELSE 0 END) "
                f"+ 32 * (CASE WHEN {_pairs_in('m.economy', 'm.goods', 'e', essential, params)} THEN 1 ELSE 0 END)")
        parts = [f"string_agg(timestamptz_send(coalesce(m.{t}, '-infinity')), '')" for t in core.MILESTONES]
        parts += [f"string_agg(int4send(CAST({word} AS int4)), '')", "bool_and(c.code IS NOT NULL)"]
        cur.execute(f"""SELECT count(*), {', '.join(parts)} FROM timerelease_milestones AS m
            LEFT JOIN unnest(%(c_economy)s::text[], %(c_office)s::text[], %(c_mode)s::text[], %(c_mode_null)s::bool[],
                             %(c_lane)s::text[], %(c_lane_null)s::bool[])
                      WITH ORDINALITY AS c(economy, office, mode, mode_null, lane, lane_null, code)
              ON c.economy = m.economy AND c.office = m.office AND c.mode = coalesce(m.mode, '')
                 AND c.mode_null = (m.mode IS NULL) AND c.lane = coalesce(m.lane, '') AND c.lane_null = (m.lane IS NULL)
            WHERE {_window("m.")}""", params, binary=True)
        row = cur.fetchone()
    n, blobs = row[0], row[1:]
    if row[-1] is False:
        return None  # a combination appeared after the first query
    times = {m: _times(b) for m, b in zip(core.MILESTONES, blobs)}
    packed = np.frombuffer(blobs[len(core.MILESTONES)] or b"", dtype=">i4").astype(np.int32)
    combo = packed >> 6
    flags = {"low_value": ((packed >> 2) & 3).astype(np.int8) - 1, "trusted": ((packed >> 4) & 1).astype(np.int8),
             "essential": ((packed >> 5) & 1).astype(np.int8)}
    assert all(len(v) == n for v in (*times.values(), packed))
    # office, mode and lane each numbered among their own distinct values, through the combination's number
    codes, labels = {}, {}
    for k, name in enumerate(cols.TEXT, start=1):
        values = list(dict.fromkeys(d[k] for d in dims))
        index = {v: i for i, v in enumerate(values)}
        codes[name] = np.array([index[d[k]] for d in dims], dtype=np.int32)[combo] if dims else combo
        labels[name] = values
    return cols.Columns(times, (packed & 3).astype(np.int8), flags, codes, labels)


def lifecycle_columns(session: Session, *, lo: datetime, hi: datetime, economy: str | None = None) -> cols.Columns:
    """The lifecycle of the declarations lodged in [lo, hi) as arrays (timerelease.columns): straight from
    PostgreSQL, else from the frame."""
    if session.get_bind().dialect.name == "postgresql":
        found = _pg_columns(session, lo=lo, hi=hi, economy=economy)
        if found is not None:
            return found
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
