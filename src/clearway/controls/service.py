"""Raise, list and close findings. Runs inside the caller's transaction; every change is audited."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Select, bindparam, insert, select
from sqlalchemy.orm import Session

from clearway.audit.service import append_event, append_rows, event_row
from clearway.controls.core import LANES, mandatory_lane
from clearway.controls.models import Finding
from clearway.db import driver_cursor, id_batches, returned_rows, stored_time, utcnow


def raise_finding(session: Session, *, declaration_id: int, mrn: str, source: str, code: str, lane: str,
                  reason: str, actor: str, reference: str | None = None,
                  evidence: dict[str, Any] | None = None) -> Finding:
    """Idempotent per (declaration, source, code, reference): an open twin is returned as is."""
    _check_lane(lane)
    twin = session.scalars(select(Finding).where(
        Finding.declaration_id == declaration_id, Finding.source == source, Finding.code == code,
        Finding.reference == reference if reference is not None else Finding.reference.is_(None),
        Finding.closed_at.is_(None))).first()
    if twin is not None:
        return twin
    finding = Finding(declaration_id=declaration_id, source=source, code=code, lane=lane, reason=reason,
                      reference=reference, evidence=evidence, raised_at=utcnow())
    session.add(finding)
    session.flush()
    append_rows(session, [_raised_event(actor=actor, mrn=mrn, finding_id=finding.id, source=source, code=code,
                                        lane=lane, reason=reason)])
    return finding


def _check_lane(lane: str) -> None:
    if lane not in LANES[1:]:
        raise ValueError(f"a finding requires yellow or red, not {lane!r}")


def _raised_event(*, actor: str, mrn: str, finding_id: int, source: str, code: str, lane: str,
                  reason: str) -> dict[str, Any]:
    return event_row(actor=actor, action="finding.raised", entity_type="declaration", entity_id=mrn,
                     data={"finding": finding_id, "source": source, "code": code, "lane": lane, "reason": reason})


class Raised(NamedTuple):
    """A finding raised on a declaration lodged in this transaction, as written (what its answer shows of it,
    with no read-back: a new declaration's open findings are exactly those raised with it)."""

    id: int
    declaration_id: int
    source: str
    code: str
    lane: str
    reason: str
    reference: str | None
    raised_at: datetime


def raise_on_new(session: Session, *, findings: list[dict[str, Any]], actor: str) -> list[Raised]:
    """`raise_finding` of many findings at once on declarations lodged in this transaction, which hold no finding
    yet (so no twin to look for): one insert and one audit append for all. Each of `findings` holds
    raise_finding's arguments declaration_id, mrn, source, code, lane, reason, reference and evidence; they come
    back as written, in order."""
    if not findings:
        return []
    for f in findings:
        _check_lane(f["lane"])
    at = utcnow()
    ids = _insert_findings(session, findings, at=at)
    append_rows(session, [_raised_event(actor=actor, mrn=f["mrn"], finding_id=i, source=f["source"], code=f["code"],
                                        lane=f["lane"], reason=f["reason"]) for i, f in zip(ids, findings)])
    return [Raised(i, f["declaration_id"], f["source"], f["code"], f["lane"], f["reason"], f.get("reference"), at)
            for i, f in zip(ids, findings)]


_COLUMNS = ("declaration_id", "source", "code", "lane", "reason", "reference", "evidence", "raised_at")


def _insert_findings(session: Session, findings: list[dict[str, Any]], *, at: datetime) -> list[int]:
    """The findings' rows, written on the driver's cursor as SQLAlchemy writes them (evidence as json.dumps text,
    None as JSON null; the time as db.stored_time), their ids in order: SQLAlchemy's insert of many rows with
    RETURNING in order cost about 40 us of interpreter time a row (issue 16)."""
    dialect = session.get_bind().dialect.name
    if dialect not in ("sqlite", "postgresql"):
        table = Finding.__table__
        rows = [{k: v for k, v in f.items() if k != "mrn"} | {"raised_at": at} for f in findings]
        return list(session.connection().execute(insert(table).returning(table.c.id, sort_by_parameter_order=True),
                                                 rows).scalars())
    when = stored_time(dialect, at)
    values = [[f["declaration_id"], f["source"], f["code"], f["lane"], f["reason"], f.get("reference"),
               json.dumps(f.get("evidence")), when] for f in findings]
    mark, evidence = ("%s", "CAST(%s AS JSON)") if dialect == "postgresql" else ("?", "?")
    sql = (f"INSERT INTO {Finding.__tablename__} ({', '.join(_COLUMNS)}) VALUES "
           f"({', '.join([mark] * 6)}, {evidence}, {mark}) RETURNING id")
    cursor = driver_cursor(session)
    if dialect == "sqlite":
        return [cursor.execute(sql, row).fetchone()[0] for row in values]
    cursor.executemany(sql, values, returning=True)
    return [ident for ident, in returned_rows(cursor)]


_OPEN = select(Finding).where(Finding.declaration_id == bindparam("declaration"),
                              Finding.closed_at.is_(None)).order_by(Finding.id)  # built once: read by every lane and view


def open_findings(session: Session, *, declaration_id: int) -> list[Finding]:
    return list(session.scalars(_OPEN, {"declaration": declaration_id}))


def required_lane(session: Session, *, declaration_id: int) -> str:
    """The least lane the open findings force (green if none)."""
    return mandatory_lane([f.lane for f in open_findings(session, declaration_id=declaration_id)])


def close_finding(session: Session, *, finding: Finding, mrn: str, actor: str, resolution: str) -> Finding:
    finding.closed_at, finding.closed_by, finding.resolution = utcnow(), actor, resolution
    session.flush()
    append_event(session, actor=actor, action="finding.closed", entity_type="declaration", entity_id=mrn,
                 data={"finding": finding.id, "resolution": resolution})
    return finding


def close_by_reference(session: Session, *, source: str, reference: str, actor: str, resolution: str,
                       mrn_of: Any) -> list[Finding]:
    """Close every open finding of `source` about `reference` (e.g. an alert closed by an officer).
    `mrn_of(declaration_id)` names the declaration for the audit record."""
    found = list(session.scalars(select(Finding).where(Finding.source == source, Finding.reference == reference,
                                                       Finding.closed_at.is_(None))))
    return [close_finding(session, finding=f, mrn=mrn_of(f.declaration_id), actor=actor, resolution=resolution)
            for f in found]


def open_by_declaration(session: Session, *, declaration_ids: list[int] | Select[Any]) -> dict[int, list[Finding]]:
    """The open findings of many declarations at once (the officer's queue), oldest first; `declaration_ids` is
    a list or a subquery of ids."""
    out: dict[int, list[Finding]] = {}
    for part in id_batches(declaration_ids):
        for f in session.scalars(select(Finding).where(Finding.declaration_id.in_(part),
                                                       Finding.closed_at.is_(None)).order_by(Finding.id)):
            out.setdefault(f.declaration_id, []).append(f)
    return out


def held_declarations() -> Any:
    """A subquery of the declarations an open finding holds."""
    return select(Finding.declaration_id).where(Finding.closed_at.is_(None))


def findings_of(session: Session, *, declaration_id: int) -> list[Finding]:
    """Every finding on the declaration, open and closed, oldest first (the case file)."""
    return list(session.scalars(select(Finding).where(Finding.declaration_id == declaration_id).order_by(Finding.id)))
