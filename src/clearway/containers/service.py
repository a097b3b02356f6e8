"""Affix and remove seals, read them (a journey's timeline is clearway.containers.timeline).

Every function runs inside the caller's transaction; every state change appends its audit event."""

from __future__ import annotations

from datetime import UTC, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from clearway.audit.service import append_event
from clearway.auth.core import Principal
from clearway.containers import access, corridors, iso6346, routes
from clearway.containers.models import Seal, SealEventRefusal
from clearway.containers.thresholds import DetectorConfig, configured
from clearway.containers.schemas import RemoveIn, SealIn
from clearway.containers.timeline import events_of  # noqa: F401  (web/alerts.py reads it here)
from clearway.db import keyset_page, utcnow
from clearway.errors import Conflict, FieldError, Forbidden, Invalid, NotFound
from clearway.reference.economies import office


def _officer(principal: Principal, what: str) -> None:
    if not access.is_customs(principal):
        raise Forbidden(f"only a customs officer may {what}")


def readable(principal: Principal) -> Any:
    """The access rule of seal records, for their list and their single read alike."""
    if not access.is_customs(principal):
        raise Forbidden("only customs officers read seal records")
    return access.of_own_economy(principal, Seal.economy)


def affix(session: Session, *, principal: Principal, seal: SealIn, cfg: DetectorConfig | None = None) -> Seal:
    """Record a seal affixed to a container for one journey."""
    _officer(principal, "affix a seal")
    cfg = cfg or configured()
    errors: list[FieldError] = []
    reason = iso6346.problem(seal.container)
    if reason:
        errors.append(FieldError("container", reason))
    offices = {}
    for name in ("loading_office", "destination_office"):
        code = getattr(seal, name)
        offices[name] = office(code)
        if offices[name] is None:
            errors.append(FieldError(name, f"{code} is not a known customs office (UN/LOCODE)"))
    named = None
    if seal.route_name is not None:
        try:
            named = routes.named(seal.route_name)
        except routes.RouteError as exc:
            errors.append(FieldError("route_name", str(exc)))
        if seal.route is not None:
            errors.append(FieldError("route", "give either a route or a route_name, not both"))
    if seal.loading_office == seal.destination_office and not (seal.places or named):
        errors.append(FieldError("places", "a move under one office (a port to an inland depot) needs its "
                                           "authorised places (or a named route that has them)"))
    if seal.arrival_to <= seal.arrival_from:
        errors.append(FieldError("arrival_to", "must be after arrival_from"))
    if seal.arrival_to <= seal.departure:
        errors.append(FieldError("arrival_to", "must be after the departure"))
    if not errors:
        refusal = access.affix_refusal(principal, loading=offices["loading_office"].economy,
                                       destination=offices["destination_office"].economy)
        if refusal:
            errors.append(FieldError("loading_office", refusal))
    if errors:
        raise Invalid("the seal was refused: see the listed fields", errors=errors)
    seal_id = f"{seal.manufacturer}-{seal.serial}"
    container = iso6346.normalise(seal.container)
    busy = session.scalars(select(Seal).where(Seal.seal_id == seal_id, Seal.status == "affixed")).first()
    if busy is not None:
        raise Conflict(f"seal {seal_id} is already affixed to {busy.container} (seal record {busy.id}); "
                       f"remove it first", errors=[FieldError("serial", "this seal is already affixed")])
    other = session.scalars(select(Seal).where(Seal.container == container, Seal.status == "affixed")).first()
    if other is not None:
        raise Conflict(f"container {container} already carries seal {other.seal_id} (seal record {other.id})",
                       errors=[FieldError("container", "already carries an affixed seal")])
    dest = offices["destination_office"]
    if seal.places:
        places = [p.model_dump() for p in seal.places]
    elif named is not None:
        places = [dict(p) for p in named.places]
    else:
        places = [{"name": dest.code, "kind": "office", "lat": dest.lat, "lon": dest.lon,
                   "radius_km": cfg.opened.default_radius_km}]
    route, source = corridors.settle(session, economy=principal.economy, loading=seal.loading_office,
                                     destination=seal.destination_office, route=seal.route, named=named)
    now = utcnow()
    row = Seal(seal_id=seal_id, manufacturer=seal.manufacturer, serial=seal.serial, container=container,
               economy=principal.economy, loading_office=seal.loading_office,
               destination_office=seal.destination_office, departure=seal.departure,
               arrival_from=seal.arrival_from, arrival_to=seal.arrival_to, places=places, status="affixed",
               affixed_at=now, affixed_by=principal.actor, route=route, route_name=seal.route_name,
               route_source=source, route_class=seal.route_class or (named.route_class if named else "road"),
               report_moving_s=seal.reporting.moving_seconds, report_parked_s=seal.reporting.parked_seconds,
               device_key=seal.device_key)
    session.add(row)
    session.flush()
    append_event(session, actor=principal.actor, action="seal.affixed", entity_type="seal", entity_id=str(row.id),
                 data={"seal_id": seal_id, "container": container, "from": row.loading_office,
                       "to": row.destination_office, "route": source, "route_name": row.route_name})
    return row


