"""Proof of origin of seal events: the canonical bytes of an event and its HMAC-SHA256 signature with the
device's secret (registered at affixing). No database, no clock here.

The message format, with a test vector, is docs/seal-device-protocol.md; why HMAC-SHA256 and not Ed25519 is
docs/containers.md ("Device authenticity"). The canonical form covers everything a rule reads: seal,
sequence number, device time, position, status, battery and the container the device names. The gateway's
receipt time (`received_at`) is not the device's word and is not signed."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta
from typing import Any

VERSION = "clearway-seal-event/1"
KEY_BYTES = 32  # the device secret: 32 random bytes, exchanged as 64 hexadecimal digits
SIG_HEX = 64  # HMAC-SHA256: 32 bytes, 64 hexadecimal digits
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)


def _millis(t: datetime | str) -> int:
    if isinstance(t, str):
        t = datetime.fromisoformat(t.replace("Z", "+00:00").replace("z", "+00:00"))
    if t.tzinfo is None:
        raise ValueError("device_time must carry its offset (UTC: Z)")
    return (t - _EPOCH) // _MS


def canonical(*, seal_id: str, seq: int, device_time: datetime | str, lat: float, lon: float, status: str,
              battery: float, container: str | None = None) -> bytes:
    """The bytes that are signed: nine lines joined by a line feed (no final one), ASCII.

    VERSION, seal_id, seq, device time in whole milliseconds since 1970-01-01T00:00:00Z (floor), latitude
    and longitude in whole microdegrees (rounded), status, battery in whole tenths of a percent (rounded),
    container (ISO 6346 as normalised, e.g. MSCU1234566) or nothing. Integers in decimal, '-' for minus."""
    fields = (VERSION, seal_id, str(int(seq)), str(_millis(device_time)), str(round(lat * 1_000_000)),
              str(round(lon * 1_000_000)), status, str(round(battery * 10)), container or "")
    return "\n".join(fields).encode("ascii")


def canonical_of(event: Any) -> bytes:
    """The canonical bytes of an event given as a dict (as a device sends it) or an object with the fields."""
    if isinstance(event, dict):
        get = event.get
        return canonical(seal_id=get("seal_id"), seq=get("seq"), device_time=get("device_time"), lat=get("lat"),
                         lon=get("lon"), status=get("status"), battery=get("battery"), container=get("container"))
    return canonical(seal_id=event.seal_id, seq=event.seq, device_time=event.device_time, lat=event.lat,
                     lon=event.lon, status=event.status, battery=event.battery,
                     container=getattr(event, "container", None))


def parse_key(text: str) -> bytes:
    """A device secret from its 64 hexadecimal digits; ValueError saying why not."""
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b""
    if len(key) != KEY_BYTES:
        raise ValueError(f"must be {KEY_BYTES * 2} hexadecimal digits (the device's {KEY_BYTES}-byte secret)")
    return key


def signature(message: bytes, key: bytes) -> str:
    """HMAC-SHA256 of the canonical bytes, as 64 lowercase hexadecimal digits."""
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def sign_event(event: dict[str, Any], key: bytes) -> dict[str, Any]:
    """The event with its `sig` (what a device, or a simulated one, publishes)."""
    return {**event, "sig": signature(canonical_of(event), key)}


def verify_event(event: Any, sig: str | None, key: bytes) -> bool:
    """Whether `sig` is the device's signature of this event (constant-time comparison)."""
    if not isinstance(sig, str) or len(sig) != SIG_HEX:
        return False
    return hmac.compare_digest(signature(canonical_of(event), key), sig.lower())


def simulated_key(seal_id: str) -> bytes:
    """The secret a SIMULATED device holds (simulator, demo, tests): derived from its id, so that anyone can
    compute it. A real device's secret is random (docs/seal-device-protocol.md)."""
    return hashlib.sha256(b"clearway simulated seal device\n" + seal_id.encode()).digest()
