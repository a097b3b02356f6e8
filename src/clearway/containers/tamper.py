"""The tamper detector: a pure core. Plain data in (one journey and the reports about its container),
plain data out (the alerts it raises). No database, no clock: `now` is passed in.

Times are seconds since the Unix epoch (UTC); positions are WGS 84 degrees; battery is percent."""

from __future__ import annotations

from dataclasses import dataclass

from clearway.containers.geo import Segment, distance_km
from clearway.containers.thresholds import DetectorConfig

STATUSES = ("sealed", "opened", "tampered", "wire_cut")


@dataclass(frozen=True, slots=True)
class Place:
    """A place where the seal may be opened: a geofence (circle) around a point."""

    name: str
    lat: float
    lon: float
    radius_km: float


@dataclass(frozen=True, slots=True)
class Journey:
    seal_id: str
    container: str
    origin: tuple[float, float]  # loading office (lat, lon)
    destination: tuple[float, float]  # destination office (lat, lon)
    departure: float  # expected departure
    arrival_from: float  # arrival window
    arrival_to: float
    places: tuple[Place, ...]  # where it may be opened
    ended_at: float | None = None  # authorised removal: nothing after it is about this journey


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


@dataclass(frozen=True)
class Alert:
    rule: str
    severity: str
    reason: str
    evidence: tuple[tuple[str, int], ...]  # (seal id, sequence number) of each evidence report
    seal_id: str
    at: float  # device time of the first evidence report


def _fmt_hours(seconds: float) -> str:
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def _trusted(r: Report, bound: float) -> Report:
    if abs(r.received_at - r.device_time) <= bound:
        return r
    return Report(r.seal_id, r.seq, r.received_at, r.received_at, r.lat, r.lon, r.status, r.battery)


def _nearest(places: tuple[Place, ...], lat: float, lon: float) -> tuple[Place | None, float]:
    best, best_d = None, float("inf")
    for p in places:
        d = distance_km(p.lat, p.lon, lat, lon)
        if d < best_d:
            best, best_d = p, d
    return best, best_d


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

    @property
    def sid(self) -> str:
        return self.journey.seal_id


def _facts(journey: Journey, reports: list[Report], cfg: DetectorConfig, now: float | None) -> Facts:
    own: dict[int, Report] = {}
    foreign: list[Report] = []
    for r in reports:
        if r.seal_id == journey.seal_id:
            if r.seq not in own:
                own[r.seq] = r
        else:
            foreign.append(r)
    bound = cfg.clock.max_skew_minutes * 60
    # A device clock that disagrees with the receipt time is not trusted: the receipt time stands in
    # for it in every time rule (the disagreement itself is the clock rule's business).
    ordered = [_trusted(own[k], bound) for k in sorted(own)]
    foreign = [_trusted(r, bound) for r in foreign]
    if journey.ended_at is not None:
        ordered = [r for r in ordered if r.device_time <= journey.ended_at]
    # Where the journey ends: the first authorised opening.
    end = len(ordered)
    unauthorised: list[tuple[Report, str]] = []
    earliest = journey.arrival_from - cfg.opened.early_minutes * 60
    for i, r in enumerate(ordered):
        if r.status != "opened":
            continue
        place, d = _nearest(journey.places, r.lat, r.lon)
        inside = place is not None and d <= place.radius_km
        if inside and r.device_time >= earliest:
            end = i
            break
        if not inside:
            where = f"{d:.1f} km from {place.name}" if place else "with no authorised place set"
            unauthorised.append((r, f"opened outside every authorised place ({where})"))
        else:
            unauthorised.append((r, f"opened {_fmt_hours(journey.arrival_from - r.device_time)} before the "
                                    f"arrival window at {place.name}"))
    end_time = ordered[end].device_time if end < len(ordered) else None
    return Facts(journey, cfg, now, own, ordered, {r.seq: r for r in ordered}, foreign, ordered[:end], end_time,
                 unauthorised, bound)


def opened(f: Facts) -> Alert | None:
    """Opened outside every authorised place, or too long before the arrival window."""
    oc, sid = f.cfg.opened, f.sid
    if not (oc.enabled and f.unauthorised):
        return None
    first, why = f.unauthorised[0]
    return Alert("opened", oc.severity, f"seal {sid} {why}", tuple((sid, r.seq) for r, _ in f.unauthorised),
                 sid, first.device_time)


def tamper_status(f: Facts) -> Alert | None:
    """The device itself reported tampering or a cut wire in transit."""
    ts, sid = f.cfg.tamper_status, f.sid
    if not ts.enabled:
        return None
    bad = [r for r in f.transit if r.status in ts.statuses]
    if not bad:
        return None
    return Alert("tamper_status", ts.severity, f"seal {sid} reported {bad[0].status.replace('_', ' ')} in transit",
                 tuple((sid, r.seq) for r in bad), sid, bad[0].device_time)


