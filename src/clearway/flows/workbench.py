"""The officer's workbench: the queue of declarations that need a human, and one declaration's case file.
Loads from declarations, risk, controls, certificates, containers and the clearance flow, and leaves the
ordering and the reasons to the pure core (clearway.risk.queue). Reads only: what an officer does with a
case goes through the flows the API uses (clearway.flows.clearance.inspect, the alert close...)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from clearway.auth.core import Principal, is_customs
from clearway.flows import ephyto_check as certificate_check
from clearway.containers import alert_view
from clearway.controls import service as controls
from clearway.controls.models import Finding
from clearway.db import utcnow
from clearway.declarations import service as declarations
from clearway.declarations.core import FINAL
from clearway.declarations.models import Declaration
from clearway.errors import ClearwayError, Forbidden
from clearway.flows import clearance, environmental_goods
from clearway.payments.core import at_currency_precision
from clearway.flows.priority import priority_goods
from clearway.risk import decisions
from clearway.risk.essential import is_essential
from clearway.risk.models import Inspection, LaneDecisionRow
from clearway.risk.queue import Case, Entry, Hit, OpenFinding, build, entry

QUEUE_LIMIT = 500  # the page shows the first ones; the order puts the urgent ones there


def _may_work(principal: Principal) -> None:
    if not is_customs(principal):
        raise Forbidden("only customs officers and administrators work the officer queue")


def _finding(f: Finding) -> OpenFinding:
    return OpenFinding(f.source, f.code, f.lane, f.reason, f.reference, f.raised_at)


def to_case(row: Declaration, *, decision: LaneDecisionRow | None, inspection: Inspection | None,
            hits: list[Hit], findings: list[Finding], since: datetime | None, essential: frozenset[str],
            environmental: bool) -> Case:
    """One declaration as plain data for the queue core. `essential`: the goods its economy gives priority
    (flows.priority: the essential-goods list, and environmental goods where the lane policy says so);
    `environmental`: it carries goods on APEC's environmental goods list (the flag its pages show)."""
    if decision is None:  # held before its lane is chosen: essential as the lane selector would judge it
        hs_codes = [i.get("hs_code", "") for i in (row.content or {}).get("items", [])]
        return Case(mrn=row.mrn or "", status=row.status, office=row.office, declarant=row.declarant_id,
                    accepted_at=row.accepted_at, under_control_since=since,
                    priority="essential" if is_essential(hs_codes, essential) else "normal",
                    findings=tuple(_finding(f) for f in findings), environmental_goods=environmental)
    return Case(mrn=row.mrn or "", status=row.status, office=row.office, declarant=row.declarant_id,
                accepted_at=row.accepted_at, under_control_since=since, lane=decision.lane, basis=decision.basis,
                random=decision.random, priority=decision.priority, probability=decision.probability,
                rank=decision.rank,
                model_reasons=tuple(str(r.get("text", "")) for r in decision.model_reasons or [] if r.get("text")),
                hits=tuple(hits), findings=tuple(_finding(f) for f in findings),
                control_done=decisions.control_recorded(decision, inspection), environmental_goods=environmental)


def _cases(session: Session, rows: list[Declaration], ids: list[int] | Select[Any] | None = None) -> list[Case]:
    """`ids`: the rows' ids, or the subquery that selected them (one IN (subquery) instead of batches of ids)."""
    ids = ids if ids is not None else [r.id for r in rows]
    latest = decisions.latest_decisions(session, declaration_ids=ids)
    inspections = decisions.latest_inspections(session, declaration_ids=ids)
    hits = decisions.queue_hits(session, declaration_ids=ids)
    found = controls.open_by_declaration(session, declaration_ids=ids)
    since = declarations.entered(session, declaration_ids=ids, status="under_control")
    lists = {e: priority_goods(session, economy=e).all for e in {r.economy for r in rows}}
    flagged = environmental_goods.matches_of(session, rows=rows)
    out = []
    for r in rows:
        d = latest.get(r.id)
        out.append(to_case(r, decision=d, inspection=inspections.get(r.id), hits=hits.get(d.id, []) if d else [],
                           findings=found.get(r.id, []), since=since.get(r.id), essential=lists[r.economy],
                           environmental=bool(flagged[r.id])))
    return out


def queue(session: Session, *, principal: Principal, now: datetime | None = None,
          office: str | None = None) -> list[Entry]:
    """The declarations of the officer's economy (every economy for an admin) that need a human, in order,
    each with why it was selected."""
    _may_work(principal)
    waiting = [declarations.readable_by(principal), Declaration.status.not_in(FINAL),
               or_(Declaration.status == "under_control", Declaration.id.in_(controls.held_declarations()))]
    if office:
        waiting.append(Declaration.office == office.upper())
    rows = list(session.scalars(select(Declaration).where(*waiting).order_by(Declaration.id)))
    ids = select(Declaration.id).where(*waiting)
    return build(_cases(session, rows, ids), now=now or utcnow())[:QUEUE_LIMIT]


def _inspection(i: Inspection) -> dict[str, Any]:
    """The control as the case file shows it, amounts at their currency's precision (NUMERIC(24,6) on PostgreSQL)."""
    return {"outcome": i.outcome, "severity": i.severity, "findings": list(i.findings or []),
            "revised_value": None if i.revised_value is None else at_currency_precision(i.revised_value, i.currency),
            "revised_hs_code": i.revised_hs_code, "extra_duty": at_currency_precision(i.extra_duty, i.currency), "currency": i.currency,
            "decision": i.decision, "officer": i.officer, "inspected_at": i.inspected_at}


def case_file(session: Session, *, principal: Principal, mrn: str, now: datetime | None = None) -> dict[str, Any]:
    """One declaration as the officer works it: the declaration and its items, documents, status history,
    why it is controlled, the lane decision, every finding, the certificates it cites and how they match, the
    seals on its containers with their tracks, the assessment with what is paid and due, and the control
    recorded. Read under the declarations' access rule (another economy's declaration is not found)."""
    _may_work(principal)
    row = declarations.get(session, principal=principal, mrn=mrn)
    (case,) = _cases(session, [row])
    decision = decisions.latest_decision(session, declaration_id=row.id)
    views, outcome = certificate_check.citations(session, row=row)
    try:
        assessment = clearance.view(session, principal=principal, mrn=row.mrn)
    except ClearwayError:  # not assessed yet
        assessment = None
    inspection = decisions.inspection_of(session, declaration_id=row.id)
    return {
        "row": row, "content": row.content, "entry": entry(case, now=now or utcnow()), "case": case,
        "history": list(row.history),
        "documents": list((row.content or {}).get("documents") or []),
        "lane": decisions.lane_view(session, principal=principal, row=decision, status=row.status) if decision else None,
        "findings": controls.findings_of(session, declaration_id=row.id),
        "certificates": [{"reference": ref, "view": v} for ref, v in views.items()],
        "certificate_check": outcome,
        "seals": alert_view.seal_tracks(session, principal=principal, containers=[c.container for c in row.containers]),
        "assessment": assessment,
        "inspection": _inspection(inspection) if inspection is not None
        and (decision is None or inspection.decision_id == decision.id) else None,
        "may_inspect": row.status == "under_control" and not case.control_done,
        "environmental_goods": environmental_goods.matches(session, row=row),
    }
