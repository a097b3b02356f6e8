"""The detector's rules about the road, as a device maker would state them: where the container stood still
(stop), where it went (corridor), when its device fell silent (gap, against the model's own reporting
intervals) and whether the device's clock can be believed (clock, from its sequence numbers and buffering).
A pure core, called by clearway.containers.tamper with the facts it gathered."""

from __future__ import annotations

from math import cos, inf, radians, sqrt
from collections.abc import Callable

from clearway.containers.geo import distance_km
from clearway.containers.journey import Alert, Facts, Report, fmt_hours, inside_place

SOURCE_WORDS = {"given": "planned route", "library": "planned route", "learned": "corridor learned from past "
                "journeys", "straight": "straight line between the offices (no planned or learned route)"}


def distrusted(by_seq: list[Report], *, bound: float, flush: float, now: float | None = None) -> dict[int, str]:
    """Reports (in sequence order) whose device time is not believed, with why. A device time ahead of the
    receipt time is impossible; one behind it is a buffered delivery when a later report of the same flush
    (received within `flush` seconds) arrived on time, and a broken clock otherwise; one earlier than the
    report before it ran backwards.

    Whether a later report of the same flush comes is known only once the flush is over: a report behind the
    receipt time is judged when a later report (by sequence) was received after its flush window, or when
    `now` is past it. Until then it is taken as buffered, so the verdict never depends on where a stream was
    cut into batches (a burst from a dead zone is stored over several batches when it trickles in)."""
    n = len(by_seq)
    live_after = [inf] * (n + 1)  # earliest receipt of an on-time report after each position
    seen_after = [-inf] * (n + 1)  # latest receipt of any report after each position
    for i in range(n - 1, -1, -1):
        r = by_seq[i]
        on_time = abs(r.received_at - r.device_time) <= bound
        live_after[i] = min(live_after[i + 1], r.received_at if on_time else inf)
        seen_after[i] = max(seen_after[i + 1], r.received_at)
    horizon = -inf if now is None else now
    out: dict[int, str] = {}
    last = -inf
    for i, r in enumerate(by_seq):
        lag = r.received_at - r.device_time
        window_over = max(horizon, seen_after[i + 1]) > r.received_at + flush
        if lag < -bound:
            out[r.seq] = "ahead"
        elif lag > bound and live_after[i + 1] > r.received_at + flush and window_over:
            out[r.seq] = "behind"
        elif r.device_time < last - bound:
            out[r.seq] = "backwards"
        else:
            last = max(last, r.device_time)
    return out


def clock(f: Facts) -> Alert | None:
    """At least `min_events` reports whose device time is not believed (see `distrusted`)."""
    ck, sid = f.cfg.clock, f.sid
    if not ck.enabled or len(f.skewed) < max(1, ck.min_events):
        return None
    bad = [f.own[q] for q in sorted(f.skewed)]
    worst = max(bad, key=lambda r: abs(r.received_at - r.device_time))
    off = worst.device_time - worst.received_at
    why = f.skewed[worst.seq]
    if why == "backwards":
        words = "ran backwards against its own sequence numbers"
    elif why == "ahead":
        words = f"is {fmt_hours(abs(off))} ahead of the receipt time"
    else:
        words = f"is {fmt_hours(abs(off))} behind the receipt time, with no buffered delivery to explain it"
    return Alert("clock", ck.severity, f"seal {sid} clock {words} (bound {fmt_hours(f.bound)})",
                 tuple((sid, r.seq) for r in bad), sid, min(r.received_at for r in bad))


def _flat_km(a: Report, b: Report) -> float:
    """Distance on a local plane: within a fraction of a percent of the great circle below 100 km."""
    dy = (a.lat - b.lat) * 111.195
    dx = ((a.lon - b.lon + 540.0) % 360.0 - 180.0) * 111.195 * cos(radians(a.lat))
    return sqrt(dx * dx + dy * dy)


