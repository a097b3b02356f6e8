"""Append to and verify the audit chain. Appends happen inside the caller's transaction."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from clearway.audit.core import GENESIS, ChainLink, canonical, first_break, link_hash
from clearway.audit.models import AuditEvent, AuditHead
from clearway.db import utcnow

_EVENTS = AuditEvent.__table__
_HEAD = AuditHead.__table__


def append_event(session: Session, *, actor: str, action: str, entity_type: str, entity_id: str,
                 data: dict[str, Any] | None = None) -> AuditEvent:
    # The UPDATE takes the head row's lock (PostgreSQL) or runs under the single writer (SQLite),
    # so two transactions can never chain onto the same previous hash.
    row = _advance_head(session)
    if row is None:  # a new database: create the head once (a concurrent twin may win the race)
        try:
            with session.begin_nested():
                session.add(AuditHead(id=1, seq=0, hash=GENESIS))
        except IntegrityError:
            pass
        row = _advance_head(session)
    seq, prev = row.seq, row.hash
    at = utcnow()
    text = canonical(data or {})
    digest = link_hash(seq=seq, at=at, actor=actor, action=action, entity_type=entity_type,
                       entity_id=entity_id, data=text, prev_hash=prev)
    values = dict(seq=seq, at=at, actor=actor, action=action, entity_type=entity_type, entity_id=entity_id,
                  data=text, prev_hash=prev, hash=digest)
    # Core statements on the session's connection: the ORM's bulk-update bookkeeping is not needed here.
    conn = session.connection()
    conn.execute(insert(_EVENTS).values(**values))
    conn.execute(update(_HEAD).where(_HEAD.c.id == 1).values(hash=digest))
    return AuditEvent(**values)


def _advance_head(session: Session):
    return session.connection().execute(
        update(_HEAD).where(_HEAD.c.id == 1).values(seq=_HEAD.c.seq + 1).returning(_HEAD.c.seq, _HEAD.c.hash)
    ).one_or_none()


def verify_chain(session: Session, batch: int = 5000) -> tuple[int, tuple[int, str] | None]:
    """(events checked, first break or None). The head must also agree with the last event."""

    def links():
        last = 0
        while True:
            rows = session.scalars(select(AuditEvent).where(AuditEvent.seq > last)
                                   .order_by(AuditEvent.seq).limit(batch)).all()
            if not rows:
                return
            for r in rows:
                yield ChainLink(r.seq, r.at, r.actor, r.action, r.entity_type, r.entity_id, r.data,
                                r.prev_hash, r.hash)
            last = rows[-1].seq

    count = 0
    last_link: ChainLink | None = None

    def counted():
        nonlocal count, last_link
        for link in links():
            count += 1
            last_link = link
            yield link

    broken = first_break(counted())
    if broken:
        return count, broken
    head = session.get(AuditHead, 1)
    if head is not None and (last_link is None or head.seq != last_link.seq or head.hash != last_link.hash):
        at = (last_link.seq if last_link else 0) + 1
        return count, (at, f"event {at} (and after) removed: the chain head records event {head.seq}")
    return count, None


def history(session: Session, *, entity_type: str, entity_id: str) -> list[dict[str, Any]]:
    """Every event of one entity, oldest first: at, actor, action and the event's data (for domains whose
    events carry {"before": ..., "after": ...}, the entry before and after each change)."""
    rows = session.scalars(select(AuditEvent).where(AuditEvent.entity_type == entity_type,
                                                    AuditEvent.entity_id == entity_id).order_by(AuditEvent.seq)).all()
    return [{"at": r.at, "actor": r.actor, "action": r.action, **json.loads(r.data)} for r in rows]
