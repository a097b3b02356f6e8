"""Realistic seal journeys for demos, measurement and property tests: a pure generator.

`make(rng, kind=...)` returns a journey, the reports its seal (and, for a seal swap, another seal) would
send, and the ground truth: which detector rules must fire (none for an honest journey, whatever its
device faults)."""

from __future__ import annotations

import math
import random
import string
from datetime import UTC, datetime
from dataclasses import dataclass, field
from functools import cache

from clearway.containers import iso6346, signing
from clearway.containers.geo import bearing_normal, distance_km, interpolate, offset
from clearway.containers.thresholds import DetectorConfig
from clearway.containers.tamper import Journey, Place, Report
from clearway.reference.economies import all_offices, office

# tamper kind -> the rule that must find it
KINDS = {
    "opened_outside": "opened",
    "opened_early": "opened",
    "wire_cut": "tamper_status",
    "seal_swap": "foreign_seal",
    "silence": "gap",
    "detour": "corridor",
    "clock_reset": "clock",
    "battery_dead": "battery",
}
FAULTS = ("duplicates", "out_of_order", "gps_glitch", "lost_report", "late_delivery")


@dataclass
class Simulated:
    journey: Journey
    loading_office: str
    destination_office: str
    reports: list[Report]
    foreign: list[Report] = field(default_factory=list)  # reports of another seal about this container
    kind: str | None = None  # tamper kind, None for an honest journey
    faults: list[str] = field(default_factory=list)
    glitched: set[int] = field(default_factory=set)

    @property
    def rules(self) -> list[str]:
        return [KINDS[self.kind]] if self.kind else []

    def truth(self) -> dict:
        return {"seal_id": self.journey.seal_id, "container": self.journey.container, "kind": self.kind,
                "rules": self.rules, "faults": self.faults, "loading_office": self.loading_office,
                "destination_office": self.destination_office, "events": len(self.reports) + len(self.foreign)}


@cache
def _pairs(min_km: float = 40.0, max_km: float = 1200.0) -> list[tuple[str, str, float]]:
    offices = list(all_offices().values())
    found = []
    for a in offices:
        for b in offices:
            if a.code != b.code:
                d = distance_km(a.lat, a.lon, b.lat, b.lon)
                if min_km <= d <= max_km:
                    found.append((a.code, b.code, d))
    return found


def economy_of(sim: Simulated) -> str:
    """The economy that seals a simulated journey when none is given: that of its loading office."""
    found = office(sim.loading_office)
    assert found is not None
    return found.economy


def routes(economy: str | None = None) -> list[tuple[str, str, float]]:
    """The simulator's routes; with an economy, those from or to one of its offices (the journeys its
    officers may seal)."""
    return [p for p in _pairs() if economy is None or economy in (office(p[0]).economy, office(p[1]).economy)]


def container_number(rng: random.Random) -> str:
    owner = "".join(rng.choice(string.ascii_uppercase) for _ in range(3)) + "U"
    serial = f"{rng.randrange(10**6):06d}"
    return owner + serial + str(iso6346.check_digit(owner + serial))