def foreign_seal(f: Facts) -> Alert | None:
    """Another seal reported for the container during the journey (a seal swap)."""
    fs, journey, sid = f.cfg.foreign_seal, f.journey, f.sid
    if not (fs.enabled and f.foreign):
        return None
    lo = journey.departure - fs.slack_minutes * 60
    hi = (f.end_time if f.end_time is not None else journey.arrival_to + fs.slack_minutes * 60)
    if journey.ended_at is not None:
        hi = min(hi, journey.ended_at)
    seen: dict[tuple[str, int], Report] = {}
    for r in f.foreign:
        if lo <= r.device_time <= hi:
            seen.setdefault((r.seal_id, r.seq), r)
    if len(seen) < max(1, fs.min_reports):
        return None
    hits = sorted(seen.values(), key=lambda r: r.device_time)
    others = sorted({r.seal_id for r in hits})
    return Alert("foreign_seal", fs.severity, f"another seal ({', '.join(others)}) reported for container "
                 f"{journey.container} while seal {sid} was on it", tuple((r.seal_id, r.seq) for r in hits), sid,
                 hits[0].device_time)


def battery(f: Facts) -> Alert | None:
    """The battery ran down while the container was in transit."""
    bc, sid = f.cfg.battery, f.sid
    if not bc.enabled:
        return None
    for r in f.transit:
        if r.battery <= bc.empty_percent and r.device_time >= f.journey.departure:
            return Alert("battery", bc.severity, f"seal {sid} battery ran down to {r.battery:g} % in transit",
                         ((sid, r.seq),), sid, r.device_time)
    return None


def gap(f: Facts) -> Alert | None:
    """Reports stopped for longer than the limit in transit (or, with `now`, stopped and have not resumed)."""
    gc, journey, sid = f.cfg.gap, f.journey, f.sid
    if not gc.enabled:
        return None
    empty = f.cfg.battery.empty_percent
    limit = gc.max_minutes * 60
    hits: list[int] = []
    longest = 0.0
    prev = None
    for r in f.transit:
        # Only a device that reported nothing in between was silent: a hole in the sequence numbers
        # means reports were sent that have not reached us (yet), and they may still come.
        if (prev is not None and r.seq == prev.seq + 1 and prev.device_time >= journey.departure
                and prev.battery > empty):
            dt = r.device_time - prev.device_time
            if dt > limit:
                hits += [prev.seq, r.seq]
                longest = max(longest, dt)
        prev = r
    now = f.now
    if (now is not None and f.end_time is None and journey.ended_at is None and prev is not None
            and prev.battery > empty and now - prev.device_time > limit):
        hits.append(prev.seq)
        longest = max(longest, now - prev.device_time)
    if not hits:
        return None
    return Alert("gap", gc.severity, f"seal {sid} was silent for {_fmt_hours(longest)} in transit "
                 f"(limit {_fmt_hours(limit)})", tuple((sid, q) for q in dict.fromkeys(hits)), sid,
                 f.trusted[hits[0]].device_time)


def corridor(f: Facts) -> Alert | None:
    """At least `min_points` consecutive reports outside the corridor around the great circle."""
    cc, journey, sid = f.cfg.corridor, f.journey, f.sid
    if not (cc.enabled and f.transit):
        return None
    dist = Segment(journey.origin[0], journey.origin[1], journey.destination[0], journey.destination[1]).distance_km
    width = cc.half_width_km
    need = max(1, cc.min_points)
    run: list[Report] = []
    out: list[int] = []
    far = 0.0
    last = None
    for r in f.transit:
        if last is not None and r.seq != last + 1:  # a hole: the run is not known to be consecutive
            if len(run) >= need:
                out += [x.seq for x in run]
            run = []
        last = r.seq
        d = dist(r.lat, r.lon)
        if d > width:
            run.append(r)
            far = max(far, d)
        else:
            if len(run) >= need:
                out += [x.seq for x in run]
            run = []
    if len(run) >= need:
        out += [x.seq for x in run]
    if not out:
        return None
    return Alert("corridor", cc.severity, f"seal {sid} left the corridor: up to {far:.0f} km from the route "
                 f"(limit {width:g} km)", tuple((sid, q) for q in out), sid, f.trusted[out[0]].device_time)


def clock(f: Facts) -> Alert | None:
    """The device clock disagreed with the receipt time on at least `min_events` reports."""
    ck, own, sid = f.cfg.clock, f.own, f.sid
    if not ck.enabled:
        return None
    skewed = [own[r.seq] for r in f.ordered if r is not own[r.seq]]
    if len(skewed) < max(1, ck.min_events):
        return None
    worst = max(skewed, key=lambda r: abs(r.received_at - r.device_time))
    off = worst.device_time - worst.received_at
    return Alert("clock", ck.severity, f"seal {sid} clock is {_fmt_hours(abs(off))} "
                 f"{'ahead of' if off > 0 else 'behind'} the receipt time (bound {_fmt_hours(f.bound)})",
                 tuple((sid, r.seq) for r in skewed), sid, skewed[0].received_at)


# One function per rule of clearway.containers.thresholds, in the order their alerts are listed.
RULES = (opened, tamper_status, foreign_seal, battery, gap, corridor, clock)


def detect(journey: Journey, reports: list[Report], cfg: DetectorConfig, now: float | None = None) -> list[Alert]:
    """Every alert the reports justify. `reports` may hold repeats and be out of order (they are placed by
    sequence number); reports of other seals for the same container are evidence of a seal swap.
    With `now`, a journey whose reports stopped more than the gap ago is also flagged."""
    facts = _facts(journey, reports, cfg, now)
    return [a for rule in RULES if (a := rule(facts)) is not None]
