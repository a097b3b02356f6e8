"""The plain data the tamper detector works on: a journey, the reports about its container, the alerts raised.
No database. Times are seconds since the Unix epoch (UTC); positions are WGS 84 degrees; battery is percent."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from clearway.containers.geo import distance_km
from clearway.containers.routes import OPENING_KINDS, Route
from clearway.containers.thresholds import DetectorConfig

STATUSES = ("sealed", "opened", "tampered", "wire_cut")
ROUTE_SOURCES = ("given", "library", "learned", "straight")


@dataclass(frozen=True, slots=True)
class Place:
    """An authorised place: a circle of its own radius around a point. A seal may be opened at terminals,
    depots, offices and border posts; at a weigh station a container may only stand."""

    name: str
    lat: float
    lon: float
    radius_km: float
    kind: str = "office"

    @property
    def opening(self) -> bool:
        return self.kind in OPENING_KINDS


@dataclass(frozen=True)
class Journey:
    seal_id: str
    container: str
    origin: tuple[float, float]  # loading office (lat, lon)
    destination: tuple[float, float]  # destination office (lat, lon)
    departure: float  # expected departure
    arrival_from: float  # arrival window
    arrival_to: float
    places: tuple[Place, ...]  # authorised places: where it may stand, and (by kind) be opened
    ended_at: float | None = None  # authorised removal (when the seal was cut): nothing after it is about it
    route: tuple[tuple[float, float], ...] | None = None  # planned (or learned) route, (lat, lon); None: straight
    route_source: str = "straight"  # given | library | learned | straight
    route_class: str = "road"  # the thresholds' class (clearway.containers.thresholds.ROUTE_CLASSES)
    moving_interval: float = 300.0  # the device model's reporting interval when moving (seconds)
    parked_interval: float = 3600.0  # ... and when parked

    @cached_property
    def line(self) -> Route:
        """The route the corridor is measured from: the planned one, else the straight line."""
        return Route(self.route if self.route else (self.origin, self.destination))


@dataclass(frozen=True, slots=True)
class Report:
    """One event of a seal as the device sent it, with the time it was received."""

    seal_id: str
    seq: int
    device_time: float
    received_at: float
    lat: float
    lon: float
    status: str
    battery: float

    @property
    def fixed(self) -> bool:
        """Whether it carries a position: devices without a fix report 0, 0 (in the Gulf of Guinea)."""
        return self.lat != 0.0 or self.lon != 0.0


@dataclass(frozen=True)
class Alert:
    rule: str
    severity: str
    reason: str
    evidence: tuple[tuple[str, int], ...]  # (seal id, sequence number) of each evidence report
    seal_id: str
    at: float  # device time of the first evidence report


def fmt_hours(seconds: float) -> str:
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def inside_place(places: tuple[Place, ...], lat: float, lon: float, *, margin_km: float = 0.0) -> Place | None:
    """The authorised place (any kind) the fix is in."""
    for p in places:
        if distance_km(p.lat, p.lon, lat, lon) <= p.radius_km + margin_km:
            return p
    return None


@dataclass(frozen=True, slots=True)
class Facts:
    """What every rule looks at: the journey's own reports placed by sequence number (a distrusted device
    time replaced by the receipt time), the part of them in transit, and the reports of other seals."""

    journey: Journey
    cfg: DetectorConfig
    now: float | None
    own: dict[int, Report]  # as received, by sequence number
    ordered: list[Report]  # trusted times, in sequence order, up to the end of the journey
    trusted: dict[int, Report]
    foreign: list[Report]
    transit: list[Report]  # before the first authorised opening
    end_time: float | None  # device time of the first authorised opening
    unauthorised: list[tuple[Report, str]]  # openings before it, with why each was not authorised
    bound: float  # clock skew bound, seconds
    skewed: dict[int, str]  # sequence number -> why its device time is not trusted

    @property
    def sid(self) -> str:
        return self.journey.seal_id