def get(session: Session, *, principal: Principal, seal: int, for_update: bool = False) -> Seal:
    stmt = select(Seal).where(Seal.id == seal, readable(principal))
    if for_update:
        stmt = stmt.with_for_update()
    row = session.scalars(stmt).one_or_none()
    if row is None:
        raise NotFound(f"no seal record {seal}")
    return row


CUT_AHEAD = timedelta(minutes=5)  # the officer's or device's clock may run this much ahead of the server's


def remove(session: Session, *, principal: Principal, seal: int, removal: RemoveIn) -> Seal:
    """Authorised removal: the journey ends when the seal was cut (`removed_at`, the device's or officer's time,
    else now); reports received after it are no longer about this container (containers/acceptance.py)."""
    _officer(principal, "remove a seal")
    row = get(session, principal=principal, seal=seal, for_update=True)
    if row.status != "affixed":
        raise Conflict(f"seal record {row.id} was already removed at {row.removed_at:%Y-%m-%d %H:%M} UTC",
                       state=row.status)
    now = utcnow()
    cut = removal.removed_at.astimezone(UTC) if removal.removed_at else now
    if cut > now + CUT_AHEAD:
        raise Invalid("the removal was refused", errors=[FieldError("removed_at", "must not be in the future")])
    if cut < row.departure:
        raise Invalid("the removal was refused", errors=[FieldError(
            "removed_at", f"must not be before the journey's departure {row.departure:%Y-%m-%dT%H:%M:%SZ}")])
    row.status, row.removed_at, row.removed_by, row.removal_reason = "removed", cut, principal.actor, removal.reason
    row.removal_recorded_at = now
    session.flush()
    append_event(session, actor=principal.actor, action="seal.removed", entity_type="seal", entity_id=str(row.id),
                 data={"seal_id": row.seal_id, "container": row.container, "reason": removal.reason,
                       "removed_at": cut.isoformat()})
    return row


def list_seals(session: Session, *, principal: Principal, status: str | None = None, container: str | None = None,
               limit: int = 50, after: int | None = None) -> tuple[list[Seal], int | None]:
    stmt = select(Seal).where(readable(principal))
    if status:
        stmt = stmt.where(Seal.status == status)
    if container:
        stmt = stmt.where(Seal.container == iso6346.normalise(container))
    return keyset_page(session, stmt, Seal.id, limit=limit, after=after)


def refused_counts(session: Session, seal_pks: list[int]) -> dict[int, dict[str, int]]:
    """Reports refused for these journeys (unsigned, forged, replayed, conflicting), by journey and kind."""
    out: dict[int, dict[str, int]] = {pk: {} for pk in seal_pks}
    for i in range(0, len(seal_pks), 400):
        for pk, kind, n in session.execute(
                select(SealEventRefusal.seal_pk, SealEventRefusal.kind, func.count())
                .where(SealEventRefusal.seal_pk.in_(seal_pks[i:i + 400]))
                .group_by(SealEventRefusal.seal_pk, SealEventRefusal.kind)):
            out[pk][kind or "malformed"] = n
    return out


def render(row: Seal, refused: dict[str, int] | None = None) -> dict[str, Any]:
    """The seal record as officers read it; the device key itself is never shown."""
    out = {c: getattr(row, c) for c in ("id", "seal_id", "manufacturer", "serial", "container", "economy",
                                        "loading_office", "destination_office", "departure", "arrival_from",
                                        "arrival_to", "places", "route", "route_name", "route_source",
                                        "route_class", "status", "affixed_at", "affixed_by", "removed_at",
                                        "removal_recorded_at", "removed_by", "removal_reason")}
    out["reporting"] = {"moving_seconds": row.report_moving_s, "parked_seconds": row.report_parked_s}
    return {**out, "device_key_registered": row.device_key is not None, "refused_events": refused or {}}

