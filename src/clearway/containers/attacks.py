"""What happens on one simulated trip: the honest stops a driver makes, and the attack, sized against the
thresholds of the journey's route class (over them, or just under them). A pure generator used by
clearway.containers.synthetic; the trip's motion is clearway.containers.drive."""

from __future__ import annotations

import bisect
import random
from dataclasses import dataclass, field

from clearway.containers.drive import Trip
from clearway.containers.geo import distance_km
from clearway.containers.journey import Place, Report
from clearway.containers.routes import Route
from clearway.containers.thresholds import DetectorConfig

MIN, HOUR = 60.0, 3600.0
SPEED = {"road": (60.0, 85.0), "rail": (55.0, 80.0), "urban": (25.0, 45.0)}


@dataclass
class Plan:
    start: float
    arrival_from: float = 0.0
    until: float = 0.0  # the device's last report
    tamper_at: float | None = None
    size: float | None = None  # the attack's size relative to its rule's threshold
    statuses: list[tuple[float, str]] = field(default_factory=list)  # (from, status), in time order
    clock: list[tuple[float, float]] = field(default_factory=list)  # (from, offset seconds)
    empty_at: float | None = None  # the battery runs down to empty by here...
    dead_at: float | None = None  # ... and the device stops here
    battery0: float = 90.0
    drain_per_hour: float = 0.3
    swap: bool = False

    def status_at(self, t: float) -> str:
        i = bisect.bisect_right([s[0] for s in self.statuses], t) - 1
        return self.statuses[i][1] if i >= 0 else "sealed"

    def offset_at(self, t: float) -> float:
        i = bisect.bisect_right([c[0] for c in self.clock], t) - 1
        return self.clock[i][1] if i >= 0 else 0.0

    def battery_at(self, t: float) -> float:
        level = max(0.0, self.battery0 - self.drain_per_hour * (t - self.start) / HOUR)
        if self.dead_at is not None and self.tamper_at is not None and t > self.tamper_at:
            at = max(0.0, self.battery0 - self.drain_per_hour * (self.tamper_at - self.start) / HOUR)
            empty = self.empty_at or self.tamper_at  # runs down, then lingers near empty
            if t <= empty:
                level = at - (at - 3.0) * (t - self.tamper_at) / (empty - self.tamper_at)
            else:
                level = 3.0 - 2.0 * min(1.0, (t - empty) / (self.dead_at - empty))
        return round(max(0.0, level), 1)

    def wake(self) -> tuple[float, ...]:
        return tuple(t for t, _ in self.statuses[1:])

    def foreign(self, rng: random.Random, reports: list[Report], prefix: str) -> list[Report]:
        """A seal swap: another seal reports for the container from the tamper time on."""
        if not self.swap or self.tamper_at is None or not reports:
            return []
        other = f"{prefix}-{rng.randrange(16**10):010X}"
        after = [r for r in reports if r.device_time >= self.tamper_at][:4] or reports[-1:]
        out = []
        for j, r in enumerate(after[:rng.randint(1, len(after))]):
            t = r.device_time + 30 + j
            out.append(Report(other, j, t, t + rng.uniform(0.5, 20), r.lat, r.lon, "sealed", 95.0))
        return out


def _km_of(trip: Trip, p: Place) -> float:
    road, best, best_d = trip.road, 0.0, float("inf")
    k = 0.0
    while k <= road.length:
        lat, lon = road.centre(k)
        d = distance_km(lat, lon, p.lat, p.lon)
        if d < best_d:
            best, best_d = k, d
        k += 0.5
    return best


def _clear_of_places(trip: Trip, km: float, places: tuple[Place, ...], margin: float = 4.0) -> float:
    """A point near `km` on the road at least `margin` km beyond every place's zone."""
    for step in range(0, 400):
        for k in (km + step * 0.5, km - step * 0.5):
            if 0 < k < trip.road.length:
                lat, lon = trip.road.at(k)
                if all(distance_km(lat, lon, p.lat, p.lon) > p.radius_km + margin for p in places):
                    return k
    return km


