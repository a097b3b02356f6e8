"""Rules for the people who sign in to the pages: user names, passwords, sessions. No database here.

Passwords follow NIST SP 800-63B-4 (2025) section 3.1.1.2: a password that is the only factor is at least
15 characters long, at least 64 are accepted, every Unicode code point counts as one character, and no
composition rule (mixtures of character types) is imposed. It is stored as an Argon2id hash with the
OWASP Password Storage Cheat Sheet's minimum parameters (m=19 MiB, t=2, p=1)."""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from clearway.auth.core import PARTY_ROLES, ROLES
from clearway.errors import FieldError

PASSWORD_MIN = 15  # NIST SP 800-63B-4 3.1.1.2: single-factor passwords SHALL be at least 15 characters
PASSWORD_MAX = 256  # "SHOULD permit a maximum password length of at least 64 characters"
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,59}$")
# A session ends after this long without a request, and in any case this long after sign-in.
IDLE = timedelta(hours=2)
ABSOLUTE = timedelta(hours=12)
TOUCH = timedelta(minutes=1)

HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


def normal_username(raw: str) -> str:
    return raw.strip().lower()


def normal_password(raw: str) -> str:
    """NFKC, as SP 800-63B-4 asks before hashing, so that the same typed text always matches."""
    return unicodedata.normalize("NFKC", raw)


def username_errors(username: str) -> list[FieldError]:
    if not USERNAME.match(username):
        return [FieldError("username", "must be 2 to 60 characters: lower-case letters, digits, '.', '_' or '-', "
                                       "starting with a letter or digit")]
    return []


def password_errors(password: str, *, username: str) -> list[FieldError]:
    password = normal_password(password)
    if len(password) < PASSWORD_MIN:
        return [FieldError("password", f"must be at least {PASSWORD_MIN} characters long (it has {len(password)})")]
    if len(password) > PASSWORD_MAX:
        return [FieldError("password", f"must be at most {PASSWORD_MAX} characters long")]
    if username and username in password.lower():
        return [FieldError("password", "must not contain the user name")]
    return []


def role_errors(role: str, party_id: str | None) -> list[FieldError]:
    if role not in ROLES:
        return [FieldError("role", f"must be one of {', '.join(ROLES)}")]
    if role in PARTY_ROLES and not party_id:
        return [FieldError("party", f"a {role} user must name the party id they act for")]
    return []


def hash_password(password: str) -> str:
    return HASHER.hash(normal_password(password))


def password_matches(stored: str, password: str) -> bool:
    try:
        return HASHER.verify(stored, normal_password(password))
    except (VerificationError, InvalidHashError):
        return False


# A hash to verify against when the user name is unknown, so that both answers take the same time.
DUMMY_HASH = HASHER.hash("clearway: no such user, compared only for timing")


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def session_alive(*, created_at: datetime, seen_at: datetime, ended_at: datetime | None, now: datetime) -> bool:
    return ended_at is None and now - seen_at < IDLE and now - created_at < ABSOLUTE


def same_token(expected: str, given: str) -> bool:
    return bool(expected) and secrets.compare_digest(expected.encode(), given.encode())
