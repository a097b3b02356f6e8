"""Words for the printable ePhyto: the summary keeps codes and ISO dates (machine data), the paper shows
dates, means of conveyance and measures as a reader expects them. Pure: plain data in, text out."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from typing import Any

# UN/ECE Recommendation 20 time units that DurationMeasure carries: (singular, plural).
TIME_UNITS = {"SEC": ("second", "seconds"), "MIN": ("minute", "minutes"), "HUR": ("hour", "hours"),
              "DAY": ("day", "days"), "WEE": ("week", "weeks"), "MON": ("month", "months")}
# Temperatures and a few concentration units seen on certificates.
MEASURE_UNITS = {"CEL": "°C", "FAH": "°F", "KEL": "K", "GRM": "g", "KGM": "kg", "GL": "g/l", "P1": "%",
                 "GM3": "g/m³", "MGM": "mg"}


def _number(text: str) -> str:
    try:
        value = Decimal(text)
    except InvalidOperation:
        return text
    return format(value.normalize(), "f") if value.is_finite() else text


def date_text(value: str | None) -> str:
    """'2026-11-20T08:00:00Z' -> '20 November 2026, 08:00 UTC'; a date alone -> '20 November 2026'; text
    that is not an ISO date is shown as it is (it is what the certificate says)."""
    if not value:
        return ""
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    day = f"{parsed.day} {parsed:%B %Y}"
    if len(value) <= 10:
        return day
    if parsed.tzinfo is None:
        return f"{day}, {parsed:%H:%M} (no time zone given)"
    return f"{day}, {parsed.astimezone(timezone.utc):%H:%M} UTC"


def duration_text(value: str | None, unit: str | None) -> str:
    """'3' 'HUR' -> '3 hours'; '1' 'HUR' -> '1 hour'; a unit outside the list keeps its code."""
    if not value:
        return ""
    number = _number(value)
    if not unit:
        return f"{number} (unit not stated)"
    names = TIME_UNITS.get(unit.upper())
    if names is None:
        return f"{number} {unit}"
    return f"{number} {names[0] if number == '1' else names[1]}"


def measure_text(value: str | None) -> str:
    """'25 CEL' -> '25 °C' (a treatment's value with its UN/ECE unit code)."""
    if not value:
        return ""
    number, _, unit = value.partition(" ")
    if not unit:
        return value
    return f"{_number(number)} {MEASURE_UNITS.get(unit.upper(), unit)}"


def conveyance_text(summary: dict[str, Any]) -> str:
    """'Maritime transport: MV Mekong Star' per movement, joined; the means' name alone for summaries
    stored before the mode was read."""
    parts = []
    for movement in summary.get("transport") or []:
        mode = movement.get("mode") or (f"mode {movement['mode_code']}" if movement.get("mode_code") else None)
        parts.append(": ".join(p for p in (mode, movement.get("means")) if p))
    return "; ".join(p for p in parts if p) or summary.get("conveyance") or ""
