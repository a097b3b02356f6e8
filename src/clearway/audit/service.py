"""Append to the audit log, seal it in blocks, verify it. Appends happen inside the caller's transaction and
take no lock that another writer needs; sealing runs on its own (the server every second, or
`clearway audit seal`). See docs/audit.md for the design and what it guarantees."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import and_, func, select, text
from sqlalchemy.orm import Session

from clearway.audit import signing
from clearway.audit.core import (GENESIS, Checkpoint, StoredEvent, canonical, event_hash, expand, first_bad_event,
                                 leaf_hash, merkle_root, ranges, split_hashes)
from clearway.audit.models import AuditBlock, AuditEvent
from clearway.db import COPY_FROM, driver_cursor, stored_time, utcnow

_EVENTS = AuditEvent.__table__
# Each event carries its writing transaction's id on PostgreSQL (13+: a 64-bit id that never wraps).
_COLUMNS = "at, actor, action, entity_type, entity_id, data, hash"
# Written out, run as it stands on the driver's cursor: every state change appends here, so no SQL is built per call.
_INSERT = {
    "postgresql": f"INSERT INTO audit_events ({_COLUMNS}, txid) VALUES (%(at)s, %(actor)s, %(action)s, "
                  "%(entity_type)s, %(entity_id)s, %(data)s, %(hash)s, pg_current_xact_id()::text::bigint)",
    "sqlite": f"INSERT INTO audit_events ({_COLUMNS}) VALUES (:at, :actor, :action, :entity_type, :entity_id, "
              ":data, :hash)",
}
# Sealers of several processes take turns by this advisory lock (PostgreSQL); writers never take it.
_SEALER_LOCK = 0x41554454
BLOCK_LIMIT = 10_000


APPENDED = "clearway.audit.appended"  # connection info key: (action, data) of the events appended, until commit


def event_row(*, actor: str, action: str, entity_type: str, entity_id: str,
              data: dict[str, Any] | None = None) -> dict[str, Any]:
    """The values of one event, its content hash included (for `append_rows`)."""
    at = utcnow()
    text = canonical(data or {})
    return dict(at=at, actor=actor, action=action, entity_type=entity_type, entity_id=entity_id, data=text,
                hash=event_hash(at=at, actor=actor, action=action, entity_type=entity_type, entity_id=entity_id,
                                data=text))


def renamed(row: dict[str, Any], entity_id: str) -> dict[str, Any]:
    """An event made by `event_row`, not appended yet, about `entity_id` instead (its hash made again): a
    declaration's events made before its MRN was drawn (declarations.service.number)."""
    fields = {k: row[k] for k in ("at", "actor", "action", "entity_type", "data")}
    return {**row, "entity_id": entity_id, "hash": event_hash(entity_id=entity_id, **fields)}


def append_rows(session: Session, rows: list[dict[str, Any]]) -> None:
    """Insert events made by `event_row`, in one statement (several rows: one executemany)."""
    if rows:
        dialect = session.get_bind().dialect.name
        for row in rows:
            row["at"] = stored_time(dialect, row["at"])
        cursor = driver_cursor(session)
        if dialect == "postgresql" and len(rows) >= COPY_FROM:  # a batch's events: COPY, the transaction's id read once
            txid = cursor.execute("SELECT pg_current_xact_id()::text::bigint").fetchone()[0]
            with cursor.copy(f"COPY audit_events ({_COLUMNS}, txid) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row([row["at"], row["actor"], row["action"], row["entity_type"], row["entity_id"],
                                    row["data"], row["hash"], txid])
        else:
            cursor.executemany(_INSERT["postgresql" if dialect == "postgresql" else "sqlite"], rows)
        # For observers (clearway.observe counts lanes and seal events when the transaction commits): these
        # inserts bypass SQLAlchemy's execute events, so they are listed on the connection until it ends.
        session.connection().info.setdefault(APPENDED, []).extend((r["action"], r["data"]) for r in rows)


def append_event(session: Session, *, actor: str, action: str, entity_type: str, entity_id: str,
                 data: dict[str, Any] | None = None) -> None:
    append_rows(session, [event_row(actor=actor, action=action, entity_type=entity_type, entity_id=entity_id,
                                    data=data)])


# ---- sealing ---------------------------------------------------------------------------------------