def make(rng: random.Random, *, kind: str | None = None, faults: list[str] | None = None, start: float = 0.0,
         cfg: DetectorConfig | None = None, seal_prefix: str = "SIM", route: tuple[str, str] | None = None,
         container: str | None = None) -> Simulated:
    """One journey that departs at `start` (epoch seconds)."""
    cfg = cfg or DetectorConfig()
    faults = list(faults or [])
    if route:
        a_code, b_code = route
        a, b = office(a_code), office(b_code)
        assert a is not None and b is not None
        dist = distance_km(a.lat, a.lon, b.lat, b.lon)
    else:
        a_code, b_code, dist = rng.choice(_pairs())
        a, b = office(a_code), office(b_code)
        assert a is not None and b is not None
    speed = rng.uniform(40, 70)  # km/h
    hours = dist / speed
    interval = rng.choice((5, 10, 15)) * 60.0
    n = max(16, int(hours * 3600 / interval))
    eta = start + n * interval
    window_from, window_to = eta - 2 * 3600, eta + 6 * 3600
    if kind == "opened_early":
        early = rng.uniform(3, 8) * 3600
        window_from, window_to = eta + early, eta + early + 8 * 3600
    seal_id = f"{seal_prefix}-{rng.randrange(16**10):010X}"
    radius = cfg.opened.default_radius_km
    journey = Journey(seal_id=seal_id, container=container or container_number(rng), origin=(a.lat, a.lon),
                      destination=(b.lat, b.lon), departure=start, arrival_from=window_from,
                      arrival_to=window_to, places=(Place(b_code, b.lat, b.lon, radius),))
    normal = bearing_normal(a.lat, a.lon, b.lat, b.lon)
    amp = rng.uniform(0, 0.4) * cfg.corridor.half_width_km
    waves = rng.randint(1, 3)
    battery = rng.uniform(60, 100)
    drain = rng.uniform(0, (battery - 25) / (n + 60))
    clock_off = 0.0
    bound = cfg.clock.max_skew_minutes * 60
    # where the tampering happens
    at = rng.randint(n // 4, (n // 2))
    # runs are cut at a hole in the sequence numbers: one lost report must still leave a run long enough
    least = 2 * max(cfg.corridor.min_points, 2) + 1
    span = min(rng.randint(least, least + 6), max(least, n - 2 - at))
    detour_km = rng.uniform(2.5, 5) * cfg.corridor.half_width_km * rng.choice((-1, 1))
    silence = rng.uniform(2.0, 5.0) * cfg.gap.max_minutes * 60 if kind == "silence" else 0.0
    if kind == "battery_dead":
        drain = (battery - rng.uniform(0, cfg.battery.empty_percent * 0.8)) / at
    reports: list[Report] = []
    t = start
    status = "sealed"

    for k in range(n + 1):
        f = k / n
        lat, lon = interpolate(a.lat, a.lon, b.lat, b.lon, f)
        side = amp * math.sin(math.pi * f * waves) * math.sin(math.pi * f)
        if kind == "detour" and at <= k < at + span and k < n - 1:
            side = detour_km
        lat, lon = offset(lat, lon, normal[0] * side + rng.gauss(0, 0.03), normal[1] * side + rng.gauss(0, 0.03))
        if kind == "opened_outside" and k == at:
            status = "opened"
        if kind == "wire_cut" and k == at:
            status = "wire_cut"
        if kind == "silence" and k == at:
            t += silence
        if kind == "clock_reset" and k == at:
            clock_off = rng.choice((-1, 1)) * rng.uniform(2.5, 30) * bound
        level = max(0.0, battery - drain * k)
        reports.append(Report(seal_id, k, t + clock_off, t + rng.uniform(0.2, 20), lat, lon, status, round(level, 1)))
        if kind == "battery_dead" and level <= cfg.battery.empty_percent:
            break
        t += interval
    if kind != "battery_dead":
        # at the destination: parked inside the geofence, then opened by the consignee
        if kind == "opened_early":
            waits = 0
            while t < window_from - 600 and waits < 200:
                lat, lon = offset(b.lat, b.lon, rng.uniform(-0.5, 0.5), rng.uniform(-0.5, 0.5))
                reports.append(Report(seal_id, len(reports), t, t + rng.uniform(0.2, 20), lat, lon, "opened",
                                      reports[-1].battery))
                t += interval
                waits += 1
        t += rng.uniform(5, 30) * 60
        if t < window_from:
            t = window_from + rng.uniform(5, 30) * 60
        lat, lon = offset(b.lat, b.lon, rng.uniform(-0.3, 0.3) * radius, rng.uniform(-0.3, 0.3) * radius)
        reports.append(Report(seal_id, len(reports), t + clock_off, t + rng.uniform(0.2, 20), lat, lon, "opened",
                              reports[-1].battery))
    foreign: list[Report] = []
    if kind == "seal_swap":
        other = f"{seal_prefix}-{rng.randrange(16**10):010X}"
        base = reports[at]
        for j in range(rng.randint(1, 4)):
            ft = base.device_time + j * interval
            foreign.append(Report(other, j, ft, ft + rng.uniform(0.2, 20), base.lat, base.lon, "sealed", 90.0))
    sim = Simulated(journey, a_code, b_code, reports, foreign, kind, [])
    for fault in faults:
        _fault(rng, sim, fault, cfg)
    return sim


def _fault(rng: random.Random, sim: Simulated, fault: str, cfg: DetectorConfig) -> None:
    """Device and network faults that must NOT raise an alert."""
    r = sim.reports
    if len(r) < 6:
        return
    i = rng.randrange(1, len(r) - 3)
    if fault == "duplicates":
        r.extend(rng.sample(r, min(5, len(r))))
    elif fault == "out_of_order":
        r[i], r[i + 1] = r[i + 1], r[i]
    elif fault == "gps_glitch":
        x = r[i]
        if x.status != "sealed" or r[i - 1].status != "sealed" or r[i + 1].status != "sealed":
            return
        if {x.seq - 1, x.seq, x.seq + 1} & sim.glitched:
            return  # two stray fixes side by side would be a (short) detour
        sim.glitched.add(x.seq)
        lat, lon = offset(x.lat, x.lon, 8 * cfg.corridor.half_width_km, 0)
        r[i] = Report(x.seal_id, x.seq, x.device_time, x.received_at, lat, lon, x.status, x.battery)
    elif fault == "lost_report":
        # by sequence number (other faults may have reordered the list): the report and its neighbours
        by_seq = {x.seq: x for x in r}
        x = r[i]
        before, after = by_seq.get(x.seq - 1), by_seq.get(x.seq + 1)
        if before is None or after is None:
            return
        if after.received_at - before.received_at < cfg.gap.max_minutes * 60 * 0.9 \
                and x.status == before.status == "sealed":
            r[:] = [y for y in r if y.seq != x.seq]
    elif fault == "late_delivery":
        x = r[i]
        late = rng.uniform(0.3, 0.8) * cfg.clock.max_skew_minutes * 60
        r[i] = Report(x.seal_id, x.seq, x.device_time, x.received_at + late, x.lat, x.lon, x.status, x.battery)
    else:
        raise ValueError(f"unknown fault {fault!r}")
    sim.faults.append(fault)


def fleet(rng: random.Random, *, journeys: int, tamper_rate: float, start: float, fault_rate: float = 0.3,
          cfg: DetectorConfig | None = None, seal_prefix: str = "SIM",
          economy: str | None = None) -> list[Simulated]:
    """`journeys` journeys, a share `tamper_rate` tampered (kinds in turn), some with device faults; with an
    economy, only on routes from or to its offices."""
    pairs = routes(economy) if economy else None
    kinds = list(KINDS)
    tampered = round(journeys * tamper_rate)
    out = []
    for i in range(journeys):
        kind = kinds[i % len(kinds)] if i < tampered else None
        faults = [rng.choice(FAULTS)] if rng.random() < fault_rate else []
        route = rng.choice(pairs)[:2] if pairs else None
        out.append(make(rng, kind=kind, faults=faults, start=start + rng.uniform(0, 6 * 3600), cfg=cfg,
                        seal_prefix=seal_prefix, route=route))
    rng.shuffle(out)
    return out


def _iso(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).isoformat().replace("+00:00", "Z")


def as_event(r: Report, container: str | None) -> dict:
    """A report as the JSON a device publishes (with the gateway's receipt time)."""
    return {"seal_id": r.seal_id, "seq": r.seq, "device_time": _iso(r.device_time), "received_at": _iso(r.received_at),
            "lat": round(r.lat, 6), "lon": round(r.lon, 6), "status": r.status, "battery": r.battery,
            "container": container}


def events_of(sim: Simulated) -> list[dict]:
    """The events as the devices publish them, each signed with its (simulated) device's key."""
    return [signing.sign_event(as_event(r, sim.journey.container), signing.simulated_key(r.seal_id))
            for r in sim.reports + sim.foreign]


def seal_request(sim: Simulated) -> dict:
    """The affixing request (POST /api/v1/seals) for a simulated journey."""
    j = sim.journey
    manufacturer, serial = j.seal_id.split("-", 1)
    return {"manufacturer": manufacturer, "serial": serial, "container": j.container,
            "loading_office": sim.loading_office, "destination_office": sim.destination_office,
            "departure": _iso(j.departure), "arrival_from": _iso(j.arrival_from), "arrival_to": _iso(j.arrival_to),
            "device_key": signing.simulated_key(j.seal_id).hex()}
