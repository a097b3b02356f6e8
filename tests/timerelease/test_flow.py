"""The time-release report read from the stored lifecycle, on SQLite and PostgreSQL: declarations lodged and
cleared through the real flows, their milestones then set to hand-chosen times (demo_trs.retime)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from clearway.db import transaction
from clearway.declarations.models import Declaration, StatusEvent
from clearway.declarations.schemas import DeclarationIn
from clearway.demo_goods import declaration, party
from clearway.demo_trs import retime
from clearway.flows import clearance, lodging, time_release
from clearway.risk import essential_goods
from clearway.validation import parse

T0 = datetime(2026, 3, 2, tzinfo=UTC)


def h(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def lodge_two(factory, keys) -> tuple[int, int]:
    """Two AU declarations: the first assessed, paid and released; the second only lodged."""
    who = keys.principal("declarant", "AU", party("AU"))
    rng = random.Random(5)
    ids = []
    for n in range(2):
        doc = declaration("AU", n, rng)
        doc["items"] = doc["items"][:1]
        doc["items"][0].update(hs_code="610910", description="Cotton T-shirts", value="4000.00")
        with transaction(factory) as session:
            row, _ = lodging.lodge(session, principal=who, decl=parse(DeclarationIn, doc))
            ids.append((row.id, row.mrn))
    with transaction(factory) as session:
        row = clearance.assess(session, principal=who, mrn=ids[0][1]).row
        assert row.status == "lane_selected"
        ref = clearance.payment_reference(session, principal=who, mrn=row.mrn, provider="bank_transfer")
        clearance.pay(session, principal=who, mrn=row.mrn, amount=ref.amount, currency=ref.currency,
                      method="bank_transfer", reference=ref.reference)
    return ids[0][0], ids[1][0]


def test_the_report_reads_each_step_from_the_stored_lifecycle(db, keys):
    done, waiting = lodge_two(db.factory, keys)
    with transaction(db.factory) as session:
        assert session.get(Declaration, done).status == "released"
        retime(session, declaration_id=done, at={"arrival": h(6), "lodged": h(0), "assessed": h(2),
                                                 "lane_selected": h(2.5), "paid": h(5), "released": h(5.5)})
        retime(session, declaration_id=waiting, at={"arrival": h(-4), "lodged": h(1)})
        # Out of order: an earlier assessment of the first, written after the one above (a higher id,
        # an earlier time). The last assessment by time still counts.
        session.add(StatusEvent(declaration_id=done, from_status="accepted", to_status="assessed", at=h(1),
                                actor="test"))
    with db.factory() as session:
        out = time_release.time_release(session, start=T0 - timedelta(days=1), end=T0 + timedelta(days=1),
                                        economy="AU", as_of=h(10))
    figures = {s.interval: s for s in out.intervals}
    assert out.declarations == 2
    a2l = figures["arrival_to_lodgement"]
    assert (a2l.ended, sorted([a2l.median_hours, a2l.mean_hours])) == (2, [-6.0, -0.5])  # -6 and +5
    assert (figures["acceptance_to_assessment"].ended, figures["acceptance_to_assessment"].mean_hours) == (1, 2.0)
    assert figures["acceptance_to_assessment"].censored == 1  # the waiting one: accepted, not assessed yet
    assert figures["assessment_to_lane"].mean_hours == 0.5
    assert figures["payment"].mean_hours == 3.0
    assert figures["release"].mean_hours == 0.5
    assert (figures["arrival_to_release"].ended, figures["arrival_to_release"].mean_hours) == (1, 0.0)  # before arrival
    lodged = figures["lodgement_to_release"]
    assert (lodged.ended, lodged.censored, lodged.mean_hours) == (1, 1, 5.5)  # the waiting one: 9 h so far
    assert figures["control"].lacking == 2
    with db.factory() as session:
        by_mode = time_release.time_release(session, start=T0 - timedelta(days=1), end=T0 + timedelta(days=1),
                                            by="pre_arrival", as_of=h(10))
    assert [(g.value, g.declarations) for g in by_mode.groups] == [("no", 1), ("yes", 1)]


def test_milestones_come_from_every_domain(db, keys):
    done, _ = lodge_two(db.factory, keys)
    with db.factory() as session:
        frame = time_release.lifecycles(session, lo=T0 - timedelta(days=3650), hi=T0 + timedelta(days=3650))
        status = session.scalars(select(Declaration.status).where(Declaration.id == done)).one()
    row = frame.filter(frame["id"] == done).row(0, named=True)
    assert status == "released"
    assert row["lane"] == "green" and row["mode"] in ("sea", "air") and row["essential"] is False
    assert row["lodged"] <= row["assessed"] <= row["lane_selected"] <= row["paid"] <= row["released"]
    assert row["arrival"] is not None and row["control_start"] is None


def test_the_essential_breakdown_follows_each_economys_stored_list(db, keys):
    """The T-shirts (6109.10) become essential once AU's administrator adds them; NZ's list (changed too,
    without them) applies to NZ only. Both lists pass through the same query (tests/risk/test_essential_goods.py
    covers the editing itself)."""
    done, waiting = lodge_two(db.factory, keys)
    with transaction(db.factory) as session:
        essential_goods.change(session, principal=keys.principal("admin", "NZ"), economy="NZ", subheading="300241",
                               included=False, reason="test")
    with db.factory() as session:
        before = time_release.lifecycles(session, lo=T0 - timedelta(days=3650), hi=T0 + timedelta(days=3650))
    assert before.filter(before["id"].is_in([done, waiting]))["essential"].to_list() == [False, False]
    with transaction(db.factory) as session:
        essential_goods.change(session, principal=keys.principal("admin", "AU"), economy="AU", subheading="610910",
                               included=True, reason="uniforms for health workers")
    with db.factory() as session:
        after = time_release.lifecycles(session, lo=T0 - timedelta(days=3650), hi=T0 + timedelta(days=3650))
    assert after.filter(after["id"].is_in([done, waiting])).sort("id")["essential"].to_list() == [True, True]