def seal(session: Session, *, key: Ed25519PrivateKey | None, limit: int = BLOCK_LIMIT) -> AuditBlock | None:
    """Gather committed events not yet sealed into the next block (at most about `limit`), or None when there
    are none (or another process is sealing). On PostgreSQL an event is taken once every transaction that
    could still write one before it has ended: those with ids below the oldest transaction still running
    (pg_snapshot_xmin). SQLite has one writer at a time, so every visible event is committed."""
    pg = session.get_bind().dialect.name == "postgresql"
    if pg and not session.execute(select(func.pg_try_advisory_xact_lock(_SEALER_LOCK))).scalar():
        return None
    last = session.scalars(select(AuditBlock).order_by(AuditBlock.number.desc()).limit(1)).one_or_none()
    low = last.horizon if last else 0
    if pg:
        high = _settled_below(session)
        # Cut between transactions, never inside one, so that the next block starts where this one ends.
        cut = session.execute(select(_EVENTS.c.txid).where(_EVENTS.c.txid >= low, _EVENTS.c.txid < high)
                              .order_by(_EVENTS.c.txid).offset(limit).limit(1)).scalar()
        if cut is not None:
            high = max(cut, low + 1)
        taken = and_(_EVENTS.c.txid >= low, _EVENTS.c.txid < high)
        rows = session.execute(select(_EVENTS.c.seq, _EVENTS.c.hash).where(taken).order_by(_EVENTS.c.seq)).all()
    else:
        rows = session.execute(select(_EVENTS.c.seq, _EVENTS.c.hash).where(_EVENTS.c.seq > low)
                               .order_by(_EVENTS.c.seq).limit(limit)).all()
        high = rows[-1].seq if rows else low
    if not rows:
        return None
    seqs, hashes = [r.seq for r in rows], [r.hash for r in rows]
    number = (last.number + 1) if last else 1
    point = Checkpoint(number=number, size=len(rows), root=merkle_root([leaf_hash(s, h) for s, h in zip(seqs, hashes)]),
                       prev=last.checkpoint if last else GENESIS, runs=ranges(seqs))
    block = AuditBlock(number=number, sealed_at=utcnow(), horizon=high, size=point.size,
                       runs=canonical(point.runs), hashes="".join(hashes), root=point.root, prev=point.prev,
                       checkpoint=point.hash(), key_id=signing.key_id(key.public_key()) if key else "",
                       signature=signing.sign(key, point.text()) if key else "")
    session.add(block)
    session.flush()
    return block


def _settled_below(session: Session) -> int:
    """A transaction id below which every transaction of this database has ended: the next id to be assigned,
    or the oldest id still running here if lower. (pg_snapshot_xmin would do, but counts the transactions of
    every database on the server, so another application's long transaction would hold sealing back.)
    Read the next id first: a transaction that takes an id after it is above the horizon anyway."""
    upper = session.execute(text("SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint")).scalar_one()
    # pg_stat_activity is read once per transaction and kept: read it afresh, or a second seal in the same
    # transaction (seal_all) misses the writers that took an id since the first and seals past them.
    session.execute(text("SELECT pg_stat_clear_snapshot()"))
    running = session.execute(text(
        "SELECT backend_xid::text::bigint FROM pg_stat_activity WHERE datname = current_database() "
        "AND backend_xid IS NOT NULL AND pid <> pg_backend_pid()")).scalars().all()
    epoch = upper >> 32 << 32
    # pg_stat_activity shows 32-bit ids: widen each with the current epoch (one back if it would be ahead).
    return min([upper, *((epoch | x) - (1 << 32) if (epoch | x) > upper else (epoch | x) for x in running)])


def seal_all(session: Session, *, key: Ed25519PrivateKey | None) -> int:
    """Seal until nothing committed is left unsealed; the number of blocks written."""
    blocks = 0
    while seal(session, key=key) is not None:
        blocks += 1
    return blocks


# ---- verifying -------------------------------------------------------------------------------------


@dataclass
class Report:
    checked: int = 0
    blocks: int = 0
    unsealed: int = 0
    broken: tuple[int, str] | None = None


def _stored(session: Session, lo: int, hi: int) -> dict[int, StoredEvent]:
    rows = session.execute(select(_EVENTS.c.seq, _EVENTS.c.at, _EVENTS.c.actor, _EVENTS.c.action,
                                  _EVENTS.c.entity_type, _EVENTS.c.entity_id, _EVENTS.c.data, _EVENTS.c.hash)
                           .where(_EVENTS.c.seq.between(lo, hi)))
    return {r.seq: StoredEvent(*r) for r in rows}


