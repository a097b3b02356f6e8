"""The stored milestones (timerelease_milestones, kept by flows/milestones.py in the same transaction as each
lifecycle fact) agree with the same figures computed from the history itself, on SQLite and PostgreSQL, over
a varied set: declarations released, assessed, paid, waiting, cancelled, under control with an inspection,
with an out-of-order event, an arrival without a time zone, an economy's edited essential-goods list, and
histories changed after the first refresh; a rolled-back change leaves the stored row as it was."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

from sqlalchemy import event, select, text

from clearway.db import transaction
from clearway.declarations import service as declarations
from clearway.declarations.models import Declaration, DeclarationItem, StatusEvent
from clearway.declarations.schemas import DeclarationIn
from clearway.demo_goods import declaration, party
from clearway.demo_trs import retime, schedule
from clearway.flows import clearance, lodging, milestones, time_release
from clearway.risk import essential_goods
from clearway.risk.models import Inspection
from clearway.timerelease import report
from clearway.timerelease.models import Milestones
from clearway.validation import parse
from sqlalchemy.orm import Session

NOW = datetime(2026, 6, 1, tzinfo=UTC)
WIDE = {"lo": NOW - timedelta(days=3650), "hi": NOW + timedelta(days=3650)}


def _lodge_varied(factory, keys, n: int = 10) -> list[tuple[int, str, str]]:
    who = keys.principal("declarant", "AU", party("AU"))
    rng = random.Random(13)
    out = []
    for k in range(n):
        doc = declaration("AU", k, rng)
        doc["items"] = doc["items"][:1 + k % 2]
        for j, item in enumerate(doc["items"]):  # vaccines (essential), T-shirts (made essential below), the demo's
            if k % 3 == 0 or (k % 3 == 1 and j == 0):
                item.update(hs_code="300241" if k % 3 == 0 else "610910")
        with transaction(factory) as session:
            row, _ = lodging.lodge(session, principal=who, decl=parse(DeclarationIn, doc))
            kind = ("released", "assessed", "waiting", "cancelled", "control")[k % 5]
            if kind in ("released", "assessed", "control"):
                row = clearance.assess(session, principal=who, mrn=row.mrn).row
            if kind == "released" and row.status == "lane_selected":
                ref = clearance.payment_reference(session, principal=who, mrn=row.mrn, provider="bank_transfer")
                clearance.pay(session, principal=who, mrn=row.mrn, amount=ref.amount, currency=ref.currency,
                              method="bank_transfer", reference=ref.reference)
            if kind == "cancelled":
                declarations.cancel(session, principal=who, mrn=row.mrn, reason="test")
            out.append((row.id, row.mrn, kind))
    return out


def _vary(factory, rows) -> None:
    rng = random.Random(7)
    with transaction(factory) as session:
        for did, mrn, kind in rows:
            status = session.get(Declaration, did).status
            at = schedule(rng, now=NOW, status=status, lane="green", controlled=False, paid=kind == "released",
                          released=status == "released")
            retime(session, declaration_id=did, at=at)
            if kind == "control":  # under control, then inspected: the control interval from both sides
                start = at.get("lane_selected", at["lodged"]) + timedelta(minutes=10)
                session.add(StatusEvent(declaration_id=did, from_status="lane_selected", to_status="under_control",
                                        at=start, actor="test"))
                session.add(Inspection(declaration_id=did, mrn=mrn, lane="red", outcome="compliant", severity=0,
                                       findings=[], extra_duty=Decimal("0"), currency="AUD", decision="release",
                                       inspected_at=start + timedelta(hours=3), officer="test"))
        first = rows[0][0]  # out of order: an earlier assessment written after the later one
        session.add(StatusEvent(declaration_id=first, from_status="accepted", to_status="assessed",
                                at=NOW - timedelta(days=400), actor="test"))
        odd = session.get(Declaration, rows[2][0])  # an arrival without a zone reads as unknown on both sides
        odd.content = {**odd.content, "transport": {**odd.content["transport"], "arrival": "2026-03-02T10:00:00"}}


def _both(factory):
    with factory() as session:
        stored = time_release.lifecycles(session, **WIDE).sort("id")
        computed = time_release.history_lifecycles(session, **WIDE).sort("id")
    return stored, computed


def test_the_stored_milestones_agree_with_the_history(db, keys):
    rows = _lodge_varied(db.factory, keys)
    _vary(db.factory, rows)
    with transaction(db.factory) as session:
        essential_goods.change(session, principal=keys.principal("admin", "AU"), economy="AU", subheading="610910",
                               included=True, reason="uniforms for health workers")
    stored, computed = _both(db.factory)
    assert stored.height == computed.height == len(rows)
    assert stored.equals(computed), (stored, computed)
    # Varied indeed: each kind of history is there.
    assert set(stored["status"]) == {"released", "lane_selected", "accepted", "cancelled"}
    assert stored["control_end"].null_count() < stored.height and stored["arrival"].null_count() == 1
    assert 0 < stored["essential"].sum() < stored.height and stored["paid"].null_count() < stored.height
    # The report from either frame is the same report.
    as_of = NOW
    a, b = (report.report(f, as_of=as_of, start=WIDE["lo"], end=WIDE["hi"], by="office") for f in (stored, computed))
    assert a.model_dump() == b.model_dump()


def test_a_rolled_back_change_leaves_the_stored_row_and_a_backfill_rebuilds_the_same(db, keys):
    rows = _lodge_varied(db.factory, keys, n=5)
    did = rows[0][0]
    with db.factory() as session:
        before = session.get(Milestones, did).assessed
    try:
        with transaction(db.factory) as session:
            session.add(StatusEvent(declaration_id=did, from_status="accepted", to_status="assessed",
                                    at=NOW + timedelta(days=900), actor="test"))
            session.flush()
            raise RuntimeError("crash before the commit")
    except RuntimeError:
        pass
    with db.factory() as session:
        assert session.get(Milestones, did).assessed == before
    stored, _ = _both(db.factory)
    with transaction(db.factory) as session:
        session.execute(Milestones.__table__.delete())
        assert milestones.backfill(session.connection(), chunk=2) == len(rows)
    again, computed = _both(db.factory)
    assert again.equals(stored) and again.equals(computed)
    with db.factory() as session:
        goods = session.scalars(select(Milestones.goods).where(Milestones.declaration_id == rows[1][0])).one()
        codes = session.scalars(select(DeclarationItem.hs_code).where(DeclarationItem.declaration_id == rows[1][0]))
        assert goods == " ".join(sorted({c[:6] for c in codes})) and "610910" in goods  # distinct, sorted


def _same_or_unsure(raw: list) -> bool:
    """plain_rows gives stored_rows' rows exactly, or declines (then _store uses stored_rows); True if it gave."""
    expected = milestones.stored_rows(milestones.frame(raw))
    try:
        plain = milestones.plain_rows(raw)
    except milestones._Unsure:
        return False
    assert plain == expected
    assert [[type(v) for v in r.values()] for r in plain] == [[type(v) for v in r.values()] for r in expected]
    return True


