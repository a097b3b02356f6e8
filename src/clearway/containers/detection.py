"""The tamper detector run against the store: the journeys a batch of events touched (after ingest), or every
journey in transit with the clock in hand (the sweep). What it finds is recorded as alerts (containers/alerts.py);
the declarations an alert holds are the flow's (flows/seals.py)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from clearway.containers import alerts as alert_service
from clearway.containers.models import Seal, SealAlert, SealEvent
from clearway.containers.thresholds import DetectorConfig, configured
from clearway.containers.tamper import Report, detect
from clearway.containers.timeline import WINDOW, journey
from clearway.db import utcnow

CHUNK = 400  # values in one IN (...) list: SQLite and PostgreSQL cap the parameters of a statement


class Memo:
    """What a long-lived writer (the MQTT listener) has read of the journeys it detects on, kept between its
    batches, so that each batch reads only the rows added since instead of every touched journey whole (about
    four stored reports re-read for each new one). Safe because every writer of a report holds the lock of every
    live journey the report can concern (its own, and those on its container: containers/ingest.py `_journeys`),
    so the rows of a journey commit in the order of their ids. A report on the container of a journey not yet
    affixed when it was written is the one thing a race could hide from it, until the sweep (which reads in
    full) sees it. A batch that does not commit must `clear` it."""

    LIMIT = 20_000  # journeys kept at most; beyond, it starts again

    def __init__(self) -> None:
        self.seen: dict[int, tuple[int, list[Report], list[Report]]] = {}  # pk -> (highest id, own, on its box)

    def clear(self) -> None:
        self.seen.clear()


def detect_on(session: Session, seals: list[Seal], *, cfg: DetectorConfig, actor: str, economy: str,
              memo: Memo | None = None) -> list[int]:
    """Detect on these journeys of `economy` and record the alerts: the ids of those newly raised. `memo`: what
    the same writer read of them in its earlier batches (only what was added since is read)."""
    raised: list[int] = []
    for i in range(0, len(seals), CHUNK):
        part = seals[i:i + CHUNK]
        found = _reports(session, part, economy) if memo is None else _reports_since(session, part, economy, memo)
        known = alert_service.existing(session, [s.id for s in part])
        for seal in part:
            hi = seal.removed_at.timestamp() + WINDOW.total_seconds() if seal.removed_at else float("inf")
            own, box = found[seal.id]
            reports = own + [r for r in box if r.received_at <= hi]
            raised += _detect_and_record(session, seal=seal, reports=reports, cfg=cfg, actor=actor, known=known)
    return raised


_COLS = (SealEvent.seal_pk, SealEvent.seal_id, SealEvent.seq, SealEvent.container, SealEvent.device_ts,
         SealEvent.received_ts, SealEvent.lat, SealEvent.lon, SealEvent.status, SealEvent.battery)


def _lo(seal: Seal) -> float:
    return seal.departure.timestamp() - WINDOW.total_seconds()


def _read(session: Session, seals: list[Seal], economy: str, *, since: float | None = None,
          after: int | None = None) -> list[Any]:
    """The reports of these journeys and of any seal on their containers (received since `since`, or with ids
    above `after`). Plain columns (no ORM entities): read through the session's connection, without the ORM's
    row handling, all at once (iterating a result fetches row by row)."""
    pks, boxes = {s.id for s in seals}, {s.container for s in seals}
    stmt = select(SealEvent.id, *_COLS).where(or_(SealEvent.seal_pk.in_(pks), SealEvent.container.in_(boxes)),
                                              SealEvent.economy == economy)
    if since is not None:
        stmt = stmt.where(SealEvent.received_ts >= since)
    if after is not None:
        stmt = stmt.where(SealEvent.id > after)
    return list(session.connection().execute(stmt).all())


def _sort(seals: list[Seal], rows: list[Any], *, tops: dict[int, int] | None = None
          ) -> dict[int, tuple[list[Report], list[Report]]]:
    """Each journey's own reports and the other seals' reports on its container received since its departure
    less the window (with `tops`, only rows above the journey's own highest id read)."""
    by_pk = {s.id: s for s in seals}
    by_box: dict[str, list[Seal]] = defaultdict(list)
    for s in seals:
        by_box[s.container].append(s)
    out: dict[int, tuple[list[Report], list[Report]]] = {s.id: ([], []) for s in seals}
    lows = {s.id: _lo(s) for s in seals}
    for row_id, pk, sid, seq, box, dt, rt, lat, lon, st, bat in rows:
        r = Report(sid, seq, dt, rt, lat, lon, st, bat)
        mine = by_pk.get(pk)
        if mine is not None and rt >= lows[pk] and (tops is None or row_id > tops[pk]):
            out[pk][0].append(r)
        for s in by_box.get(box, ()) if box is not None else ():
            if sid != s.seal_id and rt >= lows[s.id] and (tops is None or row_id > tops[s.id]):
                out[s.id][1].append(r)
    return out


def _reports(session: Session, seals: list[Seal], economy: str) -> dict[int, tuple[list[Report], list[Report]]]:
    return _sort(seals, _read(session, seals, economy, since=min(_lo(s) for s in seals)))


def _reports_since(session: Session, seals: list[Seal], economy: str,
                   memo: Memo) -> dict[int, tuple[list[Report], list[Report]]]:
    """What `_reports` gives, from `memo` and the rows added since it last read each journey."""
    if len(memo.seen) > memo.LIMIT:
        memo.clear()
    new = [s for s in seals if s.id not in memo.seen]
    kept = [s for s in seals if s.id in memo.seen]
    if new:
        rows = _read(session, new, economy, since=min(_lo(s) for s in new))
        top = max((r[0] for r in rows), default=0)
        for pk, (own, box) in _sort(new, rows).items():
            memo.seen[pk] = (top, own, box)
    if kept:
        tops = {s.id: memo.seen[s.id][0] for s in kept}
        rows = _read(session, kept, economy, after=min(tops.values()))
        top = max((r[0] for r in rows), default=0)
        for pk, (own, box) in _sort(kept, rows, tops=tops).items():
            was, old_own, old_box = memo.seen[pk]
            old_own += own
            old_box += box
            memo.seen[pk] = (max(was, top), old_own, old_box)
    return {s.id: (memo.seen[s.id][1], memo.seen[s.id][2]) for s in seals}


def _detect_and_record(session: Session, *, seal: Seal, reports: list[Report], cfg: DetectorConfig, actor: str,
                       known: dict[tuple[int, str], list[SealAlert]], now: float | None = None) -> list[int]:
    """Run the detector on one journey and record what it finds: the ids of the alerts newly raised."""
    rows = (alert_service.record(session, seal=seal, found=found, actor=actor,
                                 existing=known.get((seal.id, found.rule), []))
            for found in detect(journey(seal), reports, cfg, now=now))
    return [row.id for row in rows if row is not None]


def sweep(session: Session, *, now: datetime | None = None, cfg: DetectorConfig | None = None,
          actor: str = "seals-sweep") -> list[int]:
    """Look at every journey in transit with the clock in hand: a seal whose reports stopped more than the
    gap ago (and whose battery was not empty) raises the gap alert, even though no report triggers it."""
    cfg = cfg or configured()
    now = now or utcnow()
    seals = list(session.scalars(select(Seal).where(Seal.status == "affixed", Seal.departure <= now)
                                 .order_by(Seal.id).with_for_update()))
    raised: list[int] = []
    known = alert_service.existing(session, [s.id for s in seals])
    window = WINDOW.total_seconds()
    cols = (SealEvent.seal_id, SealEvent.seq, SealEvent.device_ts, SealEvent.received_ts, SealEvent.lat,
            SealEvent.lon, SealEvent.status, SealEvent.battery)
    for seal in seals:
        own = session.execute(select(*cols).where(SealEvent.seal_pk == seal.id))
        others = session.execute(select(*cols).where(
            SealEvent.container == seal.container, SealEvent.seal_id != seal.seal_id,
            SealEvent.economy == seal.economy, SealEvent.received_ts >= seal.departure.timestamp() - window))
        reports = [Report(*r) for r in own] + [Report(*r) for r in others]
        raised += _detect_and_record(session, seal=seal, reports=reports, cfg=cfg, actor=actor, known=known,
                                     now=now.timestamp())
    return raised
