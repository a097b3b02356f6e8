"""Alerts of the tamper detector: record them, let an officer close them with a finding, list them, and
measure the detector by the findings. The declarations an alert holds (control findings of source "seals")
are the flow's: flows/seals.py raises and closes them."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from clearway.audit.service import append_event
from clearway.auth.core import Principal
from clearway.containers import access, iso6346
from clearway.containers.models import Seal, SealAlert
from clearway.containers.tamper import Alert
from clearway.controls.models import Finding
from clearway.db import driver_cursor, keyset_page, utcnow
from clearway.declarations.models import Declaration
from clearway.errors import Conflict, Forbidden, NotFound

SOURCE = "seals"  # the source of the control findings that hold declarations for an alert
RULE_WORDS = {"opened": "seal opened where or when it should not be", "tamper_status": "seal reported tampering",
              "foreign_seal": "another seal reported for the container", "gap": "seal reports stopped",
              "corridor": "container left the expected corridor", "clock": "seal clock disagrees with receipt time",
              "battery": "seal battery ran out in transit",
              "authenticity": "seal reports failed verification (unsigned, forged or replayed)",
              "conflict": "seal sent two different reports under one sequence number"}


def existing(session: Session, seal_pks: list[int]) -> dict[tuple[int, str], list[SealAlert]]:
    """The alerts already raised on these journeys, by (journey, rule)."""
    out: dict[tuple[int, str], list[SealAlert]] = {}
    for i in range(0, len(seal_pks), 1000):
        for a in session.scalars(select(SealAlert).where(SealAlert.seal_pk.in_(seal_pks[i:i + 1000]))):
            out.setdefault((a.seal_pk, a.rule), []).append(a)
    return out


def record(session: Session, *, seal: Seal, found: Alert, actor: str,
           existing: list[SealAlert] | None = None) -> SealAlert | None:
    """Store what the detector found. Evidence already covered by an alert of the same rule on this journey
    is not raised again: an open alert takes the new evidence; after it was closed, only fresh evidence
    raises a new one. Returns the new alert, if one was raised."""
    if existing is None:
        existing = list(session.scalars(select(SealAlert).where(SealAlert.seal_pk == seal.id,
                                                                SealAlert.rule == found.rule)))
    covered = {(s, q) for a in existing for s, q in a.evidence}
    fresh = [list(e) for e in found.evidence if tuple(e) not in covered]
    if not fresh:
        return None
    still_open = next((a for a in existing if a.status == "open"), None)
    if still_open is not None:
        still_open.evidence = still_open.evidence + fresh
        still_open.reason = found.reason
        return None
    now = utcnow()
    row = SealAlert(seal_pk=seal.id, seal_id=seal.seal_id, container=seal.container, economy=seal.economy,
                    rule=found.rule, severity=found.severity, reason=found.reason, evidence=fresh,
                    event_at=datetime.fromtimestamp(found.at, UTC), raised_at=now, status="open")
    session.add(row)
    session.flush()
    append_event(session, actor=actor, action="seal.alert.raised", entity_type="seal_alert", entity_id=str(row.id),
                 data={"seal_id": seal.seal_id, "container": seal.container, "rule": found.rule,
                       "severity": found.severity, "reason": found.reason})
    return row


STATUSES = ("open", "closed", "all")  # what the list takes; "all" is no filter


def open_on(session: Session, *, containers: set[str], economy: str | None = None) -> list[SealAlert]:
    """The open alerts of `economy` (of any economy: None) on any of `containers`, oldest first. Asked on every
    lodgement and almost always empty, so the question is first put as written SQL on the driver's cursor;
    only alerts found are loaded as objects."""
    if not containers:
        return []
    mark = "%s" if session.get_bind().dialect.name == "postgresql" else "?"
    cursor = driver_cursor(session)
    boxes, ids = sorted(containers), []
    for k in range(0, len(boxes), 500):
        part = boxes[k:k + 500]
        mine = f"economy = {mark} AND " if economy is not None else ""
        cursor.execute(f"SELECT id FROM seal_alerts WHERE {mine}status = 'open' AND container IN "
                       f"({', '.join([mark] * len(part))})", (*([economy] if economy is not None else []), *part))
        ids += [r[0] for r in cursor.fetchall()]
    if not ids:
        return []
    return list(session.scalars(select(SealAlert).where(SealAlert.id.in_(ids)).order_by(SealAlert.id)))


def readable(principal: Principal) -> Any:
    """The access rule of alerts, for their list, their single read and the measures alike."""
    if not access.is_customs(principal):
        raise Forbidden("only customs officers see and close seal alerts")
    return access.of_own_economy(principal, SealAlert.economy)


def get(session: Session, *, principal: Principal, alert: int, for_update: bool = False) -> SealAlert:
    stmt = select(SealAlert).where(SealAlert.id == alert, readable(principal))
    if for_update:
        stmt = stmt.with_for_update()
    row = session.scalars(stmt).one_or_none()
    if row is None:
        raise NotFound(f"no seal alert {alert}")
    return row


def close(session: Session, *, principal: Principal, alert: int, finding: str, note: str) -> SealAlert:
    """The officer's finding (tampered / false_alarm / device_fault) closes the alert (its holds: flows.seals)."""
    row = get(session, principal=principal, alert=alert, for_update=True)
    if row.status != "open":
        raise Conflict(f"seal alert {row.id} was already closed as {row.finding} by {row.closed_by}",
                       state=row.status)
    row.status, row.closed_at, row.closed_by, row.finding, row.note = "closed", utcnow(), principal.actor, finding, note
    session.flush()
    append_event(session, actor=principal.actor, action="seal.alert.closed", entity_type="seal_alert",
                 entity_id=str(row.id), data={"finding": finding, "note": note})
    return row


