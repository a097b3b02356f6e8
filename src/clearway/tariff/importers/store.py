"""Whole schedules in the database: replace an economy's MFN and preference measures in one bulk insert, and
read the loaded schedule back once per change (cached per process), so a quote does not re-read a schedule
of a hundred thousand measures.

Runs inside the caller's transaction; the load appends its audit event."""

from __future__ import annotations

import json
import threading
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, delete, func, insert, select
from sqlalchemy.orm import Session

from clearway.audit.models import AuditEvent
from clearway.audit.service import append_event
from clearway.db import utcnow
from clearway.tariff import expressions, schedule
from clearway.tariff.models import TariffMeasure

REPLACED = ("mfn", "preference")  # what a whole-schedule import replaces; excise, vat and fee measures stay
_CACHE: dict[tuple[str, str], tuple[tuple, schedule.Schedule]] = {}
_LOCK = threading.Lock()


# `fingerprint`'s statements, built once: every assessment and quote asks.
_LAST_EVENT = (select(AuditEvent.hash).where(
    AuditEvent.entity_id == bindparam("economy"), AuditEvent.entity_type == "tariff_schedule",
    AuditEvent.action.in_(("tariff.schedule_imported", "tariff.schedule_loaded")))
    .order_by(AuditEvent.seq.desc()).limit(1))
_COUNT = select(func.count(TariffMeasure.id), func.max(TariffMeasure.loaded_at)).where(
    TariffMeasure.economy == bindparam("economy"))


def fingerprint(session: Session, economy: str) -> tuple:
    """Changes whenever the economy's loaded measures change. Every load and import appends an audit event
    in the same transaction, so the hash of the economy's last schedule event identifies its rows (one
    indexed lookup); without such an event the rows themselves are counted."""
    last = session.execute(_LAST_EVENT, {"economy": economy}).scalar()
    if last is not None:
        return ("event", last)
    n, newest = session.execute(_COUNT, {"economy": economy}).one()
    return ("rows", n, newest)


def loaded_schedule(session: Session, economy: str) -> schedule.Schedule | None:
    """The economy's loaded schedule (None when nothing is loaded), built once per change of its rows.
    The rows were validated when they were loaded; here they are only turned back into measures."""
    key = (str(session.get_bind().url), economy)
    fp = fingerprint(session, economy)
    with _LOCK:
        hit = _CACHE.get(key)
    if hit is not None and hit[0] == fp:
        return hit[1]
    if fp == ("rows", 0, None):  # nothing loaded (the shipped schedule is used): two statements, not four
        return None
    t = TariffMeasure
    rows = session.execute(select(t.code, t.type, t.rate, t.currency, t.valid_from, t.valid_to, t.agreement, t.origins,
                                  t.base, t.description, t.legal_basis, t.source, t.note, t.min_value, t.max_value)
                           .where(t.economy == economy).order_by(t.id)).all()  # tuples: no ORM objects to build
    built = from_rows(economy, rows)
    with _LOCK:
        _CACHE[key] = (fp, built)
    return built


def from_rows(economy: str, rows: list[Any]) -> schedule.Schedule:
    nodes: dict[tuple[str, str], expressions.Node] = {}
    measures = []
    for r in rows:
        node = nodes.get((r.rate, r.currency))
        if node is None:
            node = nodes[(r.rate, r.currency)] = expressions.parse(r.rate, r.currency)
        measures.append(schedule.Measure(
            economy=economy, code=r.code, type=r.type, rate=r.rate, expression=node, valid_from=r.valid_from,
            valid_to=r.valid_to, agreement=r.agreement, origins=tuple(r.origins or ()), base=r.base,
            description=r.description, legal_basis=r.legal_basis, source=r.source, note=r.note,
            min_value=r.min_value, max_value=r.max_value))
    return schedule.Schedule(economy=economy, currency=rows[0].currency, name=f"{economy} loaded schedule",
                             measures=measures)


