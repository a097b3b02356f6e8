"""API keys: create, list, revoke, and the principal a key stands for. Only a key's SHA-256 is
stored, so a lost key cannot be shown again: revoke it and create another."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from clearway.audit.service import append_event
from clearway.auth.core import PARTY_ROLES, ROLES, Principal, hash_key, new_key
from clearway.auth.models import ApiKey
from clearway.db import utcnow
from clearway.errors import Conflict, FieldError, Invalid, NotFound
from clearway.reference import economies


def _refused(path: str, reason: str) -> Invalid:
    return Invalid(f"the key was not created: {path} {reason}", errors=[FieldError(path, reason)])


def create_key(session: Session, *, role: str, economy: str, party_id: str | None = None,
               label: str | None = None, actor: str = "system") -> tuple[str, ApiKey]:
    economy = economy.upper()
    if role not in ROLES:
        raise _refused("role", f"must be one of {', '.join(ROLES)}")
    if economies.get(economy) is None:
        raise _refused("economy", f"{economy!r} is not one of the 21 APEC economies")
    if role in PARTY_ROLES and not party_id:
        raise _refused("party", f"a {role} key must name the party id it acts for")
    key = new_key()
    row = ApiKey(key_hash=hash_key(key), role=role, economy=economy, party_id=party_id, label=label,
                 created_at=utcnow())
    session.add(row)
    session.flush()
    append_event(session, actor=actor, action="key.created", entity_type="api_key", entity_id=str(row.id),
                 data={"role": role, "economy": economy, "party_id": party_id})
    return key, row


def list_keys(session: Session, *, include_revoked: bool = True) -> list[ApiKey]:
    """Every key, oldest first (the rows hold no secret, only the hash)."""
    stmt = select(ApiKey).order_by(ApiKey.id)
    if not include_revoked:
        stmt = stmt.where(ApiKey.revoked_at.is_(None))
    return list(session.scalars(stmt))


def revoke_key(session: Session, *, key_id: int, actor: str = "system") -> ApiKey:
    """Revoke a key by id: from now on it authenticates nobody. Revoking twice is refused, naming when."""
    row = session.get(ApiKey, key_id, with_for_update=True)
    if row is None:
        raise NotFound(f"no API key with id {key_id}", errors=[FieldError("id", f"no API key has id {key_id}")])
    if row.revoked_at is not None:
        raise Conflict(f"key {key_id} was already revoked", errors=[
            FieldError("id", f"key {key_id} was already revoked on {row.revoked_at:%Y-%m-%d %H:%M} UTC")])
    row.revoked_at = utcnow()
    session.flush()
    append_event(session, actor=actor, action="key.revoked", entity_type="api_key", entity_id=str(row.id),
                 data={"role": row.role, "economy": row.economy, "party_id": row.party_id})
    return row


def authenticate(session: Session, key: str) -> Principal | None:
    row = session.scalars(select(ApiKey).where(ApiKey.key_hash == hash_key(key))).one_or_none()
    if row is None or row.revoked_at is not None:
        return None
    return Principal(key_id=row.id, role=row.role, economy=row.economy, party_id=row.party_id)