def list_alerts(session: Session, *, principal: Principal, status: str | None = None, container: str | None = None,
                rule: str | None = None, seal: int | None = None, limit: int = 50,
                after: int | None = None) -> tuple[list[SealAlert], int | None]:
    """Newest first, keyset-paginated. `status` is open, closed, or all (the same as none)."""
    stmt = select(SealAlert).where(readable(principal))
    if status and status != "all":
        stmt = stmt.where(SealAlert.status == status)
    if container:
        stmt = stmt.where(SealAlert.container == iso6346.normalise(container))
    if rule:
        stmt = stmt.where(SealAlert.rule == rule)
    if seal is not None:
        stmt = stmt.where(SealAlert.seal_pk == seal)
    return keyset_page(session, stmt, SealAlert.id, limit=limit, after=after)


def held_declarations(session: Session, alerts: list[SealAlert]) -> dict[int, list[str]]:
    """MRNs of the declarations each alert holds (or held)."""
    if not alerts:
        return {}
    refs = {str(a.id): a.id for a in alerts}

    out: dict[int, list[str]] = {a.id: [] for a in alerts}
    for ref, mrn in session.execute(select(Finding.reference, Declaration.mrn)
                                    .join(Declaration, Declaration.id == Finding.declaration_id)
                                    .where(Finding.source == SOURCE, Finding.reference.in_(refs))
                                    .order_by(Finding.id)):
        if mrn and mrn not in out[refs[ref]]:
            out[refs[ref]].append(mrn)
    return out


def measures(session: Session, *, principal: Principal) -> dict[str, Any]:
    """How the detector did, by the officers' findings: per rule, alerts by finding and the share confirmed."""
    stmt = select(SealAlert.rule, SealAlert.status, SealAlert.finding).where(readable(principal))
    counts: Counter[tuple[str, str]] = Counter()
    for rule, _status, finding in session.execute(stmt):
        counts[(rule, finding or "open")] += 1
    per_rule: dict[str, Any] = {}
    for (rule, finding), n in sorted(counts.items()):
        per_rule.setdefault(rule, {"open": 0, "tampered": 0, "false_alarm": 0, "device_fault": 0})[finding] = n
    for c in per_rule.values():
        closed = c["tampered"] + c["false_alarm"] + c["device_fault"]
        c["confirmed_share"] = round(c["tampered"] / closed, 4) if closed else None
    return {"per_rule": per_rule}


def render(row: SealAlert, declarations_held: list[str] | None = None) -> dict[str, Any]:
    return {"id": row.id, "seal": row.seal_pk, "seal_id": row.seal_id, "container": row.container,
            "economy": row.economy, "rule": row.rule, "severity": row.severity, "reason": row.reason,
            "evidence": row.evidence, "event_at": row.event_at, "raised_at": row.raised_at, "status": row.status,
            "closed_at": row.closed_at, "closed_by": row.closed_by, "finding": row.finding, "note": row.note,
            "declarations": declarations_held or []}
