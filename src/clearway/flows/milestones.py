"""The time-release milestones of each declaration (timerelease_milestones), kept in step with its history.

The history is the record: status events, controls, payments, the release, lane decisions, assessments,
goods items. `history_query` gathers one row per declaration from them (the joins the report used to run at
each request); `refresh` stores that row for the declarations a unit of work changed, in the same
transaction, so the report reads one table. What a unit of work changed is seen at each flush (any ORM row
of the history, the declaration itself) plus the declarations `declarations.service` inserts as Core rows
(`declarations.service.touched`); the listeners below, registered when clearway.flows is imported, refresh
them just before the commit. Migration 1001 fills the table from the history there was (`backfill`).

Composes declarations, risk, tariff, payments and release: a flow, because it reads five domains."""

from __future__ import annotations

from collections.abc import Callable, Iterable
import re
from datetime import UTC, datetime
from functools import cache

import polars as pl
from sqlalchemy import BigInteger, Connection, String, and_, any_, bindparam, case, cast, delete, event, func, insert, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from clearway.db import COPY_FROM, driver_cursor, stored_time
from clearway.declarations import service as declarations
from clearway.declarations.models import Declaration, DeclarationItem, StatusEvent
from clearway.payments.models import Payment
from clearway.release.models import Release
from clearway.risk.essential import shipped
from clearway.risk.models import Inspection, LaneDecisionRow
from clearway.tariff.models import AssessmentRecord
from clearway.timerelease.models import Milestones

_TEXT = ("economy", "office", "status", "declarant", "importer", "mode", "arrival_text")
TIMES = ("lodged", "accepted", "assessed", "lane_selected", "control_start", "control_end", "paid", "released")
COLUMNS: dict[str, pl.DataType] = {"id": pl.Int64, **{c: pl.Utf8 for c in _TEXT},
                                   **{c: pl.Datetime("us", "UTC") for c in TIMES}, "lane": pl.Utf8,
                                   "low_value_text": pl.Utf8, "items": pl.Int64, "essential_items": pl.Int64,
                                   "goods": pl.Utf8}
# The history tables whose rows carry a declaration_id: a change to any of them changes the milestones.
WATCHED = (StatusEvent, DeclarationItem, Payment, Release, Inspection, LaneDecisionRow, AssessmentRecord)
Scope = Callable[[object], object]  # a declaration-id column -> the condition that keeps the wanted ones


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


def history_query(*, lo: datetime | None = None, hi: datetime | None = None, economy: str | None = None,
                  scope: Scope | None = None, changed: dict[str, frozenset[str]] | None = None):
    """One row per declaration (COLUMNS) from its history: those lodged in [lo, hi), or those `scope` keeps
    (then every part of the query is cut to them, so that a refresh of one declaration reads its rows only).
    `changed`: the essential-goods lists of the economies whose administrator changed the shipped one."""
    def cut(stmt, column):
        return stmt if scope is None else stmt.where(scope(column))

    events = cut(select(StatusEvent.declaration_id.label("did"), _first("accepted").label("accepted"),
                        _last("assessed").label("assessed"), _last("lane_selected").label("lane_selected"),
                        _last("under_control").label("control_start")), StatusEvent.declaration_id)
    events = events.group_by(StatusEvent.declaration_id).subquery()
    controls = cut(select(Inspection.declaration_id.label("did"), func.max(Inspection.inspected_at).label("at")),
                   Inspection.declaration_id).group_by(Inspection.declaration_id).subquery()
    paid = cut(select(Payment.declaration_id.label("did"), func.max(Payment.paid_at).label("at")),
               Payment.declaration_id).group_by(Payment.declaration_id).subquery()
    latest_lane = cut(select(func.max(LaneDecisionRow.id).label("id")), LaneDecisionRow.declaration_id)
    latest_lane = latest_lane.group_by(LaneDecisionRow.declaration_id).subquery()
    lanes = (select(LaneDecisionRow.declaration_id.label("did"), LaneDecisionRow.lane)
             .join(latest_lane, latest_lane.c.id == LaneDecisionRow.id).subquery())
    latest_assessment = cut(select(func.max(AssessmentRecord.id).label("id")), AssessmentRecord.declaration_id)
    latest_assessment = latest_assessment.group_by(AssessmentRecord.declaration_id).subquery()
    waived = AssessmentRecord.detail[("de_minimis", "duty_waived")]
    assessments = (select(AssessmentRecord.declaration_id.label("did"), cast(waived.as_string(), String).label("lv"))
                   .join(latest_assessment, latest_assessment.c.id == AssessmentRecord.id).subquery())
    items = cut(select(DeclarationItem.declaration_id.label("did"), func.count().label("n"),
                       func.sum(_essential_item(changed or {})).label("essential"),
                       func.aggregate_strings(func.substr(DeclarationItem.hs_code, 1, 6), " ").label("goods")),
                DeclarationItem.declaration_id)
    if changed:
        items = items.join(Declaration, Declaration.id == DeclarationItem.declaration_id)
    items = items.group_by(DeclarationItem.declaration_id).subquery()
    release = cut(select(Release.declaration_id.label("did"), Release.released_at.label("at")),
                  Release.declaration_id).subquery()
    stmt = (select(Declaration.id, Declaration.economy, Declaration.office, Declaration.status,
                   Declaration.declarant_id, Declaration.content[("importer", "id")].as_string(),
                   Declaration.content[("transport", "mode")].as_string(),
                   Declaration.content[("transport", "arrival")].as_string(), Declaration.accepted_at.label("lodged"),
                   events.c.accepted, events.c.assessed, events.c.lane_selected, events.c.control_start,
                   controls.c.at.label("control_end"), paid.c.at.label("paid"), release.c.at.label("released"),
                   lanes.c.lane, assessments.c.lv, items.c.n, items.c.essential, items.c.goods)
            .outerjoin(events, events.c.did == Declaration.id)
            .outerjoin(controls, controls.c.did == Declaration.id)
            .outerjoin(paid, paid.c.did == Declaration.id)
            .outerjoin(release, release.c.did == Declaration.id)
            .outerjoin(lanes, lanes.c.did == Declaration.id)
            .outerjoin(assessments, assessments.c.did == Declaration.id)
            .outerjoin(items, items.c.did == Declaration.id))
    if lo is not None and hi is not None:
        stmt = stmt.where(and_(Declaration.accepted_at >= lo, Declaration.accepted_at < hi))
    if economy:
        stmt = stmt.where(Declaration.economy == economy)
    return cut(stmt, Declaration.id)


