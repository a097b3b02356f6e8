"""The clearance flow: assess -> select lane -> (control ->) pay or secure -> release.

Each step is one call into one domain; the caller's transaction holds the whole step, so a
declaration is wholly before or wholly after it. Lifecycle moves go through
clearway.declarations.service.transition."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy.orm import Session

from clearway.auth.core import Principal, acts_for, is_admin, is_officer
from clearway.controls import service as controls
from clearway.declarations import service as declarations
from clearway.declarations.models import Declaration
from clearway.errors import Conflict, Forbidden, NotFound
from clearway.flows import lanes, release
from clearway.payments import core as payments_core, service as payments
from clearway.payments.core import at_currency_precision
from clearway.payments.models import Payment, Security
from clearway.release import core as release_core
from clearway.release import service as releases
from clearway.risk import decisions
from clearway.risk.models import Inspection
from clearway.risk.schemas import InspectionIn
from clearway.tariff import service as tariff
from clearway.tariff.models import AssessmentRecord


def control_done(session: Session, row: Declaration) -> bool:
    """True when the declaration is under control and the officer's control of its current lane decision ended
    in `release`: what its release waits for (release_if_ready). Any other declaration waits for no control, so
    its lane decision and inspection are not read."""
    return row.status == "under_control" and decisions.control_recorded(
        decisions.latest_decision(session, declaration_id=row.id), decisions.inspection_of(session, declaration_id=row.id))


def _may_act(principal: Principal, row: Declaration, *, officer: bool = True) -> None:
    if acts_for(principal, row.declarant_id):
        return
    if is_admin(principal) or (officer and is_officer(principal)):
        return
    raise Forbidden(f"this key may not act on declaration {row.mrn}")


class Assessed(NamedTuple):
    """A declaration as `assess` left it: its row, its assessment and its ledger (payments, open security)."""
    row: Declaration
    assessment: AssessmentRecord
    ledger: payments.Ledger


def assess(session: Session, *, principal: Principal, mrn: str) -> Assessed:
    """Assess an accepted declaration, select its lane, and release at once if green with nothing due."""
    row = declarations.get(session, principal=principal, mrn=mrn, for_update=True)
    _may_act(principal, row)
    if row.status != "accepted":
        assessment = tariff.latest(session, row.id)
        if assessment is not None and assessment.declaration_version == row.version:
            return Assessed(row, assessment, payments.ledger(session, row.id))  # already assessed: the same answer
        raise Conflict(f"declaration {row.mrn} is {row.status}; only an accepted declaration is assessed",
                       status=row.status)
    assessment = tariff.assess_declaration(session, row=row, actor=principal.actor)
    not_assessed = assessment.detail.get("not_assessed")
    declarations.transition(session, row=row, to_status="assessed", actor=principal.actor,
                            reason=f"not assessed: {not_assessed}" if not_assessed else
                            f"assessed: {format(assessment.total_due, 'f')} {assessment.currency} due",
                            data={"total_due": format(assessment.total_due, "f"), "currency": assessment.currency})
    # Findings of other checks, targeting rules, the fraud model, capacity and the random share:
    # the lane selector applies the lane (lane_selected, and under_control for yellow and red).
    decision = lanes.select_lane(session, row=row, actor=principal.actor)
    assessment.lane = decision.lane
    ledger = payments.ledger(session, row.id)
    # The lane selector has just read the open findings: each forces yellow or red (controls.service), so a
    # decision nothing forced beyond green saw none.
    release_if_ready(session, row=row, actor=principal.actor, assessment=assessment, ledger=ledger,
                     findings_open=False if decision.mandatory == "green" else None)
    return Assessed(row, assessment, ledger)


def settlement(assessment: AssessmentRecord, ledger: payments.Ledger) -> dict[str, Any]:
    """What is due under `assessment`, paid and secured by `ledger`, and outstanding."""
    cur = assessment.currency
    total_due, paid = at_currency_precision(assessment.total_due, cur), at_currency_precision(ledger.paid, cur)
    security = ledger.security
    return {"total_due": total_due, "paid": paid, "currency": cur,
            "outstanding": payments_core.outstanding(total_due, paid),
            "secured": at_currency_precision(security.amount if security is not None else Decimal(0), cur)}


def release_if_ready(session: Session, *, row: Declaration, actor: str, after_control: bool = False,
                     assessment: AssessmentRecord | None = None, ledger: payments.Ledger | None = None,
                     findings_open: bool | None = None):
    """Release when the amount due is paid or secured AND no control finding is open. A green declaration
    (lane_selected) is released automatically; one under control only when the control is done
    (`after_control=True`, for the inspection flow). Returns the Release or None. `assessment`: the latest,
    `ledger`: the declaration's, and `findings_open`: whether any finding is open, when the caller knows."""
    assessment = assessment or tariff.latest(session, row.id)
    if assessment is None or assessment.declaration_version != row.version:
        return None
    if row.status == "lane_selected" and assessment.lane == "green":
        pass
    elif row.status == "under_control" and after_control:
        pass
    else:
        return None
    if findings_open is None:
        findings_open = bool(controls.open_findings(session, declaration_id=row.id))
    if findings_open:
        return None
    settled = settlement(assessment, payments.ledger(session, row.id) if ledger is None else ledger)
    if settled["outstanding"] > 0 and settled["secured"] < settled["outstanding"]:
        return None
    basis = "nothing_due" if assessment.total_due == 0 else ("paid" if settled["outstanding"] == 0 else "secured")
    return release.release(session, row=row, actor=actor, basis=basis,
                           reason={"nothing_due": "released: nothing due", "paid": "released: duties and taxes paid",
                                   "secured": "released against a guarantee (TFA 7.3)"}[basis])


