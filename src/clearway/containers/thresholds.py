"""Thresholds of the tamper detector, one group per rule, with their defaults.

Every number the detector uses lives here. An installation overrides them with a TOML file named by
CLEARWAY_SEALS_RULES, e.g.

    [gap]
    max_minutes = 45

    [corridor]
    half_width_km = 40

and per route class (road, rail, urban, ...: the class a journey's route has), over the above:

    [class.rail.stop]
    max_minutes = 180
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields, replace
from functools import cache
from pathlib import Path
from typing import Any

from clearway.config import get_settings

RULES = ("opened", "tamper_status", "foreign_seal", "gap", "corridor", "clock", "battery", "stop")


@dataclass(frozen=True)
class Opened:
    """A seal opened outside every authorised place, or too long before the arrival window."""

    enabled: bool = True
    severity: str = "critical"
    # the destination office's own zone when no places are given: an office is a building, not a district
    default_radius_km: float = 1.0
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
    """The device fell silent in transit, judged against its own reporting intervals: moving, a silence of
    `moving_reports` intervals (at least `min_minutes`); parked, of `parked_reports` parked intervals (at
    least `max_minutes`)."""

    enabled: bool = True
    severity: str = "medium"
    max_minutes: float = 60.0  # the shortest silence flagged while parked
    min_minutes: float = 15.0  # the shortest silence flagged while moving
    moving_reports: float = 4.0
    parked_reports: float = 1.5
    still_km: float = 1.0  # the fixes either side of a silence this close: it was parked (a device wakes
    # within a minute of moving off, by when a truck has gone less than a kilometre)


@dataclass(frozen=True)
class Stop:
    """The container stood still outside every authorised place: longer than `max_minutes` on the planned
    route (a driver's rest is 30 to 45 minutes), longer than `off_route_minutes` away from it."""

    enabled: bool = True
    severity: str = "high"
    max_minutes: float = 60.0
    off_route_km: float = 1.5
    off_route_minutes: float = 15.0
    still_km: float = 0.3  # fixes this close to the stop's first one are the same stop (GPS wanders)
    max_speed_kmh: float = 110.0  # a silence either side of a stop longer than this drive is standing too


@dataclass(frozen=True)
class Corridor:
    """The position leaves the corridor along the great circle between the two offices."""

    enabled: bool = True
    severity: str = "high"
    half_width_km: float = 5.0  # around the planned (or learned) route
    straight_half_width_km: float = 60.0  # around the straight line, when no route is known
    min_points: int = 2  # consecutive reports outside (one stray GPS fix is not a detour)
    no_fix_points: int = 3  # consecutive reports without a position fix (jammed or shielded GPS)


@dataclass(frozen=True)
class Clock:
    """The device clock is wrong: ahead of the receipt time, running backwards against its own sequence numbers,
    or behind the receipt time on reports that no buffered delivery explains."""

    enabled: bool = True
    severity: str = "medium"
    max_skew_minutes: float = 10.0
    min_events: int = 2
    flush_seconds: float = 120.0  # reports received this close together were delivered in one flush


@dataclass(frozen=True)
class Battery:
    """The battery runs out while the container is in transit."""

    enabled: bool = True
    severity: str = "medium"
    empty_percent: float = 5.0
    min_reports: int = 2  # consecutive reports at or below empty (one 0 % reading is noise)


@dataclass(frozen=True)
class DetectorConfig:
    opened: Opened = field(default_factory=Opened)
    tamper_status: TamperStatus = field(default_factory=TamperStatus)
    foreign_seal: ForeignSeal = field(default_factory=ForeignSeal)
    gap: Gap = field(default_factory=Gap)
    corridor: Corridor = field(default_factory=Corridor)
    clock: Clock = field(default_factory=Clock)
    battery: Battery = field(default_factory=Battery)
    stop: Stop = field(default_factory=Stop)
    # route class -> {rule: {threshold: value}} laid over the above for journeys of that class
    classes: dict[str, dict[str, Any]] = field(default_factory=lambda: dict(DEFAULT_CLASSES))

    def as_dict(self) -> dict[str, dict[str, Any]]:
        return {f.name: {g.name: getattr(getattr(self, f.name), g.name) for g in fields(getattr(self, f.name))}
                for f in fields(self) if f.name != "classes"}

    def for_class(self, route_class: str | None) -> DetectorConfig:
        """The thresholds of a journey whose route is of this class (unknown classes: the base ones)."""
        extra = self.classes.get(route_class or "")
        return from_mapping(extra, base=self) if extra else self


ROUTE_CLASSES = ("road", "rail", "urban")
# Trains wait in crossing loops for long (on the line); urban moves between a port and a depot have no rests.
DEFAULT_CLASSES: dict[str, dict[str, Any]] = {
    "road": {},
    "rail": {"stop": {"max_minutes": 150.0}, "corridor": {"half_width_km": 3.0}},
    "urban": {"stop": {"max_minutes": 30.0}, "corridor": {"half_width_km": 3.0}},
}


SEVERITIES = ("low", "medium", "high", "critical")


def from_mapping(data: dict[str, Any], base: DetectorConfig | None = None) -> DetectorConfig:
    """Overlay `data` ({rule: {threshold: value}}) on `base`; unknown names and bad values are refused."""
    cfg = base or DetectorConfig()
    for rule, values in data.items():
        if rule == "class":
            cfg = _with_classes(cfg, values)
            continue
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


def _with_classes(cfg: DetectorConfig, data: Any) -> DetectorConfig:
    """[class.<name>.<rule>] tables: checked now (by laying them over the base), applied per journey."""
    if not isinstance(data, dict):
        raise ValueError("[class] must be a table of route classes")
    classes = dict(cfg.classes)
    for name, rules in data.items():
        if not isinstance(rules, dict):
            raise ValueError(f"[class.{name}] must be a table of rules")
        merged = {r: dict(v) for r, v in classes.get(name, {}).items()}
        for rule, values in rules.items():
            if rule == "class" or not isinstance(values, dict):
                raise ValueError(f"[class.{name}.{rule}] must be a table of thresholds of a rule")
            merged.setdefault(rule, {}).update(values)
        from_mapping(merged, base=cfg)
        classes[name] = merged
    return replace(cfg, classes=classes)


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
