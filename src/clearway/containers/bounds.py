"""How far event times may stray from the server's clock. No database here.

The server sets `received_at`: its own receipt time, or the earlier receipt time a buffering gateway
stamped, which is kept only if it is plausible. Times far in the past or the future are refused, naming
the field, instead of being stored (a year-1970 or year-9999 time once was)."""

from __future__ import annotations

from datetime import datetime, timedelta

from clearway.containers.schemas import EventIn

# Older reports are history, not evidence about a journey in transit (the simulator replays 3 days).
MAX_AGE = timedelta(days=30)
# A device clock some hours fast is what the clock rule is there to report; beyond this it is garbage.
DEVICE_AHEAD = timedelta(hours=12)
# A receipt cannot lie in the future: this much is allowed for the gateway's clock.
RECEIPT_AHEAD = timedelta(minutes=5)


def _iso(t: datetime) -> str:
    return t.isoformat().replace("+00:00", "Z")


def _words(d: timedelta) -> str:
    minutes = int(d.total_seconds() // 60)
    if minutes % (24 * 60) == 0:
        return f"{minutes // (24 * 60)} days"
    return f"{minutes // 60} hours" if minutes % 60 == 0 else f"{minutes} minutes"


def problem(event: EventIn, *, now: datetime) -> str | None:
    """Why the event's times are refused ("field: reason"), or None."""
    oldest = now - MAX_AGE
    checks = (("device_time", event.device_time, DEVICE_AHEAD), ("received_at", event.received_at, RECEIPT_AHEAD))
    for name, value, ahead in checks:
        if value is None:
            continue
        if value > now + ahead:
            return (f"{name}: {_iso(value)} is more than {_words(ahead)} after the server's time "
                    f"{_iso(now)}")
        if value < oldest:
            return f"{name}: {_iso(value)} is more than {_words(MAX_AGE)} before the server's time {_iso(now)}"
    return None


def receipt(event: EventIn, *, now: datetime) -> datetime:
    """The receipt time stored: the server's, or a gateway's earlier one (never later than the server's)."""
    return min(event.received_at, now) if event.received_at is not None else now