def inspect(session: Session, *, principal: Principal, mrn: str, body: InspectionIn) -> Inspection:
    """The one path from control to release: record the officer's control (lanes.record_inspection), and when
    it ends in `release`, turn extra duty found into a supplementary assessment and release the goods only
    if what is then due is paid or secured and no control finding is open. Otherwise the goods stay under
    control, and the payment or security releases them (`pay`, `secure`)."""
    inspection = lanes.record_inspection(session, principal=principal, mrn=mrn, body=body)
    if inspection.decision == "release":
        row = declarations.get(session, principal=principal, mrn=mrn, for_update=True)
        _release_after_control(session, row=row, inspection=inspection, actor=principal.actor)
    return inspection


def _release_after_control(session: Session, *, row: Declaration, inspection: Inspection, actor: str):
    assessment = tariff.latest(session, row.id)
    if assessment is not None and inspection.extra_duty > 0:
        tariff.supplement(session, row=row, base=assessment, amount=inspection.extra_duty, currency=inspection.currency,
                          reason=f"control: {inspection.outcome}; " + "; ".join(inspection.findings or []),
                          actor=actor)
    return release_if_ready(session, row=row, actor=actor, after_control=True)


def _assessed(session: Session, principal: Principal, mrn: str) -> tuple[Declaration, AssessmentRecord]:
    row = declarations.get(session, principal=principal, mrn=mrn, for_update=True)
    assessment = tariff.latest(session, row.id)
    if assessment is None or assessment.declaration_version != row.version or row.status in ("accepted", "cancelled", "rejected"):
        raise Conflict(f"declaration {row.mrn} has no assessment in force (status {row.status}); assess it first",
                       status=row.status)
    return row, assessment


def payment_reference(session: Session, *, principal: Principal, mrn: str, provider: str):
    row, assessment = _assessed(session, principal, mrn)
    _may_act(principal, row, officer=False)
    settled = settlement(assessment, payments.ledger(session, row.id))
    if settled["outstanding"] <= 0:
        raise Conflict(f"nothing is due on declaration {row.mrn}", amount_due="0", currency=assessment.currency)
    return payments.issue_reference(session, row=row, provider=provider, due=settled["outstanding"],
                                    currency=assessment.currency, actor=principal.actor)


