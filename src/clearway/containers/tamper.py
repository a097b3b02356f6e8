"""The tamper detector: a pure core. Plain data in (one journey and the reports about its container),
plain data out (the alerts it raises). No database, no clock: `now` is passed in.

Times are seconds since the Unix epoch (UTC); positions are WGS 84 degrees; battery is percent."""

from __future__ import annotations

from dataclasses import dataclass

from clearway.containers.geo import Segment, distance_km
from clearway.containers.rules import DetectorConfig

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


def detect(journey: Journey, reports: list[Report], cfg: DetectorConfig, now: float | None = None) -> list[Alert]:
    """Every alert the reports justify. `reports` may hold repeats and be out of order (they are placed by
    sequence number); reports of other seals for the same container are evidence of a seal swap.
    With `now`, a journey whose reports stopped more than the gap ago is also flagged."""
    own: dict[int, Report] = {}
    foreign: list[Report] = []
    sid = journey.seal_id
    for r in reports:
        if r.seal_id == sid:
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
    trusted = {r.seq: r for r in ordered}
    alerts: list[Alert] = []

    # Where the journey ends: the first authorised opening.
    end = len(ordered)
    unauthorised: list[tuple[Report, str]] = []
    oc = cfg.opened
    earliest = journey.arrival_from - oc.early_minutes * 60
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
    transit = ordered[:end]
    end_time = ordered[end].device_time if end < len(ordered) else None

    if oc.enabled and unauthorised:
        first, why = unauthorised[0]
        alerts.append(Alert("opened", oc.severity, f"seal {sid} {why}", tuple((sid, r.seq) for r, _ in unauthorised),
                            sid, first.device_time))

    ts = cfg.tamper_status
    if ts.enabled:
        bad = [r for r in transit if r.status in ts.statuses]
        if bad:
            alerts.append(Alert("tamper_status", ts.severity,
                                f"seal {sid} reported {bad[0].status.replace('_', ' ')} in transit",
                                tuple((sid, r.seq) for r in bad), sid, bad[0].device_time))

    fs = cfg.foreign_seal
    if fs.enabled and foreign:
        lo = journey.departure - fs.slack_minutes * 60
        hi = (end_time if end_time is not None else journey.arrival_to + fs.slack_minutes * 60)
        if journey.ended_at is not None:
            hi = min(hi, journey.ended_at)
        seen: dict[tuple[str, int], Report] = {}
        for r in foreign:
            if lo <= r.device_time <= hi:
                seen.setdefault((r.seal_id, r.seq), r)
        if len(seen) >= max(1, fs.min_reports):
            hits = sorted(seen.values(), key=lambda r: r.device_time)
            others = sorted({r.seal_id for r in hits})
            alerts.append(Alert("foreign_seal", fs.severity,
                                f"another seal ({', '.join(others)}) reported for container {journey.container} "
                                f"while seal {sid} was on it", tuple((r.seal_id, r.seq) for r in hits), sid,
                                hits[0].device_time))

    bc = cfg.battery
    empty = bc.empty_percent
    dying_from = None
    if bc.enabled:
        for r in transit:
            if r.battery <= empty and r.device_time >= journey.departure:
                dying_from = r
                break
        if dying_from is not None:
            alerts.append(Alert("battery", bc.severity,
                                f"seal {sid} battery ran down to {dying_from.battery:g} % in transit",
                                ((sid, dying_from.seq),), sid, dying_from.device_time))

    gc = cfg.gap
    if gc.enabled:
        limit = gc.max_minutes * 60
        hits_g: list[int] = []
        longest = 0.0
        prev = None
        for r in transit:
            # Only a device that reported nothing in between was silent: a hole in the sequence numbers
            # means reports were sent that have not reached us (yet), and they may still come.
            if (prev is not None and r.seq == prev.seq + 1 and prev.device_time >= journey.departure
                    and prev.battery > empty):
                dt = r.device_time - prev.device_time
                if dt > limit:
                    hits_g += [prev.seq, r.seq]
                    longest = max(longest, dt)
            prev = r
        if (now is not None and end_time is None and journey.ended_at is None and prev is not None
                and prev.battery > empty and now - prev.device_time > limit):
            hits_g.append(prev.seq)
            longest = max(longest, now - prev.device_time)
        if hits_g:
            first_g = trusted[hits_g[0]]
            alerts.append(Alert("gap", gc.severity,
                                f"seal {sid} was silent for {_fmt_hours(longest)} in transit "
                                f"(limit {_fmt_hours(limit)})", tuple((sid, q) for q in dict.fromkeys(hits_g)), sid,
                                first_g.device_time))

    cc = cfg.corridor
    if cc.enabled and transit:
        seg = Segment(journey.origin[0], journey.origin[1], journey.destination[0], journey.destination[1])
        width = cc.half_width_km
        need = max(1, cc.min_points)
        run: list[Report] = []
        out: list[int] = []
        far = 0.0
        dist = seg.distance_km
        last = None
        for r in transit:
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
        if out:
            alerts.append(Alert("corridor", cc.severity,
                                f"seal {sid} left the corridor: up to {far:.0f} km from the route "
                                f"(limit {width:g} km)", tuple((sid, q) for q in out), sid, trusted[out[0]].device_time))

    ck = cfg.clock
    if ck.enabled:
        skewed = [own[r.seq] for r in ordered if r is not own[r.seq]]
        if len(skewed) >= max(1, ck.min_events):
            worst = max(skewed, key=lambda r: abs(r.received_at - r.device_time))
            off = worst.device_time - worst.received_at
            alerts.append(Alert("clock", ck.severity,
                                f"seal {sid} clock is {_fmt_hours(abs(off))} {'ahead of' if off > 0 else 'behind'} "
                                f"the receipt time (bound {_fmt_hours(bound)})", tuple((sid, r.seq) for r in skewed),
                                sid, skewed[0].received_at))
    return alerts
