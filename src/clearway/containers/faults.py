"""A simulated device's reports from what it recorded, and the faults of honest devices and networks that
must NOT raise an alert: dead zones delivered late in a burst, lost, late and repeated reports, a drifting
clock, single absurd readings (0 % battery, a fix at 0, 0, a stray fix), a device reused from its previous
journey. A pure generator used by clearway.containers.synthetic."""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any

from clearway.containers.drive import Sample
from clearway.containers.geo import offset
from clearway.containers.journey import Report
from clearway.containers.thresholds import DetectorConfig

if TYPE_CHECKING:
    from clearway.containers.attacks import Plan

MIN = 60.0


def reports_of(rng: random.Random, samples: list[Sample], plan: Plan, *, seal_id: str) -> list[Report]:
    """The device's reports, sequence numbers from where its counter stands, with GPS noise of tens of metres."""
    seq = rng.randrange(0, 5000)
    out: list[Report] = []
    for s in samples:
        if plan.dead_at is not None and s.t > plan.dead_at:
            break
        lat, lon = (offset(s.lat, s.lon, rng.gauss(0, 0.015), rng.gauss(0, 0.015)) if s.fix else (0.0, 0.0))
        dt = s.t + plan.offset_at(s.t)
        out.append(Report(seal_id, seq, dt, s.t + rng.uniform(0.5, 20), lat, lon, plan.status_at(s.t),
                          plan.battery_at(s.t)))
        seq += 1
    return out


def _swap(r: Report, **changes: object) -> Report:
    fields = {k: getattr(r, k) for k in Report.__slots__}
    fields.update(changes)
    return Report(**fields)  # type: ignore[arg-type]


def _reading(r: list[Report], i: int, **changes: object) -> None:
    """A wrong reading is in the report the device made: every copy of it (a resent report is the same bytes,
    signed once) carries it, whichever fault came first."""
    seq = r[i].seq
    r[:] = [_swap(x, **changes) if x.seq == seq else x for x in r]


def apply(rng: random.Random, sim: Any, fault: str, cfg: DetectorConfig) -> None:
    """Give the journey's device or network this fault (one that must not raise an alert). `sim` is a
    clearway.containers.synthetic.Simulated (its reports are changed in place)."""
    r = sim.reports
    if len(r) < 8:
        return
    inner = [i for i in range(2, len(r) - 3) if r[i].status == "sealed" and r[i - 1].status == "sealed"
             and r[i + 1].status == "sealed"]
    if not inner:
        return
    if fault == "dead_zone":
        i = rng.choice(inner)
        end_t = r[i].device_time + rng.uniform(15, 120) * MIN
        j = i
        while j < len(r) - 1 and r[j].device_time < end_t:
            j += 1
        flush = r[j].received_at  # coverage returns: the buffered reports go out with the next live one
        r[i:j] = [_swap(x, received_at=flush - 0.5 * (j - i - n)) for n, x in enumerate(r[i:j])]
    elif fault == "out_of_order":
        i = rng.choice(inner)
        r[i], r[i + 1] = r[i + 1], r[i]
    elif fault == "lost_report":
        for i in sorted(rng.sample(inner, min(3, len(inner))), reverse=True):
            del r[i]
    elif fault == "late_delivery":
        for i in rng.sample(inner, min(2, len(inner))):
            r[i] = _swap(r[i], received_at=r[i].received_at + rng.uniform(10, 90) * MIN)
    elif fault == "duplicates":
        r.extend(_swap(x, received_at=x.received_at + rng.uniform(1, 600)) for x in rng.sample(r, min(6, len(r))))
    elif fault == "clock_drift":
        t0 = min(x.device_time for x in r)
        span = max(1.0, max(x.device_time for x in r) - t0)
        rate = rng.choice((-1, 1)) * rng.uniform(1, 4) * MIN / span
        r[:] = [_swap(x, device_time=x.device_time + rate * (x.device_time - t0)) for x in r]
    elif fault == "battery_glitch":
        i = rng.choice(inner)
        _reading(r, i, battery=0.0)
    elif fault == "no_fix_glitch":
        i = rng.choice(inner)
        _reading(r, i, lat=0.0, lon=0.0)
    elif fault == "gps_glitch":
        i = rng.choice(inner)
        if r[i].lat == 0.0 and r[i].lon == 0.0:
            return
        lat, lon = offset(r[i].lat, r[i].lon, rng.uniform(20, 50) * rng.choice((-1, 1)), rng.uniform(-20, 20))
        _reading(r, i, lat=lat, lon=lon)
        sim.glitched.add(r[i].seq)
    elif fault == "device_reuse":
        # its previous journey ended at this terminal a few hours before: opened there, then parked
        first = min(r, key=lambda x: x.seq)
        ended = sim.journey.departure - rng.uniform(2, 10) * 3600
        n = rng.randint(3, 6)
        lat, lon = sim.journey.places[0].lat, sim.journey.places[0].lon
        for k in range(n):
            t = ended + k * 1800
            r.append(Report(first.seal_id, first.seq - n + k, t, t + rng.uniform(0.5, 20), lat, lon, "opened",
                            first.battery))
    else:
        raise ValueError(f"unknown fault {fault!r}")
    sim.faults.append(fault)