def replace(session: Session, *, doc: dict[str, Any], actor: str, file: str, validate: bool = True,
            others: list[schedule.Measure] | None = None, fallback: list[schedule.Measure] = ()) -> dict[str, Any]:
    """Replace the economy's MFN and preference measures by the document's. Its other loaded measures
    (excise, vat, fee) stay; when none are loaded, those of the shipped demo schedule are loaded beside
    it (`others`), so an imported schedule keeps the economy's excise and tax rules.

    `fallback`: MFN or preference measures stored beside the document's (the demo keeps its own lines where
    the publication gives no rate at that code). validate=False only for documents Clearway ships (checked
    when derived and by the test suite)."""
    economy = str(doc["economy"]).upper()
    if validate:
        schedule.parse_document(doc)  # every problem reported with its path; nothing stored before this
    kept = session.scalar(select(func.count(TariffMeasure.id)).where(
        TariffMeasure.economy == economy, TariffMeasure.type.not_in(REPLACED))) or 0
    session.execute(delete(TariffMeasure).where(TariffMeasure.economy == economy, TariffMeasure.type.in_(REPLACED)))
    now = utcnow()
    rows = [_row(economy, doc["currency"], m, now) for m in doc["measures"]]
    if not kept:
        base = others if others is not None else _shipped_others(economy)
        rows += [_row(economy, doc["currency"], m.as_dict(), now) for m in base]
    rows += [_row(economy, doc["currency"], m.as_dict(), now) for m in fallback]
    for start in range(0, len(rows), 5000):  # a Core insert: one executemany per batch
        session.execute(insert(TariffMeasure.__table__), rows[start:start + 5000])
    session.flush()
    append_event(session, actor=actor, action="tariff.schedule_imported", entity_type="tariff_schedule",
                 entity_id=economy, data={"measures": len(doc["measures"]), "file": file, "name": doc.get("name"),
                                          "unrated_lines": doc.get("unrated_lines") or []})
    return {"economy": economy, "measures": len(doc["measures"]), "kept_or_added_other": kept or (len(rows) -
                                                                                                   len(doc["measures"]))}


def _shipped_others(economy: str) -> list[schedule.Measure]:
    demo = schedule.builtin(economy)
    return [m for m in demo.measures if m.type not in REPLACED] if demo else []


def _row(economy: str, currency: str, m: dict[str, Any], now: Any) -> dict[str, Any]:
    day = lambda v: date.fromisoformat(v) if isinstance(v, str) else v  # noqa: E731
    money = lambda v: Decimal(str(v)) if v not in (None, "") else None  # noqa: E731
    return {"economy": economy, "currency": currency, "code": str(m["code"]).replace(".", ""), "type": m["type"],
            "rate": m["rate"], "agreement": m.get("agreement"), "origins": list(m["origins"]) if m.get("origins")
            else None, "base": m.get("base"), "valid_from": day(m.get("valid_from")), "valid_to": day(m.get("valid_to")),
            "description": m.get("description"), "legal_basis": m.get("legal_basis"), "source": m.get("source"),
            "note": m.get("note"), "min_value": money(m.get("min_value")), "max_value": money(m.get("max_value")),
            "loaded_at": now}


def unrated_lines(session: Session, economy: str) -> list[str]:
    """The national lines whose MFN rate the last whole-schedule import refused ([] after a plain load)."""
    last = session.execute(select(AuditEvent.action, AuditEvent.data).where(
        AuditEvent.entity_type == "tariff_schedule", AuditEvent.entity_id == economy,
        AuditEvent.action.in_(("tariff.schedule_imported", "tariff.schedule_loaded")))
        .order_by(AuditEvent.seq.desc()).limit(1)).first()
    if last is None or last.action != "tariff.schedule_imported":
        return []
    return list(json.loads(last.data).get("unrated_lines") or [])