def _near(a: Report | None, b: Report | None, km: float) -> bool:
    """Within `km` of each other."""
    return a is not None and b is not None and a.fixed and b.fixed and _flat_km(a, b) <= km


MAX_HOLE = 3


def _parked(before: tuple[Report, ...], after: tuple[Report, ...], km: float) -> bool:
    """Whether the container stood through a silence: a fix before it close to one after it, or the last two
    fixes before it close together (so one stray fix does not make it move)."""
    return (any(_near(a, b, km) for a in before for b in after)
            or (len(before) == 2 and _near(before[0], before[1], km)))


def _limit(f: Facts, parked: bool, missing: int) -> float:
    gc, j = f.cfg.gap, f.journey
    if parked:
        return max(gc.max_minutes * 60, gc.parked_reports * j.parked_interval) + missing * j.parked_interval
    return max(gc.min_minutes * 60, gc.moving_reports * j.moving_interval) + missing * j.moving_interval


def gap(f: Facts) -> Alert | None:
    """The device was silent for longer than its model's reporting interval allows, moving or parked (with
    `now`, also a silence that has not ended). Parked or moving is read from the nearest fixes either side.
    A hole of up to MAX_HOLE sequence numbers widens the limit by one interval each (a report lost on the
    way); a larger hole is not judged: those reports were sent and may still come (from a dead zone). Nor is a
    hole before the report's delivery is over (nothing received after its flush window yet, or `now` not past
    it): a burst delivered out of order fills it moments later."""
    gc, journey, sid = f.cfg.gap, f.journey, f.sid
    if not gc.enabled:
        return None
    empty = f.cfg.battery.empty_percent
    seq = list(f.transit)
    if f.end_time is not None and len(f.transit) < len(f.ordered):
        seq.append(f.ordered[len(f.transit)])  # a silence up to the authorised opening is still in transit
    before: list[tuple[Report, ...]] = []  # the last two fixes at or before each report
    back: tuple[Report, ...] = ()
    for r in seq:
        back = ((r,) + back)[:2] if r.fixed else back
        before.append(back)
    after: list[tuple[Report, ...]] = [()] * len(seq)  # the first two fixes at or after each report
    ahead: tuple[Report, ...] = ()
    for k in range(len(seq) - 1, -1, -1):
        ahead = ((seq[k],) + ahead)[:2] if seq[k].fixed else ahead
        after[k] = ahead
    # the latest receipt of a report after each position (seq is a prefix of f.ordered): a hole's reports may
    # still be on their way (a burst delivered out of order) until the report after the hole is past its flush
    seen_after = [-inf] * (len(f.ordered) + 1)
    for k in range(len(f.ordered) - 1, -1, -1):
        seen_after[k] = max(seen_after[k + 1], f.ordered[k].received_at)
    flush, horizon = f.cfg.clock.flush_seconds, -inf if f.now is None else f.now
    hits: list[int] = []
    worst: tuple[float, float, bool] | None = None  # (silence, limit, parked)
    least = min(_limit(f, False, 0), _limit(f, True, 0))
    step = min(journey.moving_interval, journey.parked_interval)
    for k in range(1, len(seq)):
        prev, r = seq[k - 1], seq[k]
        dt = r.device_time - prev.device_time
        missing = r.seq - prev.seq - 1
        if dt <= least + missing * step:
            continue  # within either limit: no need to know whether it stood
        if missing > MAX_HOLE or missing < 0 or prev.device_time < journey.departure or prev.battery <= empty:
            continue
        if missing and max(horizon, seen_after[k + 1]) <= r.received_at + flush:
            continue  # the missing reports may be in the same delivery, still on their way
        parked = _parked(before[k - 1], after[k], gc.still_km)
        limit = _limit(f, parked, missing)
        if dt > limit:
            hits += [prev.seq, r.seq]
            if worst is None or dt - limit > worst[0] - worst[1]:
                worst = (dt, limit, parked)
    now = f.now
    if (now is not None and f.end_time is None and journey.ended_at is None and seq
            and seq[-1].battery > empty):
        prev = seq[-1]
        parked = _parked(before[-1], (), gc.still_km)
        dt, limit = now - prev.device_time, _limit(f, parked, 0)
        if dt > limit:
            hits.append(prev.seq)
            if worst is None or dt - limit > worst[0] - worst[1]:
                worst = (dt, limit, parked)
    if worst is None:
        return None
    dt, limit, parked = worst
    return Alert("gap", gc.severity, f"seal {sid} was silent for {fmt_hours(dt)} in transit while "
                 f"{'parked' if parked else 'moving'} (limit {fmt_hours(limit)})",
                 tuple((sid, q) for q in dict.fromkeys(hits)), sid, f.trusted[hits[0]].device_time)


