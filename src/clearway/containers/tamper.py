"""The tamper detector: a pure core. Plain data in (one journey and the reports about its container),
plain data out (the alerts it raises). No database, no clock: `now` is passed in.

The rules about the road (where the container stood, went, and fell silent, and the device's clock) are in
clearway.containers.road; the data classes in clearway.containers.journey."""

from __future__ import annotations

from clearway.containers.geo import distance_km
from clearway.containers.journey import STATUSES, Alert, Facts, Journey, Place, Report
from clearway.containers.journey import fmt_hours as _fmt_hours
from clearway.containers.road import clock, corridor, distrusted, gap, stop
from clearway.containers.thresholds import DetectorConfig

__all__ = ["STATUSES", "Alert", "Facts", "Journey", "Place", "Report", "RULES", "detect"]


def _nearest(places: tuple[Place, ...], lat: float, lon: float) -> tuple[Place | None, float]:
    best, best_d = None, float("inf")
    for p in places:
        d = distance_km(p.lat, p.lon, lat, lon) - p.radius_km  # nearest edge: each place has its own radius
        if d < best_d:
            best, best_d = p, d
    return best, (best_d + best.radius_km if best else best_d)


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
    # A device time that neither the receipt time nor a buffered delivery explains is not trusted: the receipt
    # time stands in for it in every time rule (the disagreement itself is the clock rule's business).
    by_seq = [own[k] for k in sorted(own)]
    skewed = distrusted(by_seq, bound=bound, flush=cfg.clock.flush_seconds, now=now)
    ordered = [_replace_time(r) if r.seq in skewed else r for r in by_seq]
    foreign = [r if abs(r.received_at - r.device_time) <= bound else _replace_time(r) for r in foreign]
    if journey.ended_at is not None:
        ordered = [r for r in ordered if r.device_time <= journey.ended_at]
    # Where the journey ends: the first authorised opening.
    end = len(ordered)
    unauthorised: list[tuple[Report, str]] = []
    earliest = journey.arrival_from - cfg.opened.early_minutes * 60
    last_fix: Report | None = None
    for i, r in enumerate(ordered):
        if r.fixed:
            last_fix = r
        if r.status != "opened":
            continue
        at = r if r.fixed else last_fix
        if at is None:
            unauthorised.append((r, "opened with no position fix"))
            continue
        candidates = tuple(p for p in journey.places if p.opening)
        place, d = _nearest(candidates, at.lat, at.lon)
        inside = place is not None and d <= place.radius_km
        if inside and r.device_time >= earliest:
            end = i
            break
        if not inside:
            where = (f"{d:.1f} km from {place.name}, whose zone is {place.radius_km:g} km" if place
                     else "with no authorised place set")
            unauthorised.append((r, f"opened outside every authorised place ({where})"))
        else:
            unauthorised.append((r, f"opened {_fmt_hours(journey.arrival_from - r.device_time)} before the "
                                    f"arrival window at {place.name}"))
    end_time = ordered[end].device_time if end < len(ordered) else None
    return Facts(journey, cfg, now, own, ordered, {r.seq: r for r in ordered}, foreign, ordered[:end], end_time,
                 unauthorised, bound, skewed)


def _replace_time(r: Report) -> Report:
    return Report(r.seal_id, r.seq, r.received_at, r.received_at, r.lat, r.lon, r.status, r.battery)


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
    """The battery ran down in transit: `min_reports` reports in a row at or below empty (one is noise)."""
    bc, sid = f.cfg.battery, f.sid
    if not bc.enabled:
        return None
    need = max(1, bc.min_reports)
    run: list[Report] = []
    for r in f.transit:
        low = r.battery <= bc.empty_percent and r.device_time >= f.journey.departure
        run = (run + [r] if run and r.seq == run[-1].seq + 1 else [r]) if low else []
        if len(run) >= need:
            return Alert("battery", bc.severity, f"seal {sid} battery ran down to {r.battery:g} % in transit "
                         f"({len(run)} reports in a row)", tuple((sid, x.seq) for x in run), sid,
                         run[0].device_time)
    return None


# One function per rule of clearway.containers.thresholds, in the order their alerts are listed.
RULES = (opened, tamper_status, foreign_seal, battery, gap, corridor, clock, stop)


def detect(journey: Journey, reports: list[Report], cfg: DetectorConfig, now: float | None = None) -> list[Alert]:
    """Every alert the reports justify, with the thresholds of the journey's route class. `reports` may hold
    repeats and be out of order (they are placed by sequence number); reports of other seals for the same
    container are evidence of a seal swap. With `now`, a journey whose reports stopped more than the gap ago
    is also flagged."""
    facts = _facts(journey, reports, cfg.for_class(journey.route_class), now)
    return [a for rule in RULES if (a := rule(facts)) is not None]
