"""Seal journeys on real roads, for demos, measurement and tests: a pure generator.

Trucks and trains follow the route library's corridors (clearway.containers.routes) with the bends of a real
road, stop where drivers stop (weigh stations, border posts, rests, traffic), and carry devices that report
as devices do (clearway.containers.drive): parked heartbeats, dead zones delivered late in a burst, lost, late
and repeated reports, clocks that drift, single absurd readings, devices reused from an earlier journey.
Attackers size their tampering against the detector's thresholds: over them, and just under them.

`make(rng, kind=...)` returns a journey, the reports its seal (and, for a seal swap, another seal) would send,
and the ground truth: which rules must fire (none for an honest journey whatever its faults, and none for an
attack sized under every threshold: those are counted as evasions, not misses)."""

from __future__ import annotations

import random
import string
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import cache

from clearway.containers import iso6346, routes, signing
from clearway.containers.attacks import plan
from clearway.containers.faults import apply, reports_of
from clearway.containers.drive import Road, Trip, sample
from clearway.containers.geo import distance_km, offset
from clearway.containers.journey import Journey, Place, Report
from clearway.containers.thresholds import DetectorConfig
from clearway.reference.economies import all_offices, office

# attack -> the rules that must find it; () means sized under every threshold (an evasion by design)
ATTACKS: dict[str, tuple[str, ...]] = {
    "opened_outside": ("opened",), "opened_near_destination": ("opened",), "opened_early": ("opened",),
    "wire_cut": ("tamper_status",), "seal_swap": ("foreign_seal",),
    "silence": ("gap",), "silence_under": (),
    "detour": ("corridor",), "detour_stop": ("corridor", "stop"), "detour_under": ("stop",),
    "long_stop": ("stop",), "stop_under": (),
    "clock_reset": ("clock",), "clock_under": (),
    "battery_dead": ("battery",), "gps_jam": ("corridor",),
}
# the classic kinds, one rule each (tests walk them)
KINDS = {k: ATTACKS[k][0] for k in ("opened_outside", "opened_early", "wire_cut", "seal_swap", "silence", "detour",
                                     "clock_reset", "battery_dead")}
FAULTS = ("dead_zone", "lost_report", "late_delivery", "duplicates", "out_of_order", "clock_drift",
          "battery_glitch", "no_fix_glitch", "gps_glitch")
# which reports belong to which journey is the journey lifecycle's business: asked for separately
LIFECYCLE_FAULTS = ("device_reuse",)
DEVICES = ((300.0, 3600.0), (300.0, 1800.0), (600.0, 3600.0), (120.0, 3600.0))  # (moving, parked) seconds
SPEED = {"road": (60.0, 85.0), "rail": (55.0, 80.0), "urban": (25.0, 45.0)}


@dataclass
class Simulated:
    journey: Journey
    loading_office: str
    destination_office: str
    reports: list[Report]
    foreign: list[Report] = field(default_factory=list)  # reports of another seal about this container
    kind: str | None = None  # attack, None for an honest journey
    faults: list[str] = field(default_factory=list)
    route_name: str | None = None  # of the library; None: a road drawn between the offices
    routed: str = "library"  # how the route is given at affixing: library | given | none
    tamper_at: float | None = None  # when the attack began (device-independent truth time)
    size: float | None = None  # the attack's size over its rule's threshold (1.0 = at it)
    glitched: set[int] = field(default_factory=set)

    @property
    def rules(self) -> list[str]:
        return list(ATTACKS[self.kind]) if self.kind else []

    def truth(self) -> dict:
        return {"seal_id": self.journey.seal_id, "container": self.journey.container, "kind": self.kind,
                "rules": self.rules, "evasive": bool(self.kind) and not self.rules, "faults": self.faults,
                "tamper_at": self.tamper_at, "size": self.size, "route": self.route_name, "routed": self.routed,
                "route_class": self.journey.route_class, "loading_office": self.loading_office,
                "destination_office": self.destination_office, "events": len(self.reports) + len(self.foreign)}


