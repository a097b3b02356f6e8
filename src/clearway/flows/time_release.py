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

import polars as pl
from sqlalchemy import String, select, type_coerce
from sqlalchemy.orm import Session

from clearway.db import utcnow
from clearway.flows import milestones
from clearway.risk import essential_goods, service as risk
from clearway.risk.essential import shipped
from clearway.timerelease import core, report
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


def _essential(stored: pl.DataFrame, lists: dict[str, frozenset[str]]) -> pl.DataFrame:
    """Essential goods: every item's subheading on its economy's list now (`lists`: the economies whose
    administrator changed the shipped one). Decided once per distinct (economy, goods), then joined."""
    default = shipped()
    combos = stored.select("economy", "goods").unique()
    flags = [bool(goods) and all(c in lists.get(economy, default) for c in goods.split())
             for economy, goods in combos.iter_rows()]
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
    with conn.connection.dbapi_connection.cursor() as cur, cur.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)") as copy:
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
    frame = lifecycles(session, lo=start - (end - start), hi=end, economy=economy)
    out = report.report(frame, as_of=as_of or utcnow(), start=start, end=end, filters=filters, by=by,
                        period=period, targets=targets)
    if economy:
        out.filters = {"economy": economy, **out.filters}
    return out
