"""The tamper detector run against the store: the journeys a batch of events touched (after ingest), or every
journey in transit with the clock in hand (the sweep). What it finds is recorded as alerts (containers/alerts.py);
the declarations an alert holds are the flow's (flows/seals.py)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from clearway.containers import alerts as alert_service
from clearway.containers.models import Seal, SealAlert, SealEvent
from clearway.containers.thresholds import DetectorConfig, configured
from clearway.containers.tamper import Report, detect
from clearway.containers.timeline import WINDOW, journey
from clearway.db import utcnow

CHUNK = 400  # values in one IN (...) list: SQLite and PostgreSQL cap the parameters of a statement


def detect_on(session: Session, seals: list[Seal], *, cfg: DetectorConfig, actor: str, economy: str) -> list[int]:
    """Detect on these journeys of `economy` and record the alerts: the ids of those newly raised."""
    raised: list[int] = []
    for i in range(0, len(seals), CHUNK):
        raised += _detect_some(session, seals[i:i + CHUNK], cfg=cfg, actor=actor, economy=economy)
    return raised


def _detect_some(session: Session, seals: list[Seal], *, cfg: DetectorConfig, actor: str,
                 economy: str) -> list[int]:
    """Detect on journeys of one economy, from that economy's reports only."""
    pks = {s.id for s in seals}
    boxes = {s.container for s in seals}
    window = WINDOW.total_seconds()
    since = min(s.departure for s in seals).timestamp() - window
    cols = (SealEvent.seal_pk, SealEvent.seal_id, SealEvent.seq, SealEvent.container, SealEvent.device_ts,
            SealEvent.received_ts, SealEvent.lat, SealEvent.lon, SealEvent.status, SealEvent.battery)
    by_seal: dict[int, list[Report]] = defaultdict(list)
    by_box: dict[str, list[Report]] = defaultdict(list)
    # plain columns (no ORM entities): read through the session's connection, without the ORM's row handling,
    # all at once (iterating a result fetches row by row)
    rows = session.connection().execute(
        select(*cols).where(or_(SealEvent.seal_pk.in_(pks), SealEvent.container.in_(boxes)),
                            SealEvent.economy == economy, SealEvent.received_ts >= since)).all()
    for pk, sid, seq, box, dt, rt, lat, lon, st, bat in rows:
        r = Report(sid, seq, dt, rt, lat, lon, st, bat)
        if pk in pks:
            by_seal[pk].append(r)
        if box is not None and box in boxes:
            by_box[box].append(r)
    known = alert_service.existing(session, [s.id for s in seals])
    raised: list[int] = []
    for seal in seals:
        lo = seal.departure.timestamp() - window
        hi = seal.removed_at.timestamp() + window if seal.removed_at else float("inf")
        reports = list(by_seal.get(seal.id, ()))  # its own reports: those received during the journey
        reports += [r for r in by_box.get(seal.container, ())
                    if r.seal_id != seal.seal_id and lo <= r.received_at <= hi]
        raised += _detect_and_record(session, seal=seal, reports=reports, cfg=cfg, actor=actor, known=known)
    return raised


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
