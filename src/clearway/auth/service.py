from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from clearway.audit.service import append_event
from clearway.auth.core import ROLES, Principal, hash_key, new_key
from clearway.auth.models import ApiKey
from clearway.db import utcnow
from clearway.reference import economies


class KeyError_(ValueError):
    """A key request that cannot be granted (bad role, economy, missing party)."""


def create_key(session: Session, *, role: str, economy: str, party_id: str | None = None,
               label: str | None = None, actor: str = "system") -> tuple[str, ApiKey]:
    economy = economy.upper()
    if role not in ROLES:
        raise KeyError_(f"role: must be one of {', '.join(ROLES)}")
    if economies.get(economy) is None:
        raise KeyError_(f"economy: {economy!r} is not one of the 21 APEC economies")
    if role in ("declarant", "nppo") and not party_id:
        raise KeyError_(f"party: a {role} key must name the party id it acts for")
    key = new_key()
    row = ApiKey(key_hash=hash_key(key), role=role, economy=economy, party_id=party_id, label=label,
                 created_at=utcnow())
    session.add(row)
    session.flush()
    append_event(session, actor=actor, action="key.created", entity_type="api_key", entity_id=str(row.id),
                 data={"role": role, "economy": economy, "party_id": party_id})
    return key, row


def authenticate(session: Session, key: str) -> Principal | None:
    row = session.scalars(select(ApiKey).where(ApiKey.key_hash == hash_key(key))).one_or_none()
    if row is None or row.revoked_at is not None:
        return None
    return Principal(key_id=row.id, role=row.role, economy=row.economy, party_id=row.party_id)