def container_number(rng: random.Random) -> str:
    owner = "".join(rng.choice(string.ascii_uppercase) for _ in range(3)) + "U"
    serial = f"{rng.randrange(10**6):06d}"
    return owner + serial + str(iso6346.check_digit(owner + serial))


def economy_of(sim: Simulated) -> str:
    """The economy that seals a simulated journey when none is given: that of its loading office."""
    found = office(sim.loading_office)
    assert found is not None
    return found.economy


@cache
def _pairs(min_km: float = 40.0, max_km: float = 1200.0) -> list[tuple[str, str, float]]:
    """Office pairs a road may be drawn between (for economies the route library does not cover yet)."""
    offices = list(all_offices().values())
    return [(a.code, b.code, d) for a in offices for b in offices
            if a.code != b.code and min_km <= (d := distance_km(a.lat, a.lon, b.lat, b.lon)) <= max_km]


def library_routes(economy: str | None = None) -> list[str]:
    """The library's routes; with an economy, those from or to its offices (the journeys its officers seal)."""
    out = []
    for name, r in sorted(routes.library().items()):
        ends = {office(r.loading_office).economy, office(r.destination_office).economy}  # type: ignore[union-attr]
        if economy is None or economy in ends:
            out.append(name)
    return out


def _route(route: str | tuple[str, str] | None, rng: random.Random) -> tuple[str | None, routes.Named]:
    if isinstance(route, str):
        return route, routes.named(route)
    if route is None:
        name = rng.choice(library_routes())
        return name, routes.named(name)
    for name, r in sorted(routes.library().items()):
        if (r.loading_office, r.destination_office) == tuple(route) and r.route_class == "road":
            return name, r
    a, b = office(route[0]), office(route[1])  # no library route: a road drawn between the offices
    assert a is not None and b is not None
    mid = offset((a.lat + b.lat) / 2, (a.lon + b.lon) / 2, rng.uniform(-8, 8), rng.uniform(-8, 8))
    places = ({"name": a.code, "kind": "terminal", "lat": a.lat, "lon": a.lon, "radius_km": 2.0},
              {"name": b.code, "kind": "terminal", "lat": b.lat, "lon": b.lon, "radius_km": 1.5})
    return None, routes.Named(f"{a.code}-{b.code}", "drawn", "road", a.code, b.code,
                              ((a.lat, a.lon), mid, (b.lat, b.lon)), places)


def make(rng: random.Random, *, kind: str | None = None, faults: list[str] | None = None, start: float = 0.0,
         cfg: DetectorConfig | None = None, seal_prefix: str = "SIM", route: str | tuple[str, str] | None = None,
         container: str | None = None, routed: str = "library") -> Simulated:
    """One journey that departs at `start` (epoch seconds) on `route` (a library name or an office pair)."""
    cfg = cfg or DetectorConfig()
    name, r = _route(route, rng)
    ccfg = cfg.for_class(r.route_class)
    moving, parked = rng.choice(DEVICES)
    places = tuple(Place(p["name"], p["lat"], p["lon"], p["radius_km"], p.get("kind", "office")) for p in r.places)
    road = Road(r.points)
    trip = Trip(road, start)
    seal_id = f"{seal_prefix}-{rng.randrange(16**10):010X}"
    plan_ = plan(rng, kind=kind, trip=trip, places=places, cfg=ccfg, route_class=r.route_class,
                 moving=moving, parked=parked)
    journey = Journey(seal_id=seal_id, container=container or container_number(rng),
                      origin=r.points[0], destination=r.points[-1], departure=start,
                      arrival_from=plan_.arrival_from, arrival_to=plan_.arrival_from + 8 * 3600, places=places,
                      route=r.points if routed != "none" else None,
                      route_source={"library": "library", "given": "given"}.get(routed, "straight"),
                      route_class=r.route_class, moving_interval=moving, parked_interval=parked)
    if name is None and routed == "library":
        routed = "given"  # a drawn road is given as GeoJSON, it is in no library
        journey = replace(journey, route_source="given")
    samples = sample(trip.phases, moving=moving, parked=parked, until=plan_.until, wake=plan_.wake())
    reports = reports_of(rng, samples, plan_, seal_id=seal_id)
    sim = Simulated(journey, r.loading_office, r.destination_office, reports, plan_.foreign(rng, reports, seal_prefix),
                    kind, [], name, routed, plan_.tamper_at, plan_.size)
    for fault in faults or []:
        apply(rng, sim, fault, ccfg)
    return sim