def arrival(text: pl.Expr) -> pl.Expr:
    """The arrival the declarant reported (ISO 8601 with a zone); anything else reads as unknown."""
    return (text.str.replace(r"Z$", "+00:00")
            .str.to_datetime("%Y-%m-%dT%H:%M:%S%.f%:z", time_zone="UTC", strict=False))


def stored_rows(raw: pl.DataFrame) -> list[dict]:
    """The history query's rows (COLUMNS) as rows of timerelease_milestones."""
    goods = pl.col("goods").fill_null("").str.split(" ").list.unique().list.sort().list.join(" ").str.strip_chars()
    return raw.select(
        pl.col("id").alias("declaration_id"), "economy", "office", "status", pl.col("declarant"), "importer",
        "mode", "lane", low_value=pl.col("low_value_text").is_in(["true", "1"]),
        items=pl.col("items").fill_null(0), goods=goods, arrival=arrival(pl.col("arrival_text")),
        **{t: pl.col(t) for t in TIMES},
    ).to_dicts()


# A refresh of a few declarations (what one commit touched) builds its rows in plain Python: polars costs about
# 2.5 ms of CPU a call whatever the size (a third of a lodgement's CPU, issue 16's profile). The plain rows are
# stored_rows' exactly; any value whose reading is not plainly the same (an arrival not in the plain ISO form,
# a value of another type) hands the whole batch to stored_rows. Plain Python takes about 5 µs a row, so it is
# cheaper than polars up to a few hundred rows: up to a refresh's part of 500 (a batch's chunk, issue 16).
PLAIN_UP_TO = 500
_INDEX = {name: k for k, name in enumerate(COLUMNS)}
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})")
_GOODS = re.compile(r"[0-9A-Za-z. ]*")


class _Unsure(Exception):
    """A value only polars' reading can settle."""


def _text(value: object) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise _Unsure


def _time(value: object) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, datetime):
        raise _Unsure
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _arrival(text: object) -> datetime | None:
    if text is None:
        return None
    if not isinstance(text, str) or not _ISO.fullmatch(text):
        raise _Unsure
    try:
        return datetime.fromisoformat(text).astimezone(UTC)
    except ValueError:  # a day or hour out of range: polars reads it as unknown, say so through it
        raise _Unsure from None


def _goods(value: object) -> str:
    goods = _text(value) or ""
    if not _GOODS.fullmatch(goods):
        raise _Unsure
    return " ".join(sorted(set(goods.split(" ")))).strip()


