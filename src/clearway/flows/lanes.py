"""Selectivity: choose the lane of an assessed declaration and apply it; record what a control
found and move the declaration on. Composes declarations, controls and risk.

The clearance flow calls `select_lane` right after assessment, and `record_inspection` when an officer
records a control (POST /api/v1/declarations/{mrn}/inspection) before it decides about release."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session

from clearway.audit.service import append_event
from clearway.auth.core import Principal, is_officer
from clearway.controls import service as controls
from clearway.controls.core import mandatory_lane
from clearway.db import utcnow
from clearway.declarations import service as declarations
from clearway.declarations.models import Declaration
from clearway.errors import ClearwayError, Conflict, FieldError, Forbidden, Invalid
from clearway.reference import currencies, economies
from clearway.reference.hs import nomenclature
from clearway.flows.priority import priority_goods
from clearway.risk import decisions, disclosure, lanes, service as risk, targeting
from clearway.risk.model import threshold
from clearway.risk.models import Inspection, LaneDecisionRow
from clearway.risk.schemas import InspectionIn
from clearway.risk.scoring import score_records

NEVER = 2.0  # a threshold no probability reaches (no model deployed)

# Where the random-selection draw comes from when the caller passes none: one uniform number in
# [0, 1) per decision. Replaceable, so that tests (tests/conftest.py) and replays fix it.
draw_source: Callable[[], float] = random.random


def select_lane(session: Session, *, row: Declaration, actor: str, draw: float | None = None,
                at: datetime | None = None) -> LaneDecisionRow:
    """Choose and apply the lane of a declaration in status `assessed`: the decision is stored with
    its reasons and rule hits; the declaration moves to lane_selected, and on to under_control when
    yellow or red. `draw` (0..1) fixes the random-selection draw (tests, replays)."""
    stored = decide_lane(session, row=row, actor=actor, draw=draw, at=at)
    # The status history is read by the declarant: it names the lane only. Targeting rules, score and
    # reasons stay in the lane decision, which shows them to officers alone (risk.disclosure).
    declarations.transition(session, row=row, to_status="lane_selected", actor=actor,
                            reason=disclosure.history_reason(stored.lane),
                            data={"lane": stored.lane})
    if stored.lane != "green":
        queue = "priority queue (essential goods)" if stored.priority == "essential" else "officer queue"
        declarations.transition(session, row=row, to_status="under_control", actor=actor,
                                reason=f"{stored.lane} lane: {queue}", data={"lane": stored.lane})
    return stored


def decide_lane(session: Session, *, row: Declaration, actor: str, draw: float | None = None,
                at: datetime | None = None) -> LaneDecisionRow:
    """Choose the lane of an assessed declaration and store the decision (reasons, rule hits, audit
    event) without moving the declaration: for a flow that applies the lane itself."""
    if row.status != "assessed":
        raise Conflict(f"declaration {row.mrn} is {row.status}; a lane is chosen for assessed declarations",
                       current_status=row.status)
    at = at or utcnow()
    found = controls.open_findings(session, declaration_id=row.id)
    mandatory = mandatory_lane([f.lane for f in found])
    pol, pol_row = risk.policy(session, economy=row.economy)
    policy = risk.lane_policy(pol)
    importer = (row.content.get("importer") or {}).get("id")
    first_time = decisions.first_time_importer(session, economy=row.economy, importer=importer, declaration_id=row.id)
    priority = priority_goods(session, economy=row.economy, policy=pol)
    facts = decisions.facts(content=row.content, office=row.office, declarant=row.declarant_id,
                            trusted=set(pol.trusted_traders), first_time_importer=first_time,
                            finding_sources=[f.source for f in found],
                            essential=priority.all)
    hits = targeting.evaluate(risk.in_force(session, economy=row.economy), facts, at)

    unavailable = "no fraud model deployed: rules and random selection only"
    try:
        model = decisions.current_model()
    except ClearwayError as exc:  # a broken deployment must not stop selectivity
        model, unavailable = None, f"fraud model not usable ({exc.one_line()}): rules and random selection only"
    probability = expected = None
    records = decisions.model_records(mrn=row.mrn or "", accepted_at=row.accepted_at, office=row.office,
                                      declarant=row.declarant_id, content=row.content)
    red_t = yellow_t = NEVER
    scores = []
    if model is not None:
        scores = score_records(model, records, reasons=True)
        probability = max(s.probability for s in scores)
        if all(s.expected_revenue is not None for s in scores):
            expected = sum(s.expected_revenue or 0.0 for s in scores)
        q = model.metadata.get("score_quantiles") or {}
        if q:
            red_t = threshold(q, policy.red_share)
            yellow_t = threshold(q, policy.red_share + policy.yellow_share)
    candidate = lanes.Candidate(
        ref=row.mrn or "", office=row.office, day=at.date().isoformat(), probability=probability or 0.0,
        expected_revenue=expected, rule_hits=tuple(hits), mandatory=mandatory,
        mandatory_reasons=tuple(f"{f.source} finding {f.code}: {f.reason}" for f in found),
        trusted=facts.trusted_trader, essential=facts.essential_goods,
        priority_basis=priority.basis([i.hs_code for i in facts.items]) or "essential goods")
    usage = decisions.usage(session, office=row.office, day=candidate.day)
    decision = lanes.select_one(candidate, policy, red_threshold=red_t, yellow_threshold=yellow_t, usage=usage,
                                draw=draw_source() if draw is None else draw)
    # why the model scored it so (the item with the highest probability)
    model_reasons = max(scores, key=lambda s: s.probability).reasons if scores else []
    if model is None:
        decision = lanes.LaneDecision(decision.ref, decision.lane, decision.basis,
                                      decision.reasons + (unavailable,),
                                      decision.rank, decision.random, decision.priority)
    stored = decisions.store_decision(
        session, declaration_id=row.id, mrn=row.mrn or "", version=row.version, economy=row.economy,
        office=row.office, importer=importer, day=candidate.day, decision=decision, mandatory=mandatory,
        probability=probability, expected_revenue=expected, model_reasons=model_reasons, hits=hits,
        model_version=model.version() if model else None, policy_version=pol_row.version if pol_row else None,
        at=at, actor=actor)
    append_event(session, actor=actor, action="risk.lane_selected", entity_type="declaration",
                 entity_id=row.mrn or "", data={"lane": decision.lane, "basis": decision.basis,
                                                "random": decision.random, "probability": probability,
                                                "rules": [f"{h.code}v{h.version}" for h in hits],
                                                "reasons": list(decision.reasons)})
    return stored


# ---- inspections ----------------------------------------------------------------------------------

def _check_inspection(body: InspectionIn, currency: str) -> tuple[int, list[FieldError]]:
    errors: list[FieldError] = []
    severity = body.severity if body.severity is not None else (1 if body.outcome == "irregular" else 0)
    if body.outcome == "compliant":
        if severity:
            errors.append(FieldError("severity", "a compliant outcome has severity 0"))
        if body.extra_duty:
            errors.append(FieldError("extra_duty", "a compliant outcome raises no extra duty"))
        if body.revised_value is not None or body.revised_hs_code is not None:
            errors.append(FieldError("outcome", "a revised value or classification means the outcome is irregular"))
    elif severity == 0:
        errors.append(FieldError("severity", "an irregular outcome has severity 1 (minor) or 2 (critical)"))
    if body.outcome == "irregular" and not body.findings:
        errors.append(FieldError("findings", "say what the control found"))
    for name in ("extra_duty", "revised_value"):
        amount = getattr(body, name)
        if amount is not None and amount != amount.quantize(currencies.quantum(currency)):
            errors.append(FieldError(name, f"{amount} has more decimal places than {currency}, the declaration "
                                           f"currency, allows ({currencies.minor_units(currency)})"))
    if body.revised_hs_code and not nomenclature().is_subheading(body.revised_hs_code):
        errors.append(FieldError("revised_hs_code", f"{body.revised_hs_code[:6]} is not an HS 2022 subheading"))
    return severity, errors


def record_inspection(session: Session, *, principal: Principal, mrn: str, body: InspectionIn) -> Inspection:
    """Record what the control of a yellow or red declaration found; reject the declaration if the officer
    decides so. It never releases: a control that ends in `release` leaves the declaration under control,
    and the clearance flow's `clearance.inspect` (the one path from control to release, behind the API)
    releases it only once what is due, the extra duty found included, is paid or secured."""
    if not is_officer(principal):
        raise Forbidden("only a customs officer records an inspection")
    row = declarations.get(session, principal=principal, mrn=mrn, for_update=True)
    if row.status != "under_control":
        raise Conflict(f"declaration {row.mrn} is {row.status}; only declarations under control are inspected",
                       current_status=row.status)
    # Every amount of the control is in the declaration currency, like the declaration's own amounts; the
    # clearance flow converts extra duty at the assessment's exchange rate into the currency it is collected in.
    currency = row.content.get("currency") or economies.get(row.economy).currency
    severity, errors = _check_inspection(body, currency)
    if errors:
        raise Invalid("the inspection was refused: see the listed fields", errors=errors)
    decision = decisions.latest_decision(session, declaration_id=row.id)
    done = decisions.inspection_of(session, declaration_id=row.id)
    if done is not None and (decision is None or done.decision_id == decision.id):
        raise Conflict(f"the control of {row.mrn} was already recorded ({done.outcome}, {done.inspected_at:%Y-%m-%d})",
                       current_status=row.status)
    now = utcnow()
    insp = Inspection(declaration_id=row.id, decision_id=decision.id if decision else None, mrn=row.mrn or "",
                      lane=decision.lane if decision else "red", random=bool(decision and decision.random),
                      outcome=body.outcome, severity=severity, findings=list(body.findings),
                      revised_value=body.revised_value, revised_hs_code=body.revised_hs_code,
                      extra_duty=currencies.round_money(body.extra_duty, currency), currency=currency,
                      decision=body.decision, inspected_at=now, officer=principal.actor)
    session.add(insp)
    session.flush()
    append_event(session, actor=principal.actor, action="risk.inspection_recorded", entity_type="declaration",
                 entity_id=row.mrn or "", data={"outcome": body.outcome, "severity": severity,
                                                "extra_duty": str(insp.extra_duty), "currency": currency,
                                                "decision": body.decision, "findings": list(body.findings)})
    if body.decision == "release":
        for f in controls.open_findings(session, declaration_id=row.id):
            controls.close_finding(session, finding=f, mrn=row.mrn or "", actor=principal.actor,
                                   resolution=f"controlled by inspection: {body.outcome}")
    reason = f"inspection: {body.outcome}" + (f" ({'; '.join(body.findings)})" if body.findings else "")
    if body.decision == "reject":
        declarations.transition(session, row=row, to_status="rejected", actor=principal.actor, reason=reason)
    return insp
