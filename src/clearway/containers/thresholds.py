"""Thresholds of the tamper detector, one group per rule, with their defaults.

Every number the detector uses lives here. An installation overrides them with a TOML file named by
CLEARWAY_SEALS_RULES, e.g.

    [gap]
    max_minutes = 45

    [corridor]
    half_width_km = 40
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields, replace
from functools import cache
from pathlib import Path
from typing import Any

from clearway.config import get_settings

RULES = ("opened", "tamper_status", "foreign_seal", "gap", "corridor", "clock", "battery")


@dataclass(frozen=True)
class Opened:
    """A seal opened outside every authorised place, or too long before the arrival window."""

    enabled: bool = True
    severity: str = "critical"
    default_radius_km: float = 5.0  # geofence around the destination office when none is given
    early_minutes: float = 60.0  # opening this long before the arrival window opens is still allowed


@dataclass(frozen=True)
class TamperStatus:
    """The device itself reports tampering or a cut wire."""

    enabled: bool = True
    severity: str = "critical"
    statuses: tuple[str, ...] = ("tampered", "wire_cut")


@dataclass(frozen=True)
class ForeignSeal:
    """Another seal reports for the container during the journey (a seal swap)."""

    enabled: bool = True
    severity: str = "high"
    min_reports: int = 1
    slack_minutes: float = 60.0  # before departure / after the arrival window still counts


@dataclass(frozen=True)
class Gap:
    """Reports stop for longer than this while the container is in transit."""

    enabled: bool = True
    severity: str = "medium"
    max_minutes: float = 60.0


@dataclass(frozen=True)
class Corridor:
    """The position leaves the corridor along the great circle between the two offices."""

    enabled: bool = True
    severity: str = "high"
    half_width_km: float = 30.0
    min_points: int = 2  # consecutive reports outside (one stray GPS fix is not a detour)


@dataclass(frozen=True)
class Clock:
    """The device clock disagrees with the receipt time."""

    enabled: bool = True
    severity: str = "medium"
    max_skew_minutes: float = 10.0
    min_events: int = 2


@dataclass(frozen=True)
class Battery:
    """The battery runs out while the container is in transit."""

    enabled: bool = True
    severity: str = "medium"
    empty_percent: float = 5.0


@dataclass(frozen=True)
class DetectorConfig:
    opened: Opened = field(default_factory=Opened)
    tamper_status: TamperStatus = field(default_factory=TamperStatus)
    foreign_seal: ForeignSeal = field(default_factory=ForeignSeal)
    gap: Gap = field(default_factory=Gap)
    corridor: Corridor = field(default_factory=Corridor)
    clock: Clock = field(default_factory=Clock)
    battery: Battery = field(default_factory=Battery)

    def as_dict(self) -> dict[str, dict[str, Any]]:
        return {f.name: {g.name: getattr(getattr(self, f.name), g.name) for g in fields(getattr(self, f.name))}
                for f in fields(self)}


SEVERITIES = ("low", "medium", "high", "critical")


def from_mapping(data: dict[str, Any], base: DetectorConfig | None = None) -> DetectorConfig:
    """Overlay `data` ({rule: {threshold: value}}) on `base`; unknown names and bad values are refused."""
    cfg = base or DetectorConfig()
    for rule, values in data.items():
        if rule not in RULES:
            raise ValueError(f"unknown rule {rule!r}: the rules are {', '.join(RULES)}")
        if not isinstance(values, dict):
            raise ValueError(f"[{rule}] must be a table of thresholds")
        group = getattr(cfg, rule)
        known = {f.name: f for f in fields(group)}
        changes: dict[str, Any] = {}
        for name, value in values.items():
            if name not in known:
                raise ValueError(f"{rule}.{name} is not a threshold of this rule: {', '.join(known)}")
            current = getattr(group, name)
            if name == "severity" and value not in SEVERITIES:
                raise ValueError(f"{rule}.severity must be one of {', '.join(SEVERITIES)}")
            if isinstance(current, bool):
                if not isinstance(value, bool):
                    raise ValueError(f"{rule}.{name} must be true or false")
            elif isinstance(current, (int, float)):
                if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                    raise ValueError(f"{rule}.{name} must be a number, 0 or more")
                value = type(current)(value)
            elif isinstance(current, tuple):
                value = tuple(value)
            changes[name] = value
        cfg = replace(cfg, **{rule: replace(group, **changes)})
    return cfg


@cache
def _from_file(path: str, mtime: float) -> DetectorConfig:
    return from_mapping(tomllib.loads(Path(path).read_text("utf-8")))


def configured() -> DetectorConfig:
    """The installation's thresholds: defaults, overlaid by the TOML file in CLEARWAY_SEALS_RULES."""
    path = get_settings().seals_rules
    if path is None:
        return DetectorConfig()
    p = Path(path)
    return _from_file(str(p), p.stat().st_mtime)
