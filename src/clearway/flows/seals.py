"""Seal alerts and the declarations they hold, as a flow. The containers domain stores seal events and
raises alerts; here an alert holds every declaration of its economy carrying the container (a red-lane
control finding, which blocks automatic release), a declaration lodged or amended later gets the holds of
the open alerts on its containers, and an officer closing an alert closes its holds.

Every entry point that stores seal events (the API, the MQTT listener, the simulator and the demo run
locally, the sweep) goes through `ingest` or `sweep` here, so that no alert is raised without its holds:
the events, the alerts and the holds land in one transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from clearway.auth.core import Principal
from clearway.containers import alerts, detection, iso6346
from clearway.containers import ingest as seal_events
from clearway.containers.models import SealAlert
from clearway.containers.thresholds import DetectorConfig
from clearway.controls import service as controls
from clearway.controls.models import Finding
from clearway.declarations import service as declarations

LANE = "red"


def ingest(session: Session, *, events: list[Any], source: str, actor: str, economy: str,
           cfg: DetectorConfig | None = None, topic_seal: str | None = None, raw_text: list[str] | None = None,
           now: datetime | None = None, memo: detection.Memo | None = None) -> seal_events.Outcome:
    """Store a batch of seal events and detect (containers.ingest.ingest), then hold the declarations
    carrying the containers of the alerts it raised."""
    out = seal_events.ingest(session, events=events, source=source, actor=actor, economy=economy, cfg=cfg,
                             topic_seal=topic_seal, raw_text=raw_text, now=now, memo=memo)
    hold_carriers(session, alert_ids=out.alerts, actor=actor)
    return out


def sweep(session: Session, *, now: datetime | None = None, cfg: DetectorConfig | None = None,
          actor: str = "seals-sweep") -> list[int]:
    """The gap sweep (containers.detection.sweep), then the holds of the alerts it raised."""
    raised = detection.sweep(session, now=now, cfg=cfg, actor=actor)
    hold_carriers(session, alert_ids=raised, actor=actor)
    return raised


def hold_carriers(session: Session, *, alert_ids: list[int], actor: str) -> None:
    """Hold the declarations carrying the container of each new alert, within the alert's economy: another
    economy's customs could neither see nor close the hold."""
    for alert in (session.get_one(SealAlert, i) for i in alert_ids):
        for decl in declarations.by_container(session, container=alert.container):
            if decl.economy == alert.economy:
                _hold(session, alert=alert, declaration=decl, actor=actor)


def seals_check(session: Session, *, row: Any, actor: str) -> list[Finding]:
    """Open alerts of the declaration's economy on any container of it hold it too (for declarations lodged
    later); a hold for a container the declaration no longer carries (amended) is closed (one just lodged goes
    through `seals_check_new`)."""
    boxes = {iso6346.normalise(c.container) for c in row.containers}
    mine = [f for f in controls.open_findings(session, declaration_id=row.id) if f.source == alerts.SOURCE]
    if mine:
        alerts_of = {str(a.id): a for a in session.scalars(select(SealAlert).where(
            SealAlert.id.in_([int(f.reference) for f in mine if f.reference and f.reference.isdigit()])))}
        for f in mine:
            alert = alerts_of.get(f.reference or "")
            if alert is not None and alert.container not in boxes:
                controls.close_finding(session, finding=f, mrn=row.mrn or "", actor=actor,
                                       resolution=f"the declaration no longer carries container {alert.container}")
    if not boxes:
        return []
    found = alerts.open_on(session, containers=boxes, economy=row.economy)
    return [_hold(session, alert=a, declaration=row, actor=actor) for a in found]


def seals_check_new(session: Session, *, rows: list[Any], actor: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """`seals_check` of declarations lodged together in this transaction (clearway.declarations.service.Lodged:
    their containers as numbers), without raising anything: (no audit events, the holds to raise in row order).
    The open alerts on all their containers are asked for at once; declarations without containers ask nothing."""
    boxes = [(row, {iso6346.normalise(c) for c in row.containers}) for row in rows if row.containers]
    found = alerts.open_on(session, containers=set().union(*(mine for _, mine in boxes)))
    holds = []
    for row, mine in boxes if found else ():  # (no open alert on any of them: nothing to match)
        holds += [_hold_finding(alert=a, declaration=row) for a in found
                  if a.economy == row.economy and a.container in mine]
    return [], holds


def close_alert(session: Session, *, principal: Principal, alert: int, finding: str, note: str) -> SealAlert:
    """The officer's finding (tampered / false_alarm / device_fault) closes the alert and its holds."""
    row = alerts.close(session, principal=principal, alert=alert, finding=finding, note=note)
    controls.close_by_reference(session, source=alerts.SOURCE, reference=str(row.id), actor=principal.actor,
                                resolution=f"seal alert closed: {finding.replace('_', ' ')} - {note}",
                                mrn_of=lambda did: declarations.by_id(session, did).mrn or "")
    return row


def _hold(session: Session, *, alert: SealAlert, declaration: Any, actor: str) -> Finding:
    return controls.raise_finding(session, **_hold_finding(alert=alert, declaration=declaration), actor=actor)


def _hold_finding(*, alert: SealAlert, declaration: Any) -> dict[str, Any]:
    """The hold an alert puts on a declaration (controls.raise_finding's arguments)."""
    return dict(
        declaration_id=declaration.id, mrn=declaration.mrn or "", source=alerts.SOURCE,
        code=f"seal.{alert.rule}", lane=LANE, reference=str(alert.id),
        reason=(f"container {alert.container}: {alerts.RULE_WORDS.get(alert.rule, alert.rule)} - {alert.reason} "
                f"(seal alert {alert.id}); physical examination required"),
        evidence={"alert": alert.id, "seal_id": alert.seal_id, "rule": alert.rule, "severity": alert.severity})
