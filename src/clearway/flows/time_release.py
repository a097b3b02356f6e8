"""The time-release report from the stored lifecycle: one query gathers each declaration's milestones
from the declarations, their status history, the controls, payments and releases (one row per
declaration, as columns), then the pure core (clearway.timerelease) computes the figures.

Composes declarations, risk (lanes, trusted traders, essential goods), tariff (low-value consignments),
payments and release: a flow, because it reads five domains."""

from __future__ import annotations

import io
from datetime import datetime

import polars as pl
from sqlalchemy import String, and_, case, cast, func, select
from sqlalchemy.orm import Session

from clearway.db import utcnow
from clearway.declarations.models import Declaration, DeclarationItem, StatusEvent
from clearway.payments.models import Payment
from clearway.release.models import Release
from clearway.risk import essential_goods, service as risk
from clearway.risk.essential import shipped
from clearway.risk.models import Inspection, LaneDecisionRow
from clearway.tariff.models import AssessmentRecord
from clearway.timerelease import core, report
from clearway.timerelease.schemas import TimeReleaseReport

_TEXT = ("economy", "office", "status", "declarant", "importer", "mode", "arrival_text")
_TIMES = ("lodged", "accepted", "assessed", "lane_selected", "control_start", "control_end", "paid", "released")
COLUMNS: dict[str, pl.DataType] = {"id": pl.Int64, **{c: pl.Utf8 for c in _TEXT},
                                   **{c: pl.Datetime("us", "UTC") for c in _TIMES}, "lane": pl.Utf8,
                                   "low_value_text": pl.Utf8, "items": pl.Int64, "essential_items": pl.Int64}


def _first(status: str):
    return func.min(case((StatusEvent.to_status == status, StatusEvent.at)))


def _last(status: str):
    return func.max(case((StatusEvent.to_status == status, StatusEvent.at)))


def _essential_item(changed: dict[str, frozenset[str]]):
    """1 for an item on its economy's essential-goods list: the shipped list, or the economy's own where its
    administrator changed it (`changed`; the join to the declaration only then)."""
    sub = func.substr(DeclarationItem.hs_code, 1, 6)
    own = [(and_(Declaration.economy == e, sub.in_(sorted(codes))), 1) for e, codes in sorted(changed.items())]
    default = sub.in_(sorted(shipped()))
    if changed:
        default = and_(Declaration.economy.not_in(sorted(changed)), default)
    return case(*own, (default, 1), else_=0)


def lifecycle_query(*, lo: datetime, hi: datetime, economy: str | None,
                    changed: dict[str, frozenset[str]] | None = None):
    """One row per declaration lodged in [lo, hi): its milestones and the facts it is broken down by.
    `changed`: the essential-goods lists of the economies whose administrator changed the shipped one."""
    events = (select(StatusEvent.declaration_id.label("did"), _first("accepted").label("accepted"),
                     _last("assessed").label("assessed"), _last("lane_selected").label("lane_selected"),
                     _last("under_control").label("control_start"))
              .group_by(StatusEvent.declaration_id).subquery())
    controls = (select(Inspection.declaration_id.label("did"), func.max(Inspection.inspected_at).label("at"))
                .group_by(Inspection.declaration_id).subquery())
    paid = (select(Payment.declaration_id.label("did"), func.max(Payment.paid_at).label("at"))
            .group_by(Payment.declaration_id).subquery())
    latest_lane = (select(func.max(LaneDecisionRow.id).label("id")).group_by(LaneDecisionRow.declaration_id)
                   .subquery())
    lanes = (select(LaneDecisionRow.declaration_id.label("did"), LaneDecisionRow.lane)
             .join(latest_lane, latest_lane.c.id == LaneDecisionRow.id).subquery())
    latest_assessment = (select(func.max(AssessmentRecord.id).label("id"))
                         .group_by(AssessmentRecord.declaration_id).subquery())
    waived = AssessmentRecord.detail[("de_minimis", "duty_waived")]
    assessments = (select(AssessmentRecord.declaration_id.label("did"), cast(waived.as_string(), String).label("lv"))
                   .join(latest_assessment, latest_assessment.c.id == AssessmentRecord.id).subquery())
    items = select(DeclarationItem.declaration_id.label("did"), func.count().label("n"),
                   func.sum(_essential_item(changed or {})).label("essential"))
    if changed:
        items = items.join(Declaration, Declaration.id == DeclarationItem.declaration_id)
    items = items.group_by(DeclarationItem.declaration_id).subquery()
    stmt = (select(Declaration.id, Declaration.economy, Declaration.office, Declaration.status,
                   Declaration.declarant_id, Declaration.content[("importer", "id")].as_string(),
                   Declaration.content[("transport", "mode")].as_string(),
                   Declaration.content[("transport", "arrival")].as_string(), Declaration.accepted_at.label("lodged"),
                   events.c.accepted, events.c.assessed, events.c.lane_selected, events.c.control_start,
                   controls.c.at.label("control_end"), paid.c.at.label("paid"), Release.released_at.label("released"),
                   lanes.c.lane, assessments.c.lv, items.c.n, items.c.essential)
            .outerjoin(events, events.c.did == Declaration.id)
            .outerjoin(controls, controls.c.did == Declaration.id)
            .outerjoin(paid, paid.c.did == Declaration.id)
            .outerjoin(Release, Release.declaration_id == Declaration.id)
            .outerjoin(lanes, lanes.c.did == Declaration.id)
            .outerjoin(assessments, assessments.c.did == Declaration.id)
            .outerjoin(items, items.c.did == Declaration.id)
            .where(and_(Declaration.accepted_at >= lo, Declaration.accepted_at < hi)))
    if economy:
        stmt = stmt.where(Declaration.economy == economy)
    return stmt


