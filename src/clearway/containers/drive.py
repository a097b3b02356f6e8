"""How a container moves along a real road and how its seal device reports it: a pure generator for the
simulator (clearway.containers.synthetic). No database, no clock.

A trip is a list of phases (driving along the road, standing somewhere, driving off it and back); the device
samples it as a device maker builds one: every `moving` seconds in motion, every `parked` seconds once it has
stood still for PARK_AFTER seconds, at once when it moves again (motion wake), and nothing while shielded."""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable
from dataclasses import dataclass, field

from clearway.containers.geo import bearing_normal, distance_km, offset

PARK_AFTER = 600.0  # seconds still before the device drops to its parked interval
TICK = 30.0  # the sampler's step, seconds
WIGGLE_KM, WIGGLE_WAVE_KM = 0.3, 7.0  # a real road bends around the hand-drawn line


class Road:
    """A polyline of (lat, lon) waypoints, walked by distance from its start."""

    def __init__(self, points: tuple[tuple[float, float], ...] | list[tuple[float, float]], wiggle: float = WIGGLE_KM):
        self.points = list(points)
        self.cum = [0.0]
        for a, b in zip(self.points, self.points[1:], strict=False):
            self.cum.append(self.cum[-1] + distance_km(a[0], a[1], b[0], b[1]))
        self.length = self.cum[-1]
        self.wiggle = wiggle

    def _segment(self, d: float) -> int:
        return max(0, min(len(self.points) - 2, bisect.bisect_right(self.cum, d) - 1))

    def centre(self, d: float) -> tuple[float, float]:
        d = max(0.0, min(self.length, d))
        i = self._segment(d)
        span = self.cum[i + 1] - self.cum[i]
        f = (d - self.cum[i]) / span if span > 0 else 0.0
        (a0, o0), (a1, o1) = self.points[i], self.points[i + 1]
        return a0 + (a1 - a0) * f, o0 + (o1 - o0) * f

    def normal(self, d: float) -> tuple[float, float]:
        i = self._segment(d)
        (a0, o0), (a1, o1) = self.points[i], self.points[i + 1]
        return bearing_normal(a0, o0, a1, o1)

    def at(self, d: float, side_km: float = 0.0) -> tuple[float, float]:
        """The road's position `d` km from the start (bends included), moved `side_km` to its left."""
        lat, lon = self.centre(d)
        taper = max(0.0, min(1.0, d / 3.0, (self.length - d) / 3.0))
        side = side_km + self.wiggle * taper * math.sin(2 * math.pi * d / WIGGLE_WAVE_KM)
        if abs(side) < 1e-9:
            return lat, lon
        n, e = self.normal(d)
        return offset(lat, lon, n * side, e * side)


@dataclass
class Phase:
    t0: float
    t1: float
    moving: bool
    pos: Callable[[float], tuple[float, float]]
    shielded: bool = False  # the device neither records nor sends
    jammed: bool = False  # GPS jammed: no fix (0, 0)


@dataclass
class Trip:
    road: Road
    t: float
    d: float = 0.0  # where on the road
    phases: list[Phase] = field(default_factory=list)

    def drive(self, to_km: float, kmh: float, **flags: bool) -> None:
        to_km = max(0.0, min(self.road.length, to_km))
        if to_km <= self.d:
            return
        t0, d0, secs = self.t, self.d, (to_km - self.d) / kmh * 3600
        road = self.road
        self.phases.append(Phase(t0, t0 + secs, True, lambda t: road.at(d0 + (t - t0) / secs * (to_km - d0)), **flags))
        self.t, self.d = t0 + secs, to_km

    def stand(self, seconds: float, at: tuple[float, float] | None = None, **flags: bool) -> None:
        where = at or self.road.at(self.d)
        self.phases.append(Phase(self.t, self.t + seconds, False, lambda t: where, **flags))
        self.t += seconds

    def excursion(self, off_km: float, stand_s: float, kmh: float = 40.0, **flags: bool) -> tuple[float, float]:
        """Leave the road sideways `off_km`, stand there `stand_s` seconds, come back: the far point."""
        here = self.road.at(self.d)
        far = self.road.at(self.d, off_km)
        secs = abs(off_km) / kmh * 3600
        t0 = self.t

        def out(t: float, a=here, b=far, t0=t0) -> tuple[float, float]:
            f = (t - t0) / secs
            return a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f

        self.phases.append(Phase(t0, t0 + secs, True, out, **flags))
        self.t += secs
        self.stand(stand_s, far, **flags)
        t1 = self.t

        def back(t: float, a=far, b=here, t1=t1) -> tuple[float, float]:
            f = (t - t1) / secs
            return a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f

        self.phases.append(Phase(t1, t1 + secs, True, back, **flags))
        self.t += secs
        return far


@dataclass(frozen=True)
class Sample:
    t: float
    lat: float
    lon: float
    fix: bool


def sample(phases: list[Phase], *, moving: float, parked: float, until: float | None = None,
           wake: tuple[float, ...] = ()) -> list[Sample]:
    """What the device records, in time order; at each time of `wake` (a status change) it reports at once."""
    out: list[Sample] = []
    if not phases:
        return out
    last = -math.inf
    still_since: float | None = None
    parked_mode = False
    t = phases[0].t0
    end = until if until is not None else phases[-1].t1
    k = 0
    pending = sorted(wake)
    while t <= end:
        while k < len(phases) - 1 and t >= phases[k].t1:
            k += 1
        ph = phases[k]
        if ph.shielded:
            t += TICK
            continue
        if ph.moving:
            still_since = None
            due = parked_mode or t - last >= moving
            parked_mode = False
        else:
            still_since = t if still_since is None else still_since
            parked_mode = parked_mode or t - still_since >= PARK_AFTER
            due = t - last >= (parked if parked_mode else moving)
        if pending and t >= pending[0]:
            while pending and t >= pending[0]:
                pending.pop(0)
            due = True
        if due:
            lat, lon = ph.pos(min(max(t, ph.t0), ph.t1))
            out.append(Sample(t, 0.0, 0.0, False) if ph.jammed else Sample(t, lat, lon, True))
            last = t
        t += TICK
    return out
