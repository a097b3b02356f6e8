"""The WCO Data Model face of clearance: a DEC message lodged exactly as the JSON declaration is (the same
lodging flow, idempotent on the LRN), the message kept so that read-out returns what Clearway does not model,
and the RES response messages of each declaration, read by polling or pushed to the declarant's callback."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from lxml import etree
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from clearway.auth.core import Principal
from clearway.db import transaction
from clearway.declarations import service as declarations
from clearway.declarations.models import Declaration, StatusEvent
from clearway.errors import ClearwayError
from clearway.flows import lodging
from clearway.wco import message, responses
from clearway.wco import service as wco
from clearway.wco.models import Callback, Delivery
from clearway.wco.profile import Profile


def lodge(session: Session, *, principal: Principal, read: message.Read, profile: Profile) -> tuple[Declaration, bool]:
    """(declaration, created), as lodging.lodge; refusals name the message's XPaths. The message is kept
    with the declaration it created (a repeat of the same LRN and content keeps the first)."""
    try:
        row, created = lodging.lodge(session, principal=principal, decl=read.declaration)
    except ClearwayError as exc:
        raise message.located(read.mapped, exc) from None
    if created:
        wco.keep(session, declaration_id=row.id, xml=read.canonical(), profile=profile.name)
    return row, created


def stored(session: Session, *, principal: Principal, mrn: str) -> tuple[dict[str, Any], str | None]:
    """(the declaration's current content, the DEC message it was lodged with or None): what read-out needs,
    loaded in a short transaction (building the message compiles the schema on first use)."""
    row = declarations.load_for_read(session, principal=principal, mrn=mrn)
    kept = wco.kept(session, declaration_id=row.id)
    return row.content, kept.xml if kept else None


def _events(rows: list[StatusEvent]) -> list[responses.Event]:
    return [responses.Event(e.id, e.from_status, e.to_status, e.at, e.reason) for e in rows]


@dataclass(frozen=True)
class Message:
    response: responses.Response
    xml: str


def _render(row: Declaration, response: responses.Response, profile: Profile) -> str:
    tree = responses.render(response, lrn=row.lrn, mrn=row.mrn, version=row.version, profile=profile)
    return etree.tostring(tree, encoding="unicode")


def messages(session: Session, *, principal: Principal, mrn: str, profile: Profile) -> list[Message]:
    """Every response message of the declaration so far, oldest first (polling)."""
    row = declarations.get(session, principal=principal, mrn=mrn, with_history=True)
    return [Message(r, _render(row, r, profile)) for r in responses.of(_events(row.history), profile)]


# ---- push -----------------------------------------------------------------------------------------------

# A sweep looks back this far before the previous one: an event is stamped before its transaction commits, so a
# transaction that took longer than this to commit would be missed (lodging takes well under a second).
SWEEP_MARGIN = timedelta(minutes=10)


def sweep(session: Session, *, now: datetime, profile: Profile) -> int:
    """Schedule a delivery for each response message of a declarant with a callback, from the events since
    it registered (since a margin before its previous sweep); how many were scheduled."""
    added = 0
    for callback in wco.all_callbacks(session):
        since = callback.registered_at
        if callback.swept_to is not None:
            since = max(since, callback.swept_to - SWEEP_MARGIN)
        events = session.execute(
            select(StatusEvent, Declaration.id).join(Declaration, StatusEvent.declaration_id == Declaration.id)
            .where(Declaration.economy == callback.economy, Declaration.declarant_id == callback.declarant_id,
                   StatusEvent.at >= since)
            .order_by(StatusEvent.at, StatusEvent.id)).all()
        done = wco.scheduled(session, event_ids=[e.id for e, _ in events])
        for event, declaration_id in events:
            for r in responses.of(_events([event]), profile):
                if (event.id, r.function_code) not in done:
                    wco.schedule(session, declaration_id=declaration_id, event_id=event.id,
                                 function_code=r.function_code, url=callback.url, now=now)
                    added += 1
        callback.swept_to = now
    return added


def _body(session: Session, delivery: Delivery, profile: Profile) -> str | None:
    event = session.get_one(StatusEvent, delivery.event_id)
    row = session.get_one(Declaration, delivery.declaration_id)
    found = [r for r in responses.of(_events([event]), profile) if r.function_code == delivery.function_code]
    return _render(row, found[0], profile) if found else None


@dataclass(frozen=True)
class Pushed:
    scheduled: int
    delivered: int
    failed: int


@dataclass(frozen=True)
class _Send:
    delivery_id: int
    url: str
    message_id: str
    body: str | None


def _post(client: httpx.Client, send: _Send, *, now: datetime, allowed_hosts: tuple[str, ...]) -> str | None:
    """One attempt: None when the callback answered 2xx, else why not."""
    if send.body is None:
        return "the profile no longer sends this message"
    refused = wco.refusal(send.url, allowed_hosts=allowed_hosts)
    if refused:
        return f"the callback address {refused}"
    try:
        answer = client.post(send.url, content=send.body.encode(), headers={
            "Content-Type": "application/xml", "Webhook-Id": send.message_id,
            "Webhook-Timestamp": str(int(now.timestamp()))})
    except httpx.HTTPError as exc:
        return f"{type(exc).__name__}: {exc}"
    return None if 200 <= answer.status_code < 300 else f"HTTP {answer.status_code}"


def push(factory: sessionmaker[Session], *, now: datetime, profile: Profile, client: httpx.Client,
         allowed_hosts: tuple[str, ...] = ()) -> Pushed:
    """Schedule what is new, then POST each due message (application/xml) to its callback, with its message id
    in the Webhook-Id header (the message's own FunctionalReferenceID: a receiver that sees it twice drops
    the second; delivery is at least once). The messages of one declaration go in order: after a failure
    (no answer, or not 2xx) the ones behind it wait, and it is tried again after a doubling wait, up to
    wco.service.MAX_ATTEMPTS times. `now` is the clock (the tests fix it)."""
    with transaction(factory) as session:
        added = sweep(session, now=now, profile=profile)
        work = []
        for claimed in wco.claim(session, now=now):
            sends = []
            for d in claimed.deliveries:
                body = _body(session, d, profile)
                sends.append(_Send(d.id, d.url, responses.reference(d.event_id, d.function_code), body))
            work.append(sends)
    # No transaction is open while the callbacks answer (or time out).
    outcomes = []
    for sends in work:
        for send in sends:
            error = _post(client, send, now=now, allowed_hosts=allowed_hosts)
            outcomes.append((send.delivery_id, error))
            if error is not None:
                break  # the rest of this declaration's messages wait behind this one
    with transaction(factory) as session:
        for delivery_id, error in outcomes:
            wco.record(session, delivery_id=delivery_id, now=now, error=error)
    delivered = sum(error is None for _, error in outcomes)
    return Pushed(scheduled=added, delivered=delivered, failed=len(outcomes) - delivered)


def callback_of(session: Session, *, principal: Principal) -> Callback | None:
    return wco.callback_of(session, economy=principal.economy, declarant_id=principal.party_id or "")


def register_callback(session: Session, *, principal: Principal, url: str,
                      allowed_hosts: tuple[str, ...]) -> Callback:
    return wco.register(session, principal=principal, url=url, allowed_hosts=allowed_hosts)


def remove_callback(session: Session, *, principal: Principal) -> None:
    wco.unregister(session, principal=principal)
