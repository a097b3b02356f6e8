"""Affix and remove seals, read them (a journey's timeline is clearway.containers.timeline).

Every function runs inside the caller's transaction; every state change appends its audit event."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from clearway.audit.service import append_event
from clearway.auth.core import Principal
from clearway.containers import access, iso6346
from clearway.containers.models import Seal, SealEventRefusal
from clearway.containers.thresholds import DetectorConfig, configured
from clearway.containers.schemas import SealIn
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
    if seal.loading_office == seal.destination_office:
        errors.append(FieldError("destination_office", "must differ from the loading office"))
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
    places = ([p.model_dump() for p in seal.places] if seal.places else
              [{"name": dest.code, "lat": dest.lat, "lon": dest.lon, "radius_km": cfg.opened.default_radius_km}])
    now = utcnow()
    row = Seal(seal_id=seal_id, manufacturer=seal.manufacturer, serial=seal.serial, container=container,
               economy=principal.economy, loading_office=seal.loading_office,
               destination_office=seal.destination_office, departure=seal.departure,
               arrival_from=seal.arrival_from, arrival_to=seal.arrival_to, places=places, status="affixed",
               affixed_at=now, affixed_by=principal.actor, device_key=seal.device_key)
    session.add(row)
    session.flush()
    append_event(session, actor=principal.actor, action="seal.affixed", entity_type="seal", entity_id=str(row.id),
                 data={"seal_id": seal_id, "container": container, "from": row.loading_office,
                       "to": row.destination_office})
    return row


def get(session: Session, *, principal: Principal, seal: int, for_update: bool = False) -> Seal:
    stmt = select(Seal).where(Seal.id == seal, readable(principal))
    if for_update:
        stmt = stmt.with_for_update()
    row = session.scalars(stmt).one_or_none()
    if row is None:
        raise NotFound(f"no seal record {seal}")
    return row


def remove(session: Session, *, principal: Principal, seal: int, reason: str, at: datetime | None = None) -> Seal:
    """Authorised removal at `at` (when the seal was cut; by default now): the journey ends, and reports
    received after it are no longer about this container (containers/acceptance.py)."""
    _officer(principal, "remove a seal")
    row = get(session, principal=principal, seal=seal, for_update=True)
    if row.status != "affixed":
        raise Conflict(f"seal record {row.id} was already removed at {row.removed_at:%Y-%m-%d %H:%M} UTC",
                       state=row.status)
    now = utcnow()
    at = at or now
    if at > now:
        raise Invalid("the removal was refused", errors=[FieldError("removed_at", "must not be in the future")])
    if at < row.departure:
        raise Invalid("the removal was refused", errors=[FieldError(
            "removed_at", f"must not be before the journey's departure {row.departure:%Y-%m-%dT%H:%M:%SZ}")])
    row.status, row.removed_at, row.removed_by, row.removal_reason = "removed", at, principal.actor, reason
    session.flush()
    append_event(session, actor=principal.actor, action="seal.removed", entity_type="seal", entity_id=str(row.id),
                 data={"seal_id": row.seal_id, "container": row.container, "reason": reason})
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
                                        "arrival_to", "places", "status", "affixed_at", "affixed_by",
                                        "removed_at", "removed_by", "removal_reason")}
    return {**out, "device_key_registered": row.device_key is not None, "refused_events": refused or {}}

