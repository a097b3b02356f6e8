"""The store of idempotency keys: claim a key, mark it in the transaction of the work, keep the answer, purge.

The work and the key's mark commit in one transaction (`mark` is called inside it), so no crash leaves the
work done and the key free to run it again. The answer itself is kept just after (`complete`), once the
response is written out; a crash in that gap leaves the key `committed` without an answer, and a retry is
told so (409) rather than run a second time."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from clearway.idempotency import core
from clearway.idempotency.models import IdempotencyKey


def claim(session: Session, *, principal: str, key: str, method: str, route: str, fingerprint: str,
          now: datetime, ttl: timedelta) -> tuple[str, IdempotencyKey | None]:
    """(decision, row): core.CLAIM with the row this request now holds (its token drawn afresh), or what
    the stored key says (REPLAY with the stored row, MISMATCH, IN_FLIGHT, LOST)."""
    found = session.scalars(select(IdempotencyKey).where(IdempotencyKey.principal == principal,
                                                         IdempotencyKey.key == key).with_for_update()).first()
    stored = None if found is None else core.Stored(fingerprint=found.fingerprint, state=found.state,
                                                    locked_until=found.locked_until, expires_at=found.expires_at)
    decision = core.decide(stored, fingerprint=fingerprint, now=now)
    if decision != core.CLAIM:
        return decision, found
    fields: dict[str, Any] = dict(method=method, route=route, fingerprint=fingerprint, state="in_flight",
                                  token=secrets.token_hex(16), created_at=now, locked_until=now + core.LEASE,
                                  expires_at=now + ttl, status=None, headers=None, body=None)
    if found is not None:  # expired, or abandoned before anything of it committed
        for name, value in fields.items():
            setattr(found, name, value)
        session.flush()
        return decision, found
    row = IdempotencyKey(principal=principal, key=key, **fields)
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:  # another request with this key claimed it a moment ago (PostgreSQL)
        return core.IN_FLIGHT, None
    return decision, row


def mark(session: Session, *, key_id: int, token: str) -> bool:
    """In the work's own transaction: the key's work is committed with it. False: a retry took the claim
    over (this request ran past its lease), and the work must be rolled back."""
    done = session.execute(update(IdempotencyKey).where(IdempotencyKey.id == key_id, IdempotencyKey.token == token)
                           .values(state="committed"))
    return done.rowcount == 1  # type: ignore[attr-defined]


def complete(session: Session, *, key_id: int, token: str, status: int, headers: list[list[str]],
             body: bytes) -> bool:
    """Keep the answer; False if the claim was taken over meanwhile (the other request's answer stands)."""
    done = session.execute(update(IdempotencyKey).where(IdempotencyKey.id == key_id, IdempotencyKey.token == token)
                           .values(state="done", status=status, headers=headers, body=body))
    return done.rowcount == 1  # type: ignore[attr-defined]


def release(session: Session, *, key_id: int, token: str) -> None:
    """Free a claim whose request committed nothing and was refused: a retry is carried out afresh."""
    session.execute(delete(IdempotencyKey).where(IdempotencyKey.id == key_id, IdempotencyKey.token == token,
                                                 IdempotencyKey.state == "in_flight"))


def purge(session: Session, *, now: datetime) -> int:
    """Delete the keys past their expiry; returns how many."""
    gone = session.execute(delete(IdempotencyKey).where(IdempotencyKey.expires_at <= now))
    return gone.rowcount  # type: ignore[attr-defined]