def cruise_kmh(fixes: list[Report], interval: float, ceiling: float) -> float:
    """How fast this container travels when it moves: the 90th percentile of its speeds between consecutive
    fixes taken one reporting interval apart (at least 30 km/h, at most `ceiling`)."""
    speeds = sorted(_flat_km(a, b) / (b.device_time - a.device_time) * 3600
                    for a, b in zip(fixes, fixes[1:], strict=False)
                    if b.seq == a.seq + 1 and 0 < b.device_time - a.device_time <= 1.5 * interval)
    if len(speeds) < 5:
        return ceiling
    return max(30.0, min(ceiling, speeds[int(0.9 * (len(speeds) - 1))]))


def _unexplained(a: Report, b: Report, kmh: Callable[[], float], interval: float) -> float:
    """Of a silence between two fixes, the time that driving between them at `kmh()` does not explain."""
    missing = b.seq - a.seq - 1
    if missing < 0 or missing > MAX_HOLE:
        return 0.0  # reports in between have not arrived (yet): not known to be a silence
    dt = b.device_time - a.device_time - missing * interval
    if dt <= 1.5 * interval:
        return 0.0  # the device's ordinary rhythm, not a silence
    return max(0.0, dt - distance_km(a.lat, a.lon, b.lat, b.lon) / kmh() * 3600)


def stop(f: Facts) -> Alert | None:
    """The container stood still outside every authorised place for longer than the limit: `max_minutes` on
    the planned route, `off_route_minutes` away from it. A stop is two or more fixes close together; how long
    it lasted is at least the time between its first and last fix, plus whatever of a silence either side the
    container's own cruising speed does not explain."""
    sc, journey, sid = f.cfg.stop, f.journey, f.sid
    if not sc.enabled:
        return None
    fixes = [r for r in f.transit if r.fixed]
    speed: list[float] = []  # the container's cruising speed, worked out when first needed

    def kmh() -> float:
        if not speed:
            speed.append(cruise_kmh(fixes, journey.moving_interval, sc.max_speed_kmh))
        return speed[0]

    found: list[tuple[float, float, float, list[Report]]] = []  # (over the limit, duration, km off, run)
    i, n = 0, len(fixes)
    while i < n:
        s = fixes[i]
        j = i
        while j + 1 < n and _near(fixes[j + 1], s, sc.still_km):
            j += 1
        run, e, first = fixes[i:j + 1], fixes[j], i
        i = j + 1
        if len(run) < 2 or any(inside_place(journey.places, r.lat, r.lon, margin_km=sc.still_km) for r in run):
            continue
        start = max(s.device_time, journey.departure)
        duration = e.device_time - start
        if i < n:
            duration += _unexplained(e, fixes[i], kmh, journey.moving_interval)
        if first > 0:
            duration += _unexplained(fixes[first - 1], s, kmh, journey.moving_interval)
        if duration <= min(sc.max_minutes, sc.off_route_minutes) * 60:
            continue
        off = journey.line.distance_km(s.lat, s.lon) if journey.route else 0.0
        limit = (sc.off_route_minutes if off > sc.off_route_km else sc.max_minutes) * 60
        if duration > limit:
            found.append((duration - limit, duration, off, run))
    if not found:
        return None
    _, duration, off, run = max(found, key=lambda x: x[0])
    where = f"{off:.1f} km off the planned route" if off > sc.off_route_km else "on the route"
    limit = sc.off_route_minutes if off > sc.off_route_km else sc.max_minutes
    first_seen = min((x[3][0] for x in found), key=lambda r: r.seq)
    return Alert("stop", sc.severity, f"seal {sid} stood still for {fmt_hours(duration)} {where}, outside every "
                 f"authorised place (limit {fmt_hours(limit * 60)})",
                 tuple((sid, r.seq) for x in sorted(found, key=lambda x: x[3][0].seq) for r in x[3]), sid,
                 first_seen.device_time)


