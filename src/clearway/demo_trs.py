"""Demo history for the time-release figures and the dashboard: the demo declarations, lodged and cleared
through the real flows a moment ago, are spread over the last six months with plausible step times, so
that the dashboard shows volumes, trends and release times with something real in them.

Only timestamps move (lodgement, status history, lane decision, assessment, control, payment, release and
the declared arrival); every row was written by the flows. The audit log keeps the real times of the load:
it is append-only and sealed, and the demo does not rewrite it. The spread is drawn from each
declaration's LRN, so loading the demo again gives the same history."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from clearway.auth.core import Principal
from clearway.dashboard import service as dashboard
from clearway.dashboard.schemas import EnteredIn
from clearway.db import transaction, utcnow
from clearway.declarations.models import Declaration, StatusEvent
from clearway.payments.models import Payment
from clearway.release.models import Release
from clearway.risk.models import Inspection, LaneDecisionRow
from clearway.tariff.models import AssessmentRecord

DAYS = 183  # six months
# Median hours of control by lane, before the improvement the demo history shows over the six months.
CONTROL_HOURS = {"yellow": 5.0, "red": 30.0}


def retime(session: Session, *, declaration_id: int, at: dict[str, datetime]) -> None:
    """Set a declaration's recorded milestones: keys arrival, lodged, assessed, lane_selected,
    control_start, control_end, paid, released (those present)."""
    row = session.get(Declaration, declaration_id)
    if row is None:
        return
    if "arrival" in at:
        content = dict(row.content)
        content["transport"] = {**content["transport"], "arrival": at["arrival"].isoformat().replace("+00:00", "Z")}
        row.content = content
    if "lodged" in at:
        row.accepted_at = at["lodged"]
    row.updated_at = max(at.values())
    by_status = {"accepted": at.get("lodged"), "assessed": at.get("assessed"),
                 "lane_selected": at.get("lane_selected"), "under_control": at.get("control_start"),
                 "released": at.get("released")}
    for status, when in by_status.items():
        if when is not None:
            session.execute(update(StatusEvent).where(StatusEvent.declaration_id == declaration_id,
                                                      StatusEvent.to_status == status).values(at=when))
    for table, column, key in ((AssessmentRecord, AssessmentRecord.assessed_at, "assessed"),
                               (Inspection, Inspection.inspected_at, "control_end"),
                               (Payment, Payment.paid_at, "paid"), (Release, Release.released_at, "released")):
        if key in at:
            session.execute(update(table).where(table.declaration_id == declaration_id).values({column: at[key]}))
    if "lane_selected" in at:
        session.execute(update(LaneDecisionRow).where(LaneDecisionRow.declaration_id == declaration_id)
                        .values(decided_at=at["lane_selected"], day=at["lane_selected"].strftime("%Y-%m-%d")))


def _hours(rng: random.Random, median: float) -> timedelta:
    return timedelta(hours=rng.lognormvariate(0, 0.6) * median)


def schedule(rng: random.Random, *, now: datetime, status: str, lane: str | None, controlled: bool, paid: bool,
             released: bool) -> dict[str, datetime]:
    """Plausible milestones for one declaration: lodged some time in the last six months (those still in
    progress in the last three days), faster as the months go by (the improvement a dashboard should show)."""
    final = status in ("released", "rejected", "cancelled")
    age = rng.uniform(0.5, DAYS) if final else rng.uniform(0.1, 3)
    lodged = now - timedelta(days=age)
    pace = 0.6 + 0.6 * age / DAYS  # six months ago steps took twice as long as now
    pre_arrival = rng.random() < 0.35
    arrival = lodged + (_hours(rng, 4) if pre_arrival else -_hours(rng, 14 * pace))
    at = {"arrival": arrival, "lodged": lodged}
    if status == "accepted":
        return at
    at["assessed"] = lodged + _hours(rng, 0.8 * pace)
    at["lane_selected"] = at["assessed"] + timedelta(seconds=rng.randrange(1, 90))
    last = at["lane_selected"]
    if lane in CONTROL_HOURS:
        at["control_start"] = at["lane_selected"]
        if controlled:
            at["control_end"] = at["control_start"] + _hours(rng, CONTROL_HOURS[lane] * pace)
            last = at["control_end"]
    if paid:
        at["paid"] = at["assessed"] + _hours(rng, 6 * pace)
        last = max(last, at["paid"])
    if released:
        at["released"] = max(last, arrival - _hours(rng, 2)) + timedelta(seconds=rng.randrange(1, 120))
    horizon = now - timedelta(minutes=5)
    return {k: min(v, horizon) if k != "arrival" else v for k, v in at.items()}


def spread(factory: sessionmaker[Session], *, lrn_prefix: str = "DEMO-") -> dict[str, Any]:
    """Spread the demo declarations (LRN starting with `lrn_prefix`) over the last six months."""
    now = utcnow()
    with transaction(factory) as session:
        rows = session.execute(select(Declaration.id, Declaration.lrn, Declaration.status)
                               .where(Declaration.lrn.startswith(lrn_prefix))).all()
        lanes = dict(session.execute(select(LaneDecisionRow.declaration_id, LaneDecisionRow.lane)).all())
        controlled = set(session.scalars(select(Inspection.declaration_id)).all())
        paid = set(session.scalars(select(Payment.declaration_id)).all())
        released = set(session.scalars(select(Release.declaration_id)).all())
        for declaration_id, lrn, status in rows:
            rng = random.Random(lrn)
            at = schedule(rng, now=now, status=status, lane=lanes.get(declaration_id),
                          controlled=declaration_id in controlled, paid=declaration_id in paid,
                          released=declaration_id in released)
            retime(session, declaration_id=declaration_id, at=at)
    return {"declarations": len(rows), "days": DAYS}


# Entered indicators the demo shows: demo figures, labelled as such in their source.
DEMO_ENTERED = {
    "legal_framework_electronic_documents": ("yes", "yes/no"),
    "tfa_notified_implementation": ("86.6", "%"),
    "paperless_declarations_share": ("97.5", "%"),
    "single_window_agencies": ("14", "agencies"),
    "essential_goods_procedures": ("yes", "yes/no"),
}


def load(factory: sessionmaker[Session], *, admin: Principal, economies: list[str]) -> dict[str, Any]:
    """Spread the demo history over six months and enter the demo's entered indicators."""
    spread_out = spread(factory)
    today = utcnow().date()
    entered = 0
    with transaction(factory) as session:
        for economy in economies:
            for key, (value, unit) in DEMO_ENTERED.items():
                body = EnteredIn(value=value, unit=unit, as_of=today.replace(day=1), economy=economy,
                                 source="Clearway demo figure (not an official statistic)")
                entered += dashboard.enter(session, principal=admin, key=key, body=body)[1]
    return {**spread_out, "entered_indicators": entered}