def fleet(rng: random.Random, *, journeys: int, tamper_rate: float, start: float, fault_rate: float = 0.3,
          cfg: DetectorConfig | None = None, seal_prefix: str = "SIM", economy: str | None = None,
          attacks: tuple[str, ...] | None = None, reuse_rate: float = 0.0) -> list[Simulated]:
    """`journeys` journeys on the library's routes (with an economy, those from or to its offices), a share
    `tamper_rate` attacked (the attacks in turn), some with device and network faults."""
    names: list[str | tuple[str, str]] = list(library_routes(economy))
    if not names and economy:
        names = [(a, b) for a, b, _ in _pairs() if economy in (office(a).economy, office(b).economy)]  # type: ignore[union-attr]
    kinds = list(attacks or ATTACKS)
    tampered = round(journeys * tamper_rate)
    out = []
    for i in range(journeys):
        kind = kinds[i % len(kinds)] if i < tampered else None
        faults = sorted(set(rng.sample(FAULTS, rng.randint(1, 3)))) if rng.random() < fault_rate else []
        faults += list(LIFECYCLE_FAULTS) if rng.random() < reuse_rate else []
        route = rng.choice(names) if names else None
        routed = "given" if rng.random() < 0.2 else "library"
        out.append(make(rng, kind=kind, faults=faults, start=start + rng.uniform(0, 6 * 3600), cfg=cfg,
                        seal_prefix=seal_prefix, route=route, routed=routed))
    rng.shuffle(out)
    return out


def _iso(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).isoformat().replace("+00:00", "Z")


def as_event(r: Report, container: str | None) -> dict:
    """A report as the JSON a device publishes (with the gateway's receipt time)."""
    return {"seal_id": r.seal_id, "seq": r.seq, "device_time": _iso(r.device_time), "received_at": _iso(r.received_at),
            "lat": round(r.lat, 6), "lon": round(r.lon, 6), "status": r.status, "battery": r.battery,
            "container": container}


def device_sign(event: dict) -> dict:
    """The event signed as its simulated device signs it (signing.simulated_key of its seal)."""
    return signing.sign_event(event, signing.simulated_key(event["seal_id"]))


def events_of(sim: Simulated, sign: Callable[[dict], dict] | None = device_sign) -> list[dict]:
    """The events as the devices publish them, each signed by `sign` (by default with its simulated device's
    key; None: unsigned)."""
    events = [as_event(r, sim.journey.container) for r in sim.reports + sim.foreign]
    return [sign(e) for e in events] if sign else events


def seal_request(sim: Simulated) -> dict:
    """The affixing request (POST /api/v1/seals) for a simulated journey."""
    j = sim.journey
    manufacturer, serial = j.seal_id.split("-", 1)
    body = {"manufacturer": manufacturer, "serial": serial, "container": j.container,
            "loading_office": sim.loading_office, "destination_office": sim.destination_office,
            "departure": _iso(j.departure), "arrival_from": _iso(j.arrival_from), "arrival_to": _iso(j.arrival_to),
            "reporting": {"moving_seconds": j.moving_interval, "parked_seconds": j.parked_interval},
            "route_class": j.route_class, "device_key": signing.simulated_key(j.seal_id).hex()}
    if sim.routed == "library" and sim.route_name:
        body["route_name"] = sim.route_name
    else:
        body["places"] = [{"name": p.name, "kind": p.kind, "lat": p.lat, "lon": p.lon, "radius_km": p.radius_km}
                          for p in j.places]
        if sim.routed == "given" and j.route:
            body["route"] = routes.geojson_line(j.route)
    return body
