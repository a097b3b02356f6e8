"""The rules of the Idempotency-Key header (draft-ietf-httpapi-idempotency-key-header). No database here.

A key names one request of one principal: the first request with it is carried out and its answer kept; a
retry with the same request answers that answer again; the same key with another request is refused (422);
a retry while the first is still being carried out is refused (409) and may try again later."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

HEADER = "Idempotency-Key"
MAX_LENGTH = 255
# An in-flight claim whose request committed nothing for this long is taken to be abandoned (its process died,
# or its client gave up): a retry takes it over. Safe because the work and the key's mark commit together.
LEASE = timedelta(seconds=30)

# What a stored key tells a new request with the same key.
CLAIM, REPLAY, MISMATCH, IN_FLIGHT, LOST = "claim", "replay", "mismatch", "in_flight", "lost"


def parse_key(raw: str) -> tuple[str | None, str | None]:
    """(key, None) or (None, the reason it is refused). The draft makes the value a Structured Field string
    (`"abc"`, RFC 8941); a bare token (`abc`) is taken as it stands, as most clients send it."""
    value = raw.strip(" \t")
    if len(value) >= 2 and value.startswith('"') and value.endswith('"'):
        inner, out, escaped = value[1:-1], [], False
        for ch in inner:
            if escaped:
                if ch not in '"\\':
                    return None, "has a backslash before a character other than \" or \\"
                out.append(ch)
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                return None, "has an unescaped quote inside the quoted string"
            else:
                out.append(ch)
        if escaped:
            return None, "ends with a lone backslash"
        value = "".join(out)
    if not value:
        return None, "is empty"
    if len(value) > MAX_LENGTH:
        return None, f"is {len(value)} characters long; at most {MAX_LENGTH}"
    if any(not " " <= ch <= "~" for ch in value):
        return None, "has a character outside printable ASCII (a UUID is a good key)"
    return value, None


def fingerprint(*, method: str, path: str, query: str, content_type: str, body: bytes) -> str:
    """SHA-256 of what makes two requests the same request: method, target, media type and body."""
    digest = hashlib.sha256()
    for part in (method.upper(), path, query, content_type.split(";")[0].strip().lower()):
        digest.update(part.encode("latin-1", "replace") + b"\n")
    digest.update(body)
    return digest.hexdigest()


@dataclass(frozen=True)
class Stored:
    """What the store holds for a key."""

    fingerprint: str
    state: str  # in_flight (claimed, nothing committed), committed (work committed, answer not yet kept), done
    locked_until: datetime
    expires_at: datetime


def decide(stored: Stored | None, *, fingerprint: str, now: datetime) -> str:
    """What a request with this key and fingerprint gets, given what is stored for the key."""
    if stored is None or stored.expires_at <= now:
        return CLAIM
    if stored.fingerprint != fingerprint:
        return MISMATCH
    if stored.state == "done":
        return REPLAY
    if stored.locked_until > now:
        return IN_FLIGHT
    # Past its lease: a claim that committed nothing is taken over (nothing of it is stored); a request whose
    # work committed but whose answer was never kept (its process died in between) must not run again.
    return CLAIM if stored.state == "in_flight" else LOST