def pay(session: Session, *, principal: Principal, mrn: str, amount: Decimal, currency: str, method: str,
        reference: str) -> tuple[Declaration, Payment, dict[str, Any]]:
    """Record a payment (or find the same payment made before), release when ready. (The declaration, the
    payment, `view_of` it after.)"""
    row, assessment = _assessed(session, principal, mrn)
    _may_act(principal, row, officer=False)
    ledger = payments.ledger(session, row.id)
    earlier = payments.repeated_payment(ledger, amount=amount, currency=currency, method=method, reference=reference)
    if earlier is not None:  # the same payment sent again: its receipt, nothing paid twice
        return row, earlier, view_of(session, row, assessment, ledger)
    if row.status == "released" and ledger.security is None:
        raise Conflict(f"declaration {row.mrn} is released and settled", amount_due="0", currency=assessment.currency)
    settled = settlement(assessment, ledger)
    payment = payments.record_payment(session, principal=principal, row=row, ledger=ledger, amount=amount,
                                      currency=currency, method=method, reference=reference,
                                      due=settled["outstanding"], due_currency=assessment.currency)
    release_if_ready(session, row=row, actor=principal.actor, after_control=control_done(session, row),
                     assessment=assessment, ledger=ledger)
    return row, payment, view_of(session, row, assessment, ledger)


def secure(session: Session, *, principal: Principal, mrn: str, guarantee: str) -> tuple[Declaration, Security,
                                                                                          dict[str, Any]]:
    """Secure what is due against a guarantee, release when ready. (The declaration, the security, `view_of`
    it after.)"""
    row, assessment = _assessed(session, principal, mrn)
    _may_act(principal, row, officer=False)
    if row.status == "released":
        raise Conflict(f"declaration {row.mrn} is already released")
    ledger = payments.ledger(session, row.id)
    settled = settlement(assessment, ledger)
    security = payments.secure(session, principal=principal, row=row, ledger=ledger, number=guarantee,
                               due=settled["outstanding"], due_currency=assessment.currency)
    release_if_ready(session, row=row, actor=principal.actor, after_control=control_done(session, row),
                     assessment=assessment, ledger=ledger)
    return row, security, view_of(session, row, assessment, ledger)


def view(session: Session, *, principal: Principal, mrn: str) -> dict[str, Any]:
    """The assessment in force, with what is paid, secured and still due, and the release code."""
    return view_of(session, declarations.get(session, principal=principal, mrn=mrn))


def view_of(session: Session, row: Declaration, assessment: AssessmentRecord | None = None,
            ledger: payments.Ledger | None = None) -> dict[str, Any]:
    """`view` of a declaration read already (by `declarations.get`, under the reader's access rule);
    `assessment`: its latest, and `ledger`: its own, when the caller has them."""
    assessment = assessment or tariff.latest(session, row.id)
    if assessment is None:
        raise NotFound(f"declaration {row.mrn} is not assessed yet: POST /api/v1/declarations/{row.mrn}/assessment")
    ledger = payments.ledger(session, row.id) if ledger is None else ledger
    paid = ledger.payments
    settled = settlement(assessment, ledger)
    issued = releases.of(session, row.id)
    cur = assessment.currency
    return {"declaration": row.mrn, "status": row.status, "version": assessment.declaration_version,
            "current": assessment.declaration_version == row.version, "lane": assessment.lane,
            "assessed_at": assessment.assessed_at, "rules_date": assessment.rules_date, "currency": cur,
            **{part: at_currency_precision(getattr(assessment, part), cur) for part in ("duty", "excise", "tax", "fees")},
            "total_due": settled["total_due"],
            "paid": settled["paid"], "secured": settled["secured"], "outstanding": settled["outstanding"],
            "release_code": release_core.display(issued.code) if issued else None,
            "not_assessed": assessment.detail.get("not_assessed"),
            "payments": [{"receipt": p.receipt, "amount": at_currency_precision(p.amount, p.currency),
                          "currency": p.currency, "method": p.method, "reference": p.reference, "paid_at": p.paid_at}
                         for p in paid],
            "detail": assessment.detail}