def plan(rng: random.Random, *, kind: str | None, trip: Trip, places: tuple[Place, ...], cfg: DetectorConfig,
         route_class: str, moving: float, parked: float) -> Plan:
    """Drive the trip (its phases are appended to `trip`) and say what the device's status, clock and battery
    do on the way."""
    pl = Plan(start=trip.t, battery0=rng.uniform(55, 100), drain_per_hour=rng.uniform(0.0, 0.6))
    pl.statuses.append((trip.t, "sealed"))
    length = trip.road.length
    lo, hi = SPEED.get(route_class, SPEED["road"])
    speed = rng.uniform(lo, hi)
    trip.stand(rng.uniform(10, 40) * MIN)  # the gate queue at the origin terminal
    stops: list[tuple[float, str, float]] = []  # (km, what, seconds)
    for p in places:
        if p.kind in ("weigh_station", "border_post"):
            stay = rng.uniform(5, 25) * MIN if p.kind == "weigh_station" else rng.uniform(20, 150) * MIN
            if p.kind == "border_post" or rng.random() < 0.6:
                stops.append((_km_of(trip, p), "place", stay))
    if route_class == "road":
        k = rng.uniform(200, 330)
        while k < length - 20:
            stops.append((_clear_of_places(trip, k, places), "rest", rng.uniform(20, 45) * MIN))
            k += rng.uniform(250, 380)
    every, longest = {"road": (80.0, 8.0), "rail": (90.0, 90.0), "urban": (6.0, 12.0)}.get(route_class, (80.0, 8.0))
    k = rng.uniform(0.3, 1.0) * every
    while k < length - 3:
        stops.append((_clear_of_places(trip, k, places, 2.0), "traffic", rng.uniform(2, longest) * MIN))
        k += rng.uniform(0.6, 1.4) * every
    attack_km = _clear_of_places(trip, rng.uniform(0.25, 0.6) * length, places) if kind else None
    if attack_km is not None and kind not in ("opened_near_destination", "opened_early"):
        stops = [s for s in stops if abs(s[0] - attack_km) > 15] + [(attack_km, "attack", 0.0)]
    for km, what, stay in sorted(stops):
        trip.drive(km, speed)
        if what == "attack":
            _attack(rng, kind or "", trip, pl, cfg, speed, moving, parked)
        else:
            trip.stand(stay)
    if kind == "opened_near_destination":
        near = rng.uniform(2.5, 4.5)
        trip.drive(length - near, speed)
        pl.arrival_from = trip.t - rng.uniform(0.5, 2) * HOUR
        trip.stand(rng.uniform(3, 10) * MIN)
        pl.tamper_at, pl.size = trip.t, near / max(p.radius_km for p in places[-1:])
        pl.statuses.append((trip.t, "opened"))
        trip.stand(rng.uniform(5, 20) * MIN)
    trip.drive(length, speed)
    arrived = trip.t
    if kind == "opened_early":
        pl.arrival_from = arrived + rng.uniform(3, 8) * HOUR
        trip.stand(rng.uniform(5, 30) * MIN)
        pl.tamper_at = trip.t
        pl.statuses.append((trip.t, "opened"))
    elif kind != "opened_near_destination":
        pl.arrival_from = arrived - rng.uniform(0.5, 2) * HOUR
        trip.stand(rng.uniform(5, 30) * MIN)
        pl.statuses.append((trip.t, "opened"))
    trip.stand(rng.uniform(10, 30) * MIN)
    pl.until = trip.t
    return pl


def _attack(rng: random.Random, kind: str, trip: Trip, pl: Plan, cfg: DetectorConfig, speed: float,
            moving: float, parked: float) -> None:
    pl.tamper_at = trip.t
    side = rng.choice((-1.0, 1.0))
    width = cfg.corridor.half_width_km
    limit = max(cfg.gap.min_minutes * MIN, cfg.gap.moving_reports * moving)
    bound = cfg.clock.max_skew_minutes * MIN
    if kind == "opened_outside":
        trip.stand(2 * MIN)
        pl.statuses.append((trip.t, "opened"))
        pl.tamper_at = trip.t
        trip.stand(rng.uniform(8, 28) * MIN)
    elif kind == "wire_cut":
        pl.statuses.append((trip.t, "wire_cut"))
    elif kind == "seal_swap":
        pl.swap = True
    elif kind in ("silence", "silence_under"):
        secs = rng.uniform(1.3, 2.5) * limit if kind == "silence" else max(
            60.0, rng.uniform(0.5, 0.85) * limit - moving)
        pl.size = secs / limit
        ahead = max(1.0, min(speed * secs / HOUR, trip.road.length - trip.d - 2.0))  # a short road: slower
        trip.drive(trip.d + ahead, ahead / (secs / HOUR), shielded=True)
    elif kind in ("detour", "detour_stop", "detour_under"):
        # sized by the far point's true distance from the planned route (a road may bend towards it)
        line = Route(tuple(trip.road.points))
        for _ in range(20):
            off = rng.uniform(max(5.0, 1.3 * width), 20) if kind != "detour_under" else rng.uniform(2.0, 0.85 * width)
            far = trip.road.at(trip.d, side * off)
            d = line.distance_km(*far)
            if (kind == "detour_under") == (d < 0.85 * width) and d > 1.3 * cfg.stop.off_route_km:
                break
            side = -side
        stay = 0.0 if kind == "detour" else rng.uniform(20, 60) * MIN
        pl.size = d / width
        trip.excursion(side * off, stay, kmh=30.0 if kind == "detour" else 40.0)
    elif kind in ("long_stop", "stop_under"):
        stay = rng.uniform(1.5, 5) if kind == "long_stop" else rng.uniform(0.5, 0.8)
        stay *= cfg.stop.max_minutes * MIN
        pl.size = stay / (cfg.stop.max_minutes * MIN)
        trip.stand(stay)
    elif kind in ("clock_reset", "clock_under"):
        off = rng.uniform(1, 6) * HOUR if kind == "clock_reset" else rng.uniform(0.3, 0.8) * bound
        pl.size = off / bound
        pl.clock.append((trip.t, side * off))
    elif kind == "battery_dead":
        pl.empty_at = trip.t + rng.uniform(1.5, 3) * moving
        pl.dead_at = pl.empty_at + rng.uniform(3.5, 6) * moving
    elif kind == "gps_jam":
        jam = speed * 10 * MIN / HOUR
        trip.drive(trip.d + jam, speed, jammed=True)
        trip.excursion(side * rng.uniform(3, 10), rng.uniform(15, 30) * MIN, jammed=True)
        trip.drive(trip.d + jam, speed, jammed=True)
    else:
        raise ValueError(f"unknown attack {kind!r}")