def plain_rows(raw: list) -> list[dict]:
    """stored_rows of the history query's rows (tuples in COLUMNS order), without polars; _Unsure when a
    value is not plainly read the same way."""
    i = _INDEX
    out = []
    for r in raw:
        if not isinstance(r[i["id"]], int) or not isinstance(r[i["items"]] or 0, int):
            raise _Unsure
        low = _text(r[i["low_value_text"]])
        out.append({"declaration_id": r[i["id"]], **{c: _text(r[i[c]]) for c in (
                        "economy", "office", "status", "declarant", "importer", "mode", "lane")},
                    "low_value": None if low is None else low in ("true", "1"), "items": r[i["items"]] or 0,
                    "goods": _goods(r[i["goods"]]), "arrival": _arrival(r[i["arrival_text"]]),
                    **{t: _time(r[i[t]]) for t in TIMES}})
    return out


def history(session: Session | Connection, stmt, params: dict | None = None) -> pl.DataFrame:
    return frame(session.execute(stmt, params).all())


def frame(raw: list) -> pl.DataFrame:
    return pl.DataFrame(raw, schema=COLUMNS, orient="row")


def refresh(session: Session | Connection, *, scope: Scope, ids: Iterable[int] | None = None) -> int:
    """Store the milestones of the declarations `scope` keeps, from their history; returns rows written."""
    conn = session.connection() if isinstance(session, Session) else session
    table = Milestones.__table__
    conn.execute(delete(table).where(scope(table.c.declaration_id)))
    return _store(conn, conn.execute(history_query(scope=scope)).all())


def _store(conn: Connection, raw: list, ready: list[dict] | None = None) -> int:
    """The rows of the history query's `raw` and those `ready` (already built) into timerelease_milestones."""
    rows = None
    if len(raw) <= PLAIN_UP_TO:
        try:
            rows = plain_rows(raw)
        except _Unsure:
            pass
    if rows is None:
        rows = stored_rows(frame(raw))
    rows = (ready or []) + rows
    if rows:
        _insert(conn, rows)
    return len(rows)