def test_the_plain_rows_of_a_small_refresh_are_the_polars_rows(db, keys):
    """Issue 16: a commit's refresh builds its few rows without polars; they must be the same rows."""
    rows = _lodge_varied(db.factory, keys)
    _vary(db.factory, rows)
    with db.factory() as session:
        raw = session.execute(milestones.history_query()).all()
    given = [_same_or_unsure([r]) for r in raw]
    assert len(raw) == len(rows) and sum(given) == len(rows) - 1  # _vary's arrival without a zone is declined


ARRIVALS = ["2026-06-01T10:00:00Z", "2026-06-01T10:00:00.5+09:30", "2026-06-01T23:59:59.123456-11:00",
            "2026-06-01T10:00:00+0930", "2026-06-01 10:00:00Z", "2026-02-30T10:00:00Z", "2026-06-01T24:00:00Z",
            "2026-06-01T10:00:00", "tomorrow", "", "2026-06-01T10:00:60Z", "2026-06-01T10:00:00.1234567Z", None]


def test_plain_rows_read_every_value_as_polars_does_or_decline():
    """Arrivals in and out of the plain ISO form, texts, goods with duplicates and blanks, naive and zoned
    times, missing counts: each row alone, so that one declined value does not hide the others."""
    base = {c: None for c in milestones.COLUMNS} | {"id": 7, "economy": "AU", "office": "SYD01", "status": "accepted",
                                                      "declarant": "AU-1", "lodged": NOW}
    variants = [{"arrival_text": a} for a in ARRIVALS]
    variants += [{"low_value_text": v} for v in ("true", "1", "false", "0", "", None)]
    variants += [{"goods": g} for g in ("610910 300241 610910", " 300241", "", None, "0101 0101  0102", "61\t09")]
    variants += [{"items": n} for n in (None, 0, 3)]
    variants += [{"accepted": t} for t in (NOW.replace(tzinfo=None), NOW.astimezone(UTC) + timedelta(hours=1),
                                           datetime(2026, 6, 1, 19, 30, tzinfo=timezone(timedelta(hours=9, minutes=30))))]
    given = [_same_or_unsure([tuple((base | v)[c] for c in milestones.COLUMNS)]) for v in variants]
    # The plain form is read without polars; the rest is declined, never read differently.
    assert given[:len(ARRIVALS)] == [True, True, True, False, False, False, False, False, False, False, False, False,
                                     True]
    assert sum(given) == len(given) - 10  # the nine arrivals above and the goods with a tab


def test_a_refresh_on_one_connection_stays_right_when_its_query_is_prepared_and_the_mode_ends_with_it(db, keys):
    """On PostgreSQL a refresh asks for the generic plan of the history query (flows/milestones.py, issue 18);
    psycopg prepares a statement at its fifth run on a connection, so eight refreshes on one connection run the
    prepared query. Each stores the row the history gives, and the plan mode ends with the transaction (SET
    LOCAL): the connection goes back to the pool as it came. SQLite is sent no such setting."""
    rows = _lodge_varied(db.factory, keys, n=5)
    statements: list[str] = []
    with db.engine.connect() as conn:
        listen = lambda *a: statements.append(a[2])  # noqa: E731 - (conn, cursor, statement, ...)
        event.listen(conn, "before_cursor_execute", listen)
        with Session(bind=conn) as session:
            for _ in range(8):
                for did, _, _ in rows:
                    milestones.refresh_ids(session, [did])
            during = session.execute(text("SHOW plan_cache_mode")).scalar() if db.backend == "postgresql" else None
            session.commit()
        after = conn.execute(text("SHOW plan_cache_mode")).scalar() if db.backend == "postgresql" else None
        conn.rollback()
    asked = sum("plan_cache_mode = force_generic_plan" in q for q in statements)
    if db.backend == "postgresql":
        assert (during, after, asked) == ("force_generic_plan", "auto", 8 * len(rows))
    else:
        assert asked == 0
    stored, computed = _both(db.factory)
    assert stored.height == len(rows) and stored.equals(computed), (stored, computed)
