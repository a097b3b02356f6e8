"""What the officer's page of one seal alert shows: the alert, its seal, the track drawn against the
expected corridor, and the event timeline with the evidence marked. Plain data for a template, built
from the database under the caller's access rule; testable without a browser."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from clearway.auth.core import Principal
from clearway.containers import alerts, service
from clearway.containers.routes import geojson_points
from clearway.containers.thresholds import configured
from clearway.containers.schemas import FINDINGS
from clearway.containers.track import draw
from clearway.reference.economies import office


def page_view(session: Session, *, principal: Principal, alert_id: int) -> dict[str, Any]:
    """The view model of alert `alert_id` as `principal` may see it. Refuses (NotFound, Forbidden) as
    the alert API does, since it reads through the same services."""
    row = alerts.get(session, principal=principal, alert=alert_id)
    seal = service.get(session, principal=principal, seal=row.seal_pk)
    cfg = configured().for_class(seal.route_class)
    events = service.events_of(session, seal=seal)
    held = alerts.held_declarations(session, [row])[row.id]
    others, _ = alerts.list_alerts(session, principal=principal, seal=seal.id, limit=50)
    alert = alerts.render(row, held)
    seal_view = service.render(seal)
    own_evidence = {seq for seal_id, seq in alert["evidence"] if seal_id == seal.seal_id}
    drawing = _drawing(seal, events, own_evidence, _width(seal, cfg))
    return {"alert": alert, "seal": seal_view, "drawing": drawing, "cfg": cfg, "findings": FINDINGS,
            "timeline": timeline(events, seal_id=seal.seal_id, evidence=alert["evidence"], points=drawing.points),
            "others": [o for o in others if o.id != row.id]}


def _width(seal: Any, cfg: Any) -> float:
    return cfg.corridor.half_width_km if seal.route else cfg.corridor.straight_half_width_km


def _drawing(seal: Any, events: list[Any], evidence: set[int], half_width_km: float) -> Any:
    loading, destination = office(seal.loading_office), office(seal.destination_office)
    own_reports = [{"seq": e.seq, "lat": e.lat, "lon": e.lon, "status": e.status} for e in events
                   if e.seal_id == seal.seal_id]
    return draw(origin=(loading.lat, loading.lon), destination=(destination.lat, destination.lon),
                names=(loading.code, destination.code), half_width_km=half_width_km,
                places=seal.places, reports=own_reports, evidence=evidence,
                planned=geojson_points(seal.route) if seal.route else None)


def seal_tracks(session: Session, *, principal: Principal, containers: list[str]) -> list[dict[str, Any]]:
    """The seals on these containers (a declaration's), each with its track drawn against its corridor and its
    alerts: the seal track of the officer's case file, under the seals' access rule."""
    cfg = configured()
    out = []
    for container in containers:
        seals, _ = service.list_seals(session, principal=principal, container=container, limit=20)
        for seal in seals:
            events = service.events_of(session, seal=seal)
            raised, _ = alerts.list_alerts(session, principal=principal, seal=seal.id, status="all", limit=50)
            out.append({"seal": service.render(seal), "events": len(events),
                        "drawing": _drawing(seal, events, set(), _width(seal, cfg.for_class(seal.route_class))),
                        "alerts": [alerts.render(a) for a in raised]})
    return out


def timeline(events: list[Any], *, seal_id: str, evidence: list[Any], points: list[dict[str, Any]]
             ) -> list[dict[str, Any]]:
    """Every event in device-time order: whether it is this seal's, whether it is evidence of the alert
    (its own or a foreign seal's), its distance from the route (own events) and its clock skew in minutes
    (device time minus receipt)."""
    marked = {(s, q) for s, q in evidence}
    distance = {p["seq"]: p.get("distance_km") for p in points}
    return [{"e": e, "own": e.seal_id == seal_id, "evidence": (e.seal_id, e.seq) in marked,
             "distance": distance.get(e.seq) if e.seal_id == seal_id else None,
             "skew": (e.device_time - e.received_at).total_seconds() / 60}
            for e in sorted(events, key=lambda e: (e.device_time, e.seal_id, e.seq))]
