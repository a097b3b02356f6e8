"""Keep lodged DEC messages, register callback addresses, and track the delivery of response messages.
Every function runs inside the caller's transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from clearway.audit.service import append_event
from clearway.auth.core import Principal, is_declarant
from clearway.db import utcnow
from clearway.errors import FieldError, Forbidden, Invalid, NotFound
from clearway.wco.models import Callback, Delivery, LodgedMessage

MAX_ATTEMPTS = 8
FIRST_RETRY = timedelta(seconds=30)  # then doubling: 30 s, 1 min, 2 min ... about 1 h 4 min before the last


def keep(session: Session, *, declaration_id: int, xml: str, profile: str) -> LodgedMessage:
    row = LodgedMessage(declaration_id=declaration_id, xml=xml, profile=profile, lodged_at=utcnow())
    session.add(row)
    session.flush()
    return row


def kept(session: Session, *, declaration_id: int) -> LodgedMessage | None:
    return session.scalars(select(LodgedMessage).where(LodgedMessage.declaration_id == declaration_id)).one_or_none()


def refusal(url: str, *, allowed_hosts: tuple[str, ...]) -> str | None:
    """Why a callback address is refused, or None: it must be https://, or http:// to a host the installation
    allows (CLEARWAY_WCO_CALLBACK_HOSTS), at most 2000 characters, without spaces or credentials."""
    if len(url) > 2000 or any(c.isspace() for c in url):
        return "must be a URL of at most 2000 characters, without spaces"
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        parts.port  # noqa: B018 - a port that is not a number raises here
    except ValueError:
        return "is not a URL"
    if parts.scheme not in ("http", "https") or not host:
        return "must be an https:// URL"
    if parts.username or parts.password:
        return "must not carry a user name or password"
    if parts.scheme == "http" and host not in allowed_hosts and f"[{host}]" not in allowed_hosts:
        return (f"must be an https:// URL; http:// only to a host the installation allows "
                f"(CLEARWAY_WCO_CALLBACK_HOSTS), which {host} is not")
    return None


def _check_url(url: str, allowed_hosts: tuple[str, ...]) -> str:
    url = url.strip()
    reason = refusal(url, allowed_hosts=allowed_hosts)
    if reason:
        raise Invalid("the callback address was refused", errors=[FieldError("url", reason)])
    return url


def register(session: Session, *, principal: Principal, url: str, allowed_hosts: tuple[str, ...]) -> Callback:
    """The declarant's callback address (replacing the one it had)."""
    if not is_declarant(principal) or not principal.party_id:
        raise Forbidden("only a declarant key registers a callback for its response messages")
    url = _check_url(url, allowed_hosts)
    row = callback_of(session, economy=principal.economy, declarant_id=principal.party_id)
    if row is None:
        row = Callback(economy=principal.economy, declarant_id=principal.party_id, url=url, registered_at=utcnow())
        session.add(row)
    else:
        row.url, row.registered_at = url, utcnow()
    session.flush()
    append_event(session, actor=principal.actor, action="wco.callback.registered", entity_type="wco_callback",
                 entity_id=principal.party_id, data={"url": url})
    return row


def unregister(session: Session, *, principal: Principal) -> None:
    row = callback_of(session, economy=principal.economy, declarant_id=principal.party_id or "")
    if row is None:
        raise NotFound("no callback is registered for this key's declarant")
    session.delete(row)
    append_event(session, actor=principal.actor, action="wco.callback.removed", entity_type="wco_callback",
                 entity_id=principal.party_id or "", data={})


def callback_of(session: Session, *, economy: str, declarant_id: str) -> Callback | None:
    return session.scalars(select(Callback).where(Callback.economy == economy,
                                                  Callback.declarant_id == declarant_id)).one_or_none()


def all_callbacks(session: Session) -> list[Callback]:
    return list(session.scalars(select(Callback).order_by(Callback.id)))


def scheduled(session: Session, *, event_ids: list[int]) -> set[tuple[int, str]]:
    """(event id, function code) of the deliveries already scheduled for these events."""
    found: set[tuple[int, str]] = set()
    for start in range(0, len(event_ids), 5000):  # PostgreSQL takes at most 65,535 parameters in a statement
        chunk = event_ids[start:start + 5000]
        found |= {(e, c) for e, c in session.execute(select(Delivery.event_id, Delivery.function_code)
                                                     .where(Delivery.event_id.in_(chunk)))}
    return found


def schedule(session: Session, *, declaration_id: int, event_id: int, function_code: str, url: str,
             now: datetime) -> None:
    session.add(Delivery(declaration_id=declaration_id, event_id=event_id, function_code=function_code, url=url,
                         attempts=0, next_at=now))
    session.flush()


LEASE = timedelta(minutes=5)  # a claimed message is not claimed again meanwhile (another pusher, a crash)


@dataclass(frozen=True)
class Claimed:
    """The messages of one declaration to send now, in order: the first due one, then those behind it."""

    declaration_id: int
    deliveries: list[Delivery]


def _pending():
    return (Delivery.delivered_at.is_(None), Delivery.attempts < MAX_ATTEMPTS)


def claim(session: Session, *, now: datetime, limit: int = 100, per_declaration: int = 50) -> list[Claimed]:
    """The declarations whose oldest pending message is due, each with its pending messages in order (a
    message is sent only after every earlier one of its declaration, so the order is kept). The first of each
    is leased (its next try moved LEASE ahead) by a conditional update: another pusher that read the same row
    claims nothing. A message given up after MAX_ATTEMPTS no longer holds back the ones behind it."""
    heads = (select(Delivery.declaration_id, func.min(Delivery.id).label("head"))
             .where(*_pending()).group_by(Delivery.declaration_id).subquery())
    due_heads = list(session.scalars(
        select(Delivery).join(heads, Delivery.id == heads.c.head).where(Delivery.next_at <= now)
        .order_by(Delivery.next_at, Delivery.id).limit(limit)))
    out = []
    for head in due_heads:
        taken = session.execute(update(Delivery).where(Delivery.id == head.id, Delivery.next_at == head.next_at)
                                .values(next_at=now + LEASE).execution_options(synchronize_session=False))
        if taken.rowcount != 1:
            continue
        rows = list(session.scalars(select(Delivery).where(Delivery.declaration_id == head.declaration_id,
                                                           *_pending(), Delivery.id > head.id)
                                    .order_by(Delivery.id).limit(per_declaration - 1)))
        behind = []
        for row in rows:
            if row.next_at > now:  # a message that failed on its own waits, and the ones behind it with it
                break
            behind.append(row)
        out.append(Claimed(head.declaration_id, [head, *behind]))
    return out


def record(session: Session, *, delivery_id: int, now: datetime, error: str | None) -> Delivery:
    """One attempt's outcome: delivered, or the next try after a doubling wait."""
    row = session.get_one(Delivery, delivery_id)
    row.attempts += 1
    if error is None:
        row.delivered_at, row.last_error = now, None
    else:
        row.last_error = error[:2000]
        row.next_at = now + FIRST_RETRY * 2 ** (row.attempts - 1)
    session.flush()
    return row


def deliveries_of(session: Session, *, declaration_id: int) -> list[Delivery]:
    return list(session.scalars(select(Delivery).where(Delivery.declaration_id == declaration_id)
                                .order_by(Delivery.id)))
