"""API keys and the principal they stand for. Keys are random; only their SHA-256 is stored."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

ROLES = ("declarant", "officer", "admin", "nppo")
KEY_PREFIX = "cw_"


@dataclass(frozen=True)
class Principal:
    key_id: int
    role: str
    economy: str
    party_id: str | None = None

    @property
    def actor(self) -> str:
        who = f":{self.party_id}" if self.party_id else ""
        return f"{self.role}:{self.economy}{who}#{self.key_id}"


def new_key() -> str:
    # 32 random bytes: a plain SHA-256 is enough (no password stretching needed for random keys).
    return KEY_PREFIX + secrets.token_urlsafe(32)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()