def _check_block(session: Session, block: AuditBlock, *, prev: str,
                 public: Ed25519PublicKey | None) -> tuple[list[int], tuple[int, str] | None]:
    runs = json.loads(block.runs)
    seqs, hashes = expand(runs), split_hashes(block.hashes)
    first = seqs[0] if seqs else 0
    point = Checkpoint(number=block.number, size=block.size, root=block.root, prev=prev, runs=runs)
    if (len(seqs) != block.size or len(hashes) != block.size or block.prev != prev or point.hash() != block.checkpoint
            or merkle_root([leaf_hash(s, h) for s, h in zip(seqs, hashes)]) != block.root):
        return seqs, (first, f"block {block.number} does not match its checkpoint (the block was altered)")
    if public is not None and not signing.valid(public, point.text(), block.signature):
        return seqs, (first, f"block {block.number}: its checkpoint is not signed by the audit key")
    return seqs, first_bad_event(seqs, hashes, _stored(session, seqs[0], seqs[-1]) if seqs else {})


def verify(session: Session, *, public: Ed25519PublicKey | None = None, batch: int = 200) -> Report:
    """Every sealed block follows from the one before it (and is signed by the key, when one is given); every
    event it sealed is present with the content it had; no event appeared inside sealed ground; and each event
    not yet sealed still matches its own hash. The first problem found is named."""
    report, prev, number, last = Report(), GENESIS, 0, None
    while True:
        blocks = session.scalars(select(AuditBlock).where(AuditBlock.number > number)
                                 .order_by(AuditBlock.number).limit(batch)).all()
        if not blocks:
            break
        for block in blocks:
            if block.number != number + 1:
                report.broken = (0, f"block {number + 1} is missing (found block {block.number} next)")
                return report
            seqs, broken = _check_block(session, block, prev=prev, public=public)
            if broken:
                report.broken = broken
                return report
            report.checked += len(seqs)
            report.blocks += 1
            prev, number, last = block.checkpoint, block.number, block
        session.expunge_all()
    report.broken = _unsealed(session, report, last)
    return report


def _unsealed(session: Session, report: Report, last: AuditBlock | None) -> tuple[int, str] | None:
    pg = session.get_bind().dialect.name == "postgresql"
    horizon = last.horizon if last else 0
    inside = (_EVENTS.c.txid < horizon) if pg else (_EVENTS.c.seq <= horizon)
    if session.execute(select(func.count()).select_from(_EVENTS).where(inside)).scalar_one() != report.checked:
        sealed = set()
        for block in session.scalars(select(AuditBlock)):
            sealed.update(expand(json.loads(block.runs)))
        for (seq,) in session.execute(select(_EVENTS.c.seq).where(inside).order_by(_EVENTS.c.seq)):
            if seq not in sealed:
                return seq, f"event {seq} is not in the block that sealed its time (inserted afterwards)"
    after = _EVENTS.c.txid >= horizon if pg else _EVENTS.c.seq > horizon
    for ev in session.execute(select(_EVENTS.c.seq, _EVENTS.c.at, _EVENTS.c.actor, _EVENTS.c.action,
                                     _EVENTS.c.entity_type, _EVENTS.c.entity_id, _EVENTS.c.data, _EVENTS.c.hash)
                              .where(after).order_by(_EVENTS.c.seq)):
        report.unsealed += 1
        event = StoredEvent(*ev)
        if event.recomputed() != event.hash:
            return event.seq, "content does not match its hash (altered before it was sealed)"
    return None


def verify_chain(session: Session, *, public: Ed25519PublicKey | None = None) -> tuple[int, tuple[int, str] | None]:
    """(events checked, first break or None): `verify` in the shape the CLI and older callers use."""
    report = verify(session, public=public)
    return report.checked + report.unsealed, report.broken


def history(session: Session, *, entity_type: str, entity_id: str) -> list[dict[str, Any]]:
    """Every event of one entity, oldest first: at, actor, action and the event's data (for domains whose
    events carry {"before": ..., "after": ...}, the entry before and after each change)."""
    rows = session.scalars(select(AuditEvent).where(AuditEvent.entity_type == entity_type,
                                                    AuditEvent.entity_id == entity_id).order_by(AuditEvent.seq)).all()
    return [{"at": r.at, "actor": r.actor, "action": r.action, **json.loads(r.data)} for r in rows]
