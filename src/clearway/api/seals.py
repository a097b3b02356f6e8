"""Electronic seals: affix, remove, read; seal events in batches over HTTP; refused-event counts."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Response

from clearway.api.idempotent import IDEMPOTENT, IdempotentRoute
from clearway.api.deps import Ctx, Who
from clearway.containers import access, service, timeline
from clearway.containers import refusals as seal_refusals
from clearway.containers.schemas import (EventOut, IngestOut, RefusalSummaryOut, RemoveIn, SealIn, SealOut, SealPage,
                                         SealRefusalOut)
from clearway.errors import FieldError, Forbidden, Invalid
from clearway.flows import seals

router = APIRouter(prefix="/api/v1", tags=["seals"], route_class=IdempotentRoute)
MAX_BATCH = 50_000


@router.post("/seals", dependencies=[IDEMPOTENT], status_code=201, response_model=SealOut)
def affix(body: SealIn, who: Who, ctx: Ctx, response: Response) -> dict[str, Any]:
    with ctx.uow() as session:
        row = service.affix(session, principal=who, seal=body)
        out = service.render(row)
    response.headers["Location"] = f"/api/v1/seals/{out['id']}"
    return out


@router.get("/seals", response_model=SealPage)
def list_(who: Who, ctx: Ctx, status: Annotated[str | None, Query(pattern="^(affixed|removed)$")] = None,
          container: Annotated[str | None, Query(max_length=20)] = None,
          limit: Annotated[int, Query(ge=1, le=500)] = 50, after: Annotated[int | None, Query(ge=1)] = None):
    with ctx.uow() as session:
        rows, nxt = service.list_seals(session, principal=who, status=status, container=container, limit=limit,
                                       after=after)
        refused = service.refused_counts(session, [r.id for r in rows])
        return {"items": [SealOut(**service.render(r, refused[r.id])).model_dump(mode="json") for r in rows],
                "next": str(nxt) if nxt else None}


@router.get("/seals/{seal}", response_model=SealOut)
def read(seal: int, who: Who, ctx: Ctx) -> dict[str, Any]:
    with ctx.uow() as session:
        row = service.get(session, principal=who, seal=seal)
        return service.render(row, service.refused_counts(session, [row.id])[row.id])


@router.post("/seals/{seal}/remove", response_model=SealOut)
def remove(seal: int, body: RemoveIn, who: Who, ctx: Ctx) -> dict[str, Any]:
    with ctx.uow() as session:
        return service.render(service.remove(session, principal=who, seal=seal, removal=body))


@router.get("/seals/{seal}/events", response_model=list[EventOut])
def events(seal: int, who: Who, ctx: Ctx) -> list[Any]:
    with ctx.uow() as session:
        row = service.get(session, principal=who, seal=seal)
        return timeline.events_of(session, seal=row)


# The body is read leniently (a malformed event is refused on its own, with its reason, not the batch), so the
# document shows the list form; `{"events": [...]}` is accepted too.
_EVENT = {"type": "object", "required": ["seal_id", "seq", "device_time", "status", "sig"], "properties": {
    "seal_id": {"type": "string"}, "seq": {"type": "integer"}, "device_time": {"type": "string", "format": "date-time"},
    "lat": {"type": "number"}, "lon": {"type": "number"},
    "status": {"type": "string", "enum": ["sealed", "opened", "tampered", "wire_cut"]},
    "battery": {"type": "number"}, "container": {"type": "string"},
    "received_at": {"type": "string", "format": "date-time"}, "sig": {"type": "string"}}}
_EVENTS = {"requestBody": {"required": True, "content": {"application/json": {"schema": {
    "type": "array", "items": _EVENT, "title": "SealEvents",
    "description": "a JSON list of events (or {\"events\": [...]})"}}}}}


@router.post("/seal-events", dependencies=[IDEMPOTENT], response_model=IngestOut, openapi_extra=_EVENTS, responses={
    200: {"description": "the batch was taken: stored, repeats dropped, malformed events refused with reasons"}})
def take_events(who: Who, ctx: Ctx, body: Annotated[Any, Body(description=(
        "a JSON list of events, or {\"events\": [...]}; each event: seal_id, seq, device_time, lat, lon, "
        "status (sealed, opened, tampered, wire_cut), battery, optional container and received_at, and sig "
        "(HMAC-SHA256 with the device key, docs/seal-device-protocol.md); accepted only for journeys of the "
        "key's economy, signed by the key registered at affixing"))]) -> Any:
    if not access.is_customs(who):
        raise Forbidden("seal events are sent with a customs (gateway) key: officer or admin")
    events = body.get("events") if isinstance(body, dict) else body
    if not isinstance(events, list):
        raise Invalid("the body must be a list of events or an object with `events`",
                      errors=[FieldError("events", "must be a list")])
    if len(events) > MAX_BATCH:
        raise Invalid(f"at most {MAX_BATCH} events a batch", errors=[FieldError("events", "too many events")])
    with ctx.uow() as session:
        out = seals.ingest(session, events=events, source="http", actor=who.actor, economy=who.economy)
    return IngestOut(received=out.received, stored=out.stored, duplicates=out.duplicates, refused=out.refused,
                     refusals=out.refusals, alerts=out.alerts)


@router.get("/seal-events/refusals", response_model=RefusalSummaryOut)
def refusals(who: Who, ctx: Ctx, limit: Annotated[int, Query(ge=1, le=500)] = 20) -> dict[str, Any]:
    """Refused events of the caller's economy counted by source and reason, with the latest ones."""
    with ctx.uow() as session:
        return seal_refusals.summary(session, principal=who, limit=limit)


@router.get("/seal-events/refusals/{refusal}", response_model=SealRefusalOut)
def refusal(refusal: int, who: Who, ctx: Ctx) -> dict[str, Any]:
    with ctx.uow() as session:
        return seal_refusals.render(seal_refusals.get(session, principal=who, refusal=refusal))