def _insert(conn: Connection, rows: list[dict]) -> None:
    """The rows into timerelease_milestones by one executemany (many rows on PostgreSQL: a COPY) on the driver's
    cursor, times as each engine stores them (db.stored_time): SQLAlchemy's bind processing of its ten time
    columns cost about 15 µs a row, as much as the rest of a batch's refresh (issue 16)."""
    dialect = conn.dialect.name
    if dialect not in ("sqlite", "postgresql"):
        conn.execute(insert(Milestones.__table__), rows)
        return
    names = list(rows[0])
    mark = (lambda n: f"%({n})s") if dialect == "postgresql" else (lambda n: f":{n}")
    sql = (f"INSERT INTO {Milestones.__tablename__} ({', '.join(names)}) "
           f"VALUES ({', '.join(mark(n) for n in names)})")
    cursor = driver_cursor(conn)
    if dialect == "postgresql" and len(rows) >= COPY_FROM:  # psycopg writes COPY rows in C
        with cursor.copy(f"COPY {Milestones.__tablename__} ({', '.join(names)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([row[n] for n in names])
        return
    times = [n for n in names if n in TIMES or n == "arrival"]
    written: dict[datetime, object] = {}  # each time converted once: a batch's rows share their lodging time
    for row in rows:
        for n in times:
            value = row[n]
            if value is not None:
                text = written.get(value)
                row[n] = text if text is not None else written.setdefault(value, stored_time(dialect, value))
    if len(rows) == 1:  # (a lodgement's: psycopg's executemany opens a pipeline, some 60 µs more than one execute)
        cursor.execute(sql, rows[0])
    else:
        cursor.executemany(sql, rows)


_IDS = bindparam("ids", expanding=True)
# PostgreSQL takes the list as one array parameter: expanded into each of the query's eight subqueries, 500 ids
# are 4,000 parameters to bind, about 15 µs of CPU a declaration in a batch's refresh (issue 16).
_ID_ARRAY = bindparam("ids", type_=ARRAY(BigInteger))


# PostgreSQL plans the history query anew at each run, even prepared: its cost estimate for the array of ids
# keeps preferring a custom plan, and planning the eight joined parts over the month partitions took 1.4-1.5 ms
# of its CPU, the execution 0.2 ms (pg_stat_statements, an assessment). The generic plan is planned once per
# connection and runs in about 0.5 ms (it prunes the partitions as it starts). For the rest of the transaction
# only: the refresh comes last (at the commit), and the statements after it write single rows.
_GENERIC_PLANS = "SET LOCAL plan_cache_mode = force_generic_plan"


@cache
def _by_ids(dialect: str = "") -> tuple:
    """The delete and the history query of a list of declarations (parameter `ids`), built once per process and
    dialect: building the query (eight grouped subqueries) and its cache key took 3-6 ms of CPU at every commit
    that touched a declaration (issue 18, benchmarks/load.py and py-spy)."""
    table = Milestones.__table__
    if dialect == "postgresql":
        return (delete(table).where(table.c.declaration_id == any_(_ID_ARRAY)),
                history_query(scope=lambda column: column == any_(_ID_ARRAY)))
    return (delete(table).where(table.c.declaration_id.in_(_IDS)),
            history_query(scope=lambda column: column.in_(_IDS)))


def lodged_row(ident: int, lodgement: dict, at: datetime) -> tuple:
    """The history query's row (COLUMNS) of a declaration just lodged and not touched since, from what lodging
    wrote (declarations.service.lodged_now: its head, content and items): accepted at `at`, its first and only
    status event; no control, payment, release, lane or assessment yet; the texts read from the content as the
    query's JSON paths read them."""
    head, content = lodgement["head"], lodgement["content"]
    transport, importer = content.get("transport"), content.get("importer")
    transport = transport if isinstance(transport, dict) else {}
    importer = importer if isinstance(importer, dict) else {}
    items = lodgement["items"]
    codes = [item["hs_code"][:6] for item in items if item["hs_code"] is not None]
    return (ident, head["economy"], head["office"], "accepted", head["declarant_id"], importer.get("id"),
            transport.get("mode"), transport.get("arrival"), at, at, None, None, None, None, None, None,
            None, None, len(items) or None, None, " ".join(codes) if codes else None)


def refresh_ids(session: Session, ids: Iterable[int],
                lodged: dict[int, tuple[dict, datetime]] | None = None) -> None:
    """Store the milestones of declarations `ids` from their history; those of `lodged` (declarations just
    lodged and not touched since: declarations.service.lodged_now) from what lodging wrote, without the query,
    unless one of their values is not plainly read (then all of them by the query)."""
    ids = sorted({i for i in ids if i is not None})
    lodged = lodged or {}
    conn = session.connection()
    remove, query = _by_ids(conn.dialect.name)
    for k in range(0, len(ids), 500):
        part = ids[k:k + 500]
        ready: list[dict] = []
        rest = [i for i in part if i not in lodged]
        if len(rest) < len(part):
            try:
                ready = plain_rows([lodged_row(i, *lodged[i]) for i in part if i in lodged])
            except _Unsure:
                ready, rest = [], part
        # A declaration just lodged has no milestones yet: none were written for it since (then it would have left
        # `lodged`), and any of a deleted declaration whose id it took went with it (ON DELETE CASCADE).
        if rest:
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql(_GENERIC_PLANS)
            conn.execute(remove, {"ids": rest})
        raw = conn.execute(query, {"ids": rest}).all() if rest else []
        _store(conn, raw, ready)


def backfill(conn: Connection, *, chunk: int = 20_000) -> int:
    """Every declaration's milestones from its history, `chunk` declarations at a time by ranges of their ids
    (migration 1001, benchmarks; ids are month-numbered on PostgreSQL, so the ranges are read, not counted)."""
    written, after = 0, None
    while True:
        ids = select(Declaration.id).order_by(Declaration.id).limit(chunk)
        ids = conn.execute(ids if after is None else ids.where(Declaration.id > after)).scalars().all()
        if not ids:  # all filled (and no other domain's table read: migration 1001 on a new database)
            return written
        written += refresh(conn, scope=lambda column, lo=ids[0], hi=ids[-1]: column.between(lo, hi))
        after = ids[-1]


def _seen(session: Session, flush_context, instances=None) -> None:
    ids = declarations.touched(session)
    lodged = declarations.lodged_now(session)
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Declaration):
            ids.add(obj.id)
            lodged.pop(obj.id, None)  # changed since it was lodged: its milestones from its history
        elif isinstance(obj, WATCHED):
            ids.add(obj.declaration_id)
            lodged.pop(obj.declaration_id, None)


def store_pending(session: Session) -> None:
    """The milestones of the declarations changed in this unit of work so far, written now rather than at the
    commit (lodging writes them before an MRN is drawn: flows.lodging.lodge_checked)."""
    session.flush()
    ids = declarations.touched(session)
    lodged = declarations.lodged_now(session)
    if ids:
        refresh_ids(session, ids, lodged)
        ids.clear()
    lodged.clear()


def _forget(session: Session, *_: object) -> None:
    """At a rollback (a savepoint's too): what was lodged may be gone, so none of it is taken as written. The
    declarations waiting for a refresh stay: SQLAlchemy calls this for a savepoint too, and what was changed
    before the savepoint still commits (a refresh of one whose change was rolled back rewrites the row it has)."""
    declarations.lodged_now(session).clear()


event.listen(Session, "after_flush", _seen)
event.listen(Session, "before_commit", store_pending)
event.listen(Session, "after_rollback", _forget)
