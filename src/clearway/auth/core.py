"""API keys and the principal they stand for. Keys are random; only their SHA-256 is stored."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

ROLES = ("declarant", "officer", "admin", "nppo")
# Keys of these roles act for one party (a declarant, an NPPO) and must name it.
PARTY_ROLES = ("declarant", "nppo")
KEY_PREFIX = "cw_"


@dataclass(frozen=True)
class Principal:
    key_id: int
    role: str
    economy: str
    party_id: str | None = None
    # The person signed in to the pages (auth.users); None for an API key.
    user: str | None = None

    @property
    def actor(self) -> str:
        who = f":{self.party_id}" if self.party_id else ""
        return f"{self.role}:{self.economy}{who}" + (f"@{self.user}" if self.user else f"#{self.key_id}")


def new_key() -> str:
    # 32 random bytes: a plain SHA-256 is enough (no password stretching needed for random keys).
    return KEY_PREFIX + secrets.token_urlsafe(32)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


# Roles by name: every access rule asks one of these instead of comparing role strings.

def has_role(principal: Principal, *roles: str) -> bool:
    return principal.role in roles


def is_admin(principal: Principal) -> bool:
    """The installation's administrator: every economy."""
    return principal.role == "admin"


def is_officer(principal: Principal) -> bool:
    """A customs officer of one economy (not an admin: see is_customs)."""
    return principal.role == "officer"


def is_customs(principal: Principal) -> bool:
    """Customs: an officer of an economy, or an admin."""
    return principal.role in ("officer", "admin")


def is_declarant(principal: Principal) -> bool:
    return principal.role == "declarant"


def is_nppo(principal: Principal) -> bool:
    """A National Plant Protection Organization key (issues and exchanges ePhytos)."""
    return principal.role == "nppo"


def acts_for(principal: Principal, party: str | None) -> bool:
    """A declarant key acting for this party (its declarations, its deferred account)."""
    return principal.role == "declarant" and principal.party_id is not None and principal.party_id == party


def administers(principal: Principal, economy: str) -> bool:
    """The admin of this economy (the stock-take and workforce entries of an economy are its admin's alone)."""
    return principal.role == "admin" and principal.economy == economy