def _utc(name: str) -> pl.Expr:
    return pl.col(name).cast(pl.Datetime("us", "UTC"))


def to_frame(raw: pl.DataFrame, trusted: dict[str, set[str]]) -> pl.DataFrame:
    """The query's rows (COLUMNS) as the core's lifecycle frame."""
    trusted_pairs = pl.DataFrame([(e, p) for e, parties in trusted.items() for p in parties],
                                 schema=["economy", "party"], orient="row")
    known = pl.concat_str("economy", pl.lit("|"), "party")
    keys = trusted_pairs.select(known).to_series().to_list() if trusted_pairs.height else []
    return raw.select(
        "id", "office", "mode", "lane", "status",
        trusted=(pl.concat_str("economy", pl.lit("|"), "declarant").is_in(keys)
                 | pl.concat_str("economy", pl.lit("|"), "importer").fill_null("").is_in(keys)),
        essential=(pl.col("items") > 0) & (pl.col("items") == pl.col("essential_items")),
        low_value=pl.col("low_value_text").is_in(["true", "1"]),
        arrival=pl.col("arrival_text").str.replace(r"Z$", "+00:00")
        .str.to_datetime("%Y-%m-%dT%H:%M:%S%.f%:z", time_zone="UTC", strict=False),
        **{m: _utc(m) for m in core.MILESTONES if m != "arrival"},
    )


def _copied(session: Session, stmt) -> pl.DataFrame:
    """PostgreSQL: the query's rows as CSV through COPY straight into columns, with no Python object per
    value (a million declarations: seconds saved). Values are rendered as SQL literals by SQLAlchemy,
    which quotes them; they are dates, an economy code and the essential-goods list."""
    conn = session.connection()
    sql = str(stmt.compile(conn.engine, compile_kwargs={"literal_binds": True, "render_postcompile": True}))
    conn.exec_driver_sql("SET LOCAL TIME ZONE 'UTC'")
    buf = io.BytesIO()
    with conn.connection.dbapi_connection.cursor() as cur, cur.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)") as copy:
        for block in copy:
            buf.write(block)
    text_schema = {name: pl.Utf8 if dtype == pl.Datetime("us", "UTC") else dtype for name, dtype in COLUMNS.items()}
    raw = pl.read_csv(buf.getvalue(), has_header=False, new_columns=list(COLUMNS), schema=text_schema)
    return raw.with_columns(pl.col(c).str.to_datetime("%Y-%m-%d %H:%M:%S%.f%#z", time_zone="UTC") for c in _TIMES)


def lifecycles(session: Session, *, lo: datetime, hi: datetime, economy: str | None = None) -> pl.DataFrame:
    stmt = lifecycle_query(lo=lo, hi=hi, economy=economy, changed=essential_goods.changed_lists(session))
    if session.get_bind().dialect.name == "postgresql":
        raw = _copied(session, stmt)
    else:
        raw = pl.DataFrame(session.execute(stmt).all(), schema=COLUMNS, orient="row")
    # Trusted-trader status as the economy's lane policy states it now (the policy keeps no history
    # of who was trusted when).
    trusted = {e: set(risk.policy(session, economy=e)[0].trusted_traders) for e in raw["economy"].unique()}
    return to_frame(raw, trusted)


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