def corridor(f: Facts) -> Alert | None:
    """At least `min_points` consecutive fixes outside the corridor around the planned (or learned) route,
    or, where neither is known, a wider one around the straight line (and the alert says so); or at least
    `no_fix_points` consecutive reports without a position fix."""
    cc, journey, sid = f.cfg.corridor, f.journey, f.sid
    if not (cc.enabled and f.transit):
        return None
    straight = journey.route is None
    width = cc.straight_half_width_km if straight else cc.half_width_km
    fixed = [r for r in f.transit if r.fixed]
    dist = dict(zip((r.seq for r in fixed), journey.line.distances_km([(r.lat, r.lon) for r in fixed]), strict=True))
    need, blind_need = max(1, cc.min_points), max(1, cc.no_fix_points)
    near = {r.seq: i for i, r in enumerate(fixed)}

    def plausible(seq: int) -> bool:
        """A fix outside that its neighbouring fixes could have reached at a truck's speed is a detour, not
        a stray reading."""
        k = near[seq]
        for a, b in ((fixed[k - 1] if k else None, fixed[k]), (fixed[k], fixed[k + 1] if k + 1 < len(fixed) else None)):
            # a device that moved would have reported at its moving interval: a lone fix far from fixes
            # taken at the parked interval is a stray reading
            if a is not None and b is not None and b.device_time - a.device_time > 1.5 * journey.moving_interval:
                return False
        for a, b in ((fixed[k - 1] if k else None, fixed[k]), (fixed[k], fixed[k + 1] if k + 1 < len(fixed) else None)):
            if a is None or b is None:
                return False
            dt = max(1.0, abs(b.device_time - a.device_time))
            if distance_km(a.lat, a.lon, b.lat, b.lon) / dt * 3600 > f.cfg.stop.max_speed_kmh:
                return False
        return True

    def enough(seqs: list[int]) -> bool:
        return len(seqs) >= need or (bool(seqs) and all(plausible(q) for q in seqs))

    out: list[int] = []
    blind: list[int] = []
    run: list[int] = []
    dark: list[int] = []
    far = 0.0
    last = None
    for r in f.transit:
        if last is not None and r.seq != last + 1:  # a hole: the run is not known to be consecutive
            out += run if enough(run) else []
            blind += dark if len(dark) >= blind_need else []
            run, dark = [], []
        last = r.seq
        if not r.fixed:
            dark.append(r.seq)
            continue
        blind += dark if len(dark) >= blind_need else []
        dark = []
        d = dist[r.seq]
        if d > width and not inside_place(journey.places, r.lat, r.lon):
            run.append(r.seq)
            far = max(far, d)
        else:
            out += run if enough(run) else []
            run = []
    out += run if enough(run) else []
    blind += dark if len(dark) >= blind_need else []
    if not (out or blind):
        return None
    parts = []
    if out:
        parts.append(f"left the corridor: up to {far:.0f} km from the {SOURCE_WORDS.get(journey.route_source, 'route')}"
                     f" (limit {width:g} km)")
    if blind:
        parts.append(f"reported {len(blind)} times without a position fix in a row")
    seqs = sorted(set(out) | set(blind))
    return Alert("corridor", cc.severity, f"seal {sid} " + "; ".join(parts), tuple((sid, q) for q in seqs), sid,
                 f.trusted[seqs[0]].device_time)
