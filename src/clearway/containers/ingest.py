"""Take seal events in batches (HTTP or MQTT), place each on its journey and check its signature
(containers/acceptance.py), store each (journey, sequence number) once, refuse and count malformed, unsigned,
forged, replayed and conflicting ones with their reason, and run the tamper detector on every journey the
batch touches (containers/detection.py).

The whole batch is one transaction: its events, its refusals, its audit record and the alerts it raises."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import and_, bindparam, insert, or_, select
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

from clearway.audit.service import append_event
from clearway.containers import acceptance, bounds, detection
from clearway.containers import alerts as alert_service
from clearway.containers.detection import CHUNK
from clearway.containers.models import Seal, SealEvent, SealEventRefusal
from clearway.containers.thresholds import DetectorConfig, configured
from clearway.containers.schemas import EventIn
from clearway.containers.timeline import WINDOW
from clearway.db import utcnow
from clearway.validation import field_errors


@dataclass
class Outcome:
    received: int = 0
    stored: int = 0
    duplicates: int = 0
    refused: int = 0
    refusals: list[dict[str, Any]] = field(default_factory=list)
    alerts: list[int] = field(default_factory=list)

    def add(self, other: Outcome) -> None:
        self.received += other.received
        self.stored += other.stored
        self.duplicates += other.duplicates
        self.refused += other.refused
        self.refusals += other.refusals
        self.alerts += other.alerts


# What stores a batch: `ingest` below, or flows.seals.ingest, which also holds the declarations carrying the
# alerted containers. A domain does not call flows, so what stores batches on its own (the MQTT listener, the
# simulator, the demo) is handed the flow by its caller.
Ingest = Callable[..., Outcome]


def _reason(exc: ValidationError) -> str:
    parts = []
    for e in field_errors(exc.errors(include_url=False)):
        reason = e.reason.removeprefix("value error, ")
        parts.append(f"{e.path}: {reason}")
    return "; ".join(parts)


def validate(raw: list[Any], *, topic_seal: str | None = None
             ) -> tuple[list[tuple[int, EventIn]], list[dict[str, Any]]]:
    """The well-formed events with their index, and a refusal {index, seal_id, reason} for each malformed one."""
    good: list[tuple[int, EventIn]] = []
    bad: list[dict[str, Any]] = []
    for i, item in enumerate(raw):
        seal_id = item.get("seal_id") if isinstance(item, dict) else None
        seal_id = seal_id if isinstance(seal_id, str) else None
        if not isinstance(item, dict):
            bad.append({"index": i, "seal_id": topic_seal, "reason": "an event must be a JSON object"})
            continue
        if topic_seal is not None:
            if seal_id is None:
                item = {**item, "seal_id": topic_seal}
                seal_id = topic_seal
            elif seal_id != topic_seal:
                bad.append({"index": i, "seal_id": seal_id,
                            "reason": f"seal_id: {seal_id} differs from the topic's seal {topic_seal}"})
                continue
        try:
            good.append((i, EventIn.model_validate(item)))
        except ValidationError as exc:
            bad.append({"index": i, "seal_id": seal_id, "reason": _reason(exc)})
    return good, bad


def foreign(event: EventIn, *, economy: str, seal_owners: dict[str, set[str]],
            box_owners: dict[str, set[str]]) -> str | None:
    """Why an event sent by `economy` is not its to send: its seal, or the container it names, travels on a
    journey of another economy. Events are accepted only within the economy of the journey."""
    for name, value, owners in (("seal_id", event.seal_id, seal_owners),
                                ("container", event.container, box_owners)):
        mine = owners.get(value or "", set())
        if mine and economy not in mine:
            whose = ", ".join(sorted(mine))
            return (f"{name}: {value} travels on a journey of {whose}; its events are accepted only from "
                    f"{whose}, not from {economy}")
    return None


def _screen(session: Session, events: list[Any], *, economy: str, now: datetime, topic_seal: str | None
            ) -> tuple[list[tuple[int, EventIn]], list[dict[str, Any]], list[Seal]]:
    """The events to store, the refusals (malformed, times out of bounds, another economy's journey) by
    index, and the live journeys the batch may be about (locked)."""
    checked, bad = validate(events, topic_seal=topic_seal)
    good: list[tuple[int, EventIn]] = []
    for i, e in checked:
        reason = bounds.problem(e, now=now)
        if reason:
            bad.append({"index": i, "seal_id": e.seal_id, "reason": reason})
        else:
            good.append((i, e))
    seals = _journeys(session, {e.seal_id for _, e in good}, {e.container for _, e in good if e.container}, now)
    seal_owners: dict[str, set[str]] = defaultdict(set)
    box_owners: dict[str, set[str]] = defaultdict(set)
    for s in seals:
        seal_owners[s.seal_id].add(s.economy)
        box_owners[s.container].add(s.economy)
    mine: list[tuple[int, EventIn]] = []
    for i, e in good:
        reason = foreign(e, economy=economy, seal_owners=seal_owners, box_owners=box_owners)
        if reason:
            bad.append({"index": i, "seal_id": e.seal_id, "reason": reason})
        else:
            mine.append((i, e))
    bad.sort(key=lambda b: b["index"])
    return mine, bad, seals


def ingest(session: Session, *, events: list[Any], source: str, actor: str, economy: str,
           cfg: DetectorConfig | None = None, topic_seal: str | None = None, raw_text: list[str] | None = None,
           now: datetime | None = None, memo: detection.Memo | None = None) -> Outcome:
    """Store a batch of raw events (dicts as decoded from JSON) sent by a gateway of `economy`, and detect.
    Each report is placed on its journey and checked against the device key (containers/acceptance.py);
    idempotent per (journey, seq): a repeat with other content is refused and raises an alert. `memo`: a
    long-lived writer's reports of the journeys read in its earlier batches (detection.Memo)."""
    cfg = cfg or configured()
    now = now or utcnow()
    mine, bad, seals = _screen(session, events, economy=economy, now=now, topic_seal=topic_seal)
    keyed = [_keyed(s) for s in seals if s.economy == economy]
    verdict = acceptance.accept([(i, e, bounds.receipt(e, now=now).timestamp()) for i, e in mine], keyed)
    refused = verdict.refused
    # each (journey, seq) once: what was stored first stands, a repeat is dropped, other content is a conflict
    batch: dict[tuple[int, int], list[tuple[int, EventIn, float]]] = defaultdict(list)
    for i, e, pk, received in verdict.accepted:
        batch[(pk, e.seq)].append((i, e, received))
    out = Outcome(received=len(events))
    if batch:
        known = _known(session, batch)
        fresh = []
        for k, entries in batch.items():
            first = known.get(k)
            if first is None:
                fresh.append((k[0], entries[0][1], entries[0][2]))
                first, entries = entries[0][1], entries[1:]
            for i, e, _ in entries:
                if acceptance.same(first, e):
                    out.duplicates += 1
                else:
                    refused.append(acceptance.conflict(i, e, first, k[0]))
        if fresh:
            _insert_new(session, [(e.seal_id, pk, e.seq, economy, e.container, e.device_time,
                                   datetime.fromtimestamp(received, UTC), e.device_time.timestamp(), received,
                                   e.lat, e.lon, e.status, e.battery, source) for pk, e, received in fresh])
            out.stored = len(fresh)
            pks, boxes = {pk for pk, _, _ in fresh}, {e.container for _, e, _ in fresh if e.container}
            touched = [s for s in seals if s.economy == economy and (s.id in pks or s.container in boxes)]
            out.alerts = detection.detect_on(session, touched, cfg=cfg, actor=actor, economy=economy,
                                              memo=memo)
    if refused:
        out.alerts += _refusal_alerts(session, refused, seals, keyed, cfg=cfg, actor=actor)
    bad = sorted(bad + [r.as_refusal() for r in refused], key=lambda b: b["index"])
    out.refused, out.refusals = len(bad), [{k: b[k] for k in ("index", "seal_id", "reason")} for b in bad]
    if bad:
        session.execute(insert(SealEventRefusal), [
            {"at": now, "economy": economy, "source": source,
             "seal_id": (b["seal_id"] or None) and b["seal_id"][:64], "reason": b["reason"],
             "seal_pk": b.get("seal_pk"), "kind": b.get("kind"),
             "payload": (raw_text[b["index"]] if raw_text and b["index"] < len(raw_text)
                         else _snippet(events[b["index"]]))[:500]} for b in bad])
    if out.stored or out.refused:
        append_event(session, actor=actor, action="seal.events.received", entity_type="seal_events",
                     entity_id=source, data={"economy": economy, "stored": out.stored,
                                             "duplicates": out.duplicates, "refused": out.refused,
                                             "alerts": out.alerts})
    return out


def _keyed(seal: Seal) -> acceptance.Keyed:
    return acceptance.Keyed(seal.id, seal.seal_id, seal.container, seal.departure.timestamp(),
                            seal.removed_at.timestamp() if seal.removed_at else None,
                            bytes.fromhex(seal.device_key) if seal.device_key else None)


def _refusal_alerts(session: Session, refused: list[acceptance.Refused], seals: list[Seal],
                    keyed: list[acceptance.Keyed], *, cfg: DetectorConfig, actor: str) -> list[int]:
    """Record the alerts the refused reports justify (reports failing verification, conflicting repeats, an
    unknown seal reporting for a container under seal): the ids of those newly raised."""
    found = acceptance.alerts_for(refused, keyed, foreign_enabled=cfg.foreign_seal.enabled,
                                  foreign_severity=cfg.foreign_seal.severity,
                                  earlier=_refused_before(session, {r.seal_pk for r in refused
                                                                    if r.kind in acceptance.UNVERIFIED}))
    if not found:
        return []
    by_pk = {s.id: s for s in seals}
    known = alert_service.existing(session, sorted({pk for pk, _ in found}))
    rows = (alert_service.record(session, seal=by_pk[pk], found=alert, actor=actor,
                                 existing=known.get((pk, alert.rule), [])) for pk, alert in found)
    return [row.id for row in rows if row is not None]


def _refused_before(session: Session, pks: set[int | None]) -> dict[int, tuple[dict[str, int], str]]:
    """Per journey, the unverified reports refused by earlier batches: count per kind, and the reason of the
    first of them."""
    wanted = sorted(pk for pk in pks if pk is not None)
    if not wanted:
        return {}
    out: dict[int, tuple[dict[str, int], str]] = {}
    rows = session.execute(select(SealEventRefusal.seal_pk, SealEventRefusal.kind, SealEventRefusal.reason)
                           .where(SealEventRefusal.seal_pk.in_(wanted),
                                  SealEventRefusal.kind.in_(acceptance.UNVERIFIED))
                           .order_by(SealEventRefusal.id))
    for pk, kind, reason in rows:
        counts, _ = out.setdefault(pk, ({}, reason))
        counts[kind] = counts.get(kind, 0) + 1
    return out


def refuse(session: Session, *, source: str, economy: str, reason: str, payload: str,
           seal_id: str | None = None) -> None:
    """Count a message that is not even a list of events (bad JSON, wrong topic...)."""
    session.add(SealEventRefusal(at=utcnow(), economy=economy, source=source, seal_id=seal_id, reason=reason,
                                 payload=payload[:500]))


def _snippet(value: Any) -> str:
    try:
        return json.dumps(value, default=str)
    except (TypeError, ValueError):
        return repr(value)


def _insert_new(session: Session, rows: list[tuple[Any, ...]]) -> None:
    """Insert new reports, given as tuples in the order of _COLUMNS, with one executemany: the values go
    through the columns' own bind processing (the UTC times), without SQLAlchemy's per-row machinery. A
    concurrent writer may have stored the same (seal, seq) meanwhile: then it is simply a repeat."""
    conn = session.connection()
    sql, processors = _insert_plan(conn.dialect)
    if processors:
        prepared = []
        for row in rows:
            values = list(row)
            for i, process in processors:
                values[i] = process(values[i])
            prepared.append(tuple(values))
        rows = prepared
    conn.exec_driver_sql(sql, rows)


_COLUMNS = ("seal_id", "seal_pk", "seq", "economy", "container", "device_time", "received_at", "device_ts",
            "received_ts", "lat", "lon", "status", "battery", "source")


@cache
def _insert_plan(dialect: Dialect) -> tuple[str, tuple[tuple[int, Callable[[Any], Any]], ...]]:
    """The INSERT ... ON CONFLICT DO NOTHING of _COLUMNS in the driver's placeholders (SQLite and
    PostgreSQL share the syntax), and the bind processor of each column that has one, by position."""
    table = SealEvent.__table__
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    sql = (f"INSERT INTO {table.name} ({', '.join(_COLUMNS)}) VALUES ({', '.join([mark] * len(_COLUMNS))}) "
           f"ON CONFLICT (seal_pk, seq) DO NOTHING")
    processors = ((i, table.c[name].type.bind_processor(dialect)) for i, name in enumerate(_COLUMNS))
    return sql, tuple((i, f) for i, f in processors if f is not None)


def _known(session: Session, batch: dict[tuple[int, int], Any]) -> dict[tuple[int, int], SealEvent]:
    """Which (journey, seq) of the batch are stored already, with what they said. Each journey is asked for
    the runs of sequence numbers the batch holds of it (a range across journeys, or across one journey's
    stretch with a replayed report in it, would read most of the store); RUNS runs a statement."""
    seqs: dict[int, list[int]] = defaultdict(list)
    for pk, seq in batch:
        seqs[pk].append(seq)
    runs: list[tuple[int, int, int]] = []
    for pk in sorted(seqs):
        ordered = sorted(seqs[pk])
        lo = hi = ordered[0]
        for seq in ordered[1:]:
            if seq - hi > _STRIDE:
                runs.append((pk, lo, hi))
                lo = seq
            hi = seq
        runs.append((pk, lo, hi))
    known: dict[tuple[int, int], SealEvent] = {}
    for i in range(0, len(runs), _RUNS):
        part = runs[i:i + _RUNS]
        part += [part[-1]] * (_RUNS - len(part))  # one statement, built and compiled once (a repeat is harmless)
        params = {f"{name}{n}": v for n, run in enumerate(part) for name, v in zip(("pk", "lo", "hi"), run)}
        for row in session.execute(_KNOWN, params):
            if (row.seal_pk, row.seq) in batch:
                known[(row.seal_pk, row.seq)] = row
    return known


_STRIDE = 16  # a hole in a journey's sequence numbers wider than this starts another run
_RUNS = CHUNK // 4  # three parameters a run


# what a stored report said: what a repeat is compared with
_CONTENT = (SealEvent.seal_pk, SealEvent.seal_id, SealEvent.seq, SealEvent.device_time, SealEvent.lat,
            SealEvent.lon, SealEvent.status, SealEvent.battery, SealEvent.container)
# the stored reports of _RUNS runs (journey, first seq, last seq)
_KNOWN = select(*_CONTENT).where(or_(*(and_(SealEvent.seal_pk == bindparam(f"pk{n}"),
                                            SealEvent.seq.between(bindparam(f"lo{n}"), bindparam(f"hi{n}")))
                                       for n in range(_RUNS))))


def _journeys(session: Session, seal_ids: set[str], containers: set[str], now: datetime) -> list[Seal]:
    """The journeys these reports may be about, locked (PostgreSQL; SQLite has one writer anyway) in
    ascending id order, so that listeners side by side detect on one journey one after the other, each
    seeing the other's events and alerts, and never deadlock."""
    live = or_(Seal.status == "affixed", Seal.removed_at >= now - WINDOW)
    ids: set[int] = set()
    for values, column in ((sorted(seal_ids), Seal.seal_id), (sorted(containers), Seal.container)):
        for i in range(0, len(values), CHUNK):
            ids.update(session.scalars(select(Seal.id).where(column.in_(values[i:i + CHUNK]), live)))
    ordered = sorted(ids)
    seals: list[Seal] = []
    for i in range(0, len(ordered), CHUNK):
        seals += session.scalars(select(Seal).where(Seal.id.in_(ordered[i:i + CHUNK])).order_by(Seal.id)
                                 .with_for_update())
    return seals
