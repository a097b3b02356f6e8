"""Faults (issue 18): `clearway serve` killed with SIGKILL in the middle of batch lodging, parcel manifest imports
and payments, then started again on the same database (SQLite file in WAL mode; PostgreSQL).

Three client threads send their requests one after another; the server is killed right after the K-th answer
(K drawn from a seeded generator, so the same run kills at the same point of the work every time; which other
requests are in flight at that moment is up to the scheduler, and the checks hold whatever they are):
- every acknowledged request is stored exactly once (a lodged line's declaration with all its items and its
  audit event; a manifest's one audit event; a payment with its receipt and its audit event);
- nothing unacknowledged is half stored: each declaration, manifest and payment is wholly there or wholly absent;
- sending every unacknowledged request again (same LRN, same manifest, same payment reference) stores nothing
  twice, and the acknowledged ones sent again change nothing either;
- `clearway audit verify` passes."""

from __future__ import annotations

import hashlib
import json
import random
import sqlite3
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psycopg
import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from clearway.audit.models import AuditEvent
from clearway.auth.service import create_key
from clearway.db import database_unavailable, make_engine, make_sessionmaker, migrate, transaction
from clearway.declarations.models import Declaration, DeclarationItem
from clearway.payments.models import Payment
from clearway.release.models import Release
from tests.operations.support import DECLARANT, ServeProcess, declaration
from tests.support import EXAMPLES, own_database

SEED = 18
BATCHES, LINES = 6, 210  # 210 lines: two transactions of the batch (200 + 10), a kill can fall between them
MANIFESTS = 12
PAYMENTS = 10
DAY = "2026-11-28"


def _database(backend: str, tmp_path: Path) -> str:
    return own_database(backend, tmp_path, "faults_kill")


def _manifest(n: int) -> bytes:
    return (EXAMPLES / "lvg-manifest-au.jsonl").read_bytes().replace(b"AU-EX-", f"AU-EX{n:02d}-".encode())


@dataclass
class Work:
    """What the clients sent, what was answered, and when to kill the server."""

    kill_after: int
    server: ServeProcess
    answered: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    statuses: list[int] = field(default_factory=list)
    acked_lrns: set[str] = field(default_factory=set)
    unacked_batches: list[int] = field(default_factory=list)
    acked_manifests: set[int] = field(default_factory=set)
    unacked_manifests: list[int] = field(default_factory=list)
    acked_payments: set[str] = field(default_factory=set)
    unacked_payments: list[str] = field(default_factory=list)

    def answer(self, status: int) -> None:
        with self.lock:
            self.statuses.append(status)
            self.answered += 1
            if self.answered == self.kill_after:
                self.server.kill()


def _batch_body(b: int) -> bytes:
    return b"".join(json.dumps(declaration(f"FLT-B{b}-{j:03d}")).encode() + b"\n" for j in range(LINES))


def _send_batch(client: httpx.Client, b: int) -> tuple[int, list[dict]]:
    with client.stream("POST", "/api/v1/declarations/batch", content=_batch_body(b),
                       headers={"content-type": "application/x-ndjson"}) as r:
        return r.status_code, [json.loads(line) for line in r.iter_lines() if line.strip()]


def _send_manifest(client: httpx.Client, m: int) -> httpx.Response:
    return client.post("/api/v1/consignments/bulk", params={"date": DAY}, content=_manifest(m),
                       headers={"content-type": "application/x-ndjson"})


def _send_payment(client: httpx.Client, pay: dict) -> httpx.Response:
    return client.post(f"/api/v1/declarations/{pay['mrn']}/payments",
                       json={"amount": pay["amount"], "currency": pay["currency"], "method": "bank_transfer",
                             "reference": pay["reference"]})


def _batches(client: httpx.Client, work: Work) -> None:
    for b in range(BATCHES):
        seen: list[dict] = []
        try:
            with client.stream("POST", "/api/v1/declarations/batch", content=_batch_body(b),
                               headers={"content-type": "application/x-ndjson"}) as r:
                for line in r.iter_lines():  # each line is an acknowledgement of its own, as it arrives
                    if line.strip():
                        seen.append(json.loads(line))
                        if seen[-1]["outcome"] == "accepted":
                            work.acked_lrns.add(seen[-1]["lrn"])
            work.answer(r.status_code)
        except httpx.TransportError:
            work.unacked_batches.append(b)
            return


def _manifests(client: httpx.Client, work: Work) -> None:
    for m in range(MANIFESTS):
        try:
            r = _send_manifest(client, m)
        except httpx.TransportError:
            work.unacked_manifests.append(m)
            return
        if r.status_code == 200:
            work.acked_manifests.add(m)
        work.answer(r.status_code)


def _payments(client: httpx.Client, work: Work, pays: list[dict]) -> None:
    for pay in pays:
        try:
            r = _send_payment(client, pay)
        except httpx.TransportError:
            work.unacked_payments.append(pay["reference"])
            return
        if r.status_code == 201:
            work.acked_payments.add(pay["reference"])
        work.answer(r.status_code)


def _prepare(server: ServeProcess, factory) -> tuple[str, list[dict]]:
    """Keys, no random lane selection, and declarations assessed with a payment reference each."""
    with transaction(factory) as session:
        key, _ = create_key(session, role="declarant", economy="AU", party_id=DECLARANT, actor="faults-test")
        admin, _ = create_key(session, role="admin", economy="AU", actor="faults-test")
    r = httpx.put(f"{server.url}/api/v1/risk/policy", json={"random_share": 0},
                  headers={"Authorization": f"Bearer {admin}"}, timeout=30)
    assert r.status_code == 200, r.text
    pays = []
    with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {key}"}, timeout=60) as c:
        for n in range(PAYMENTS):
            lodged = c.post("/api/v1/declarations", json=declaration(f"FLT-P{n:03d}"))
            assert lodged.status_code == 201, lodged.text
            mrn = lodged.json()["mrn"]
            assessed = c.post(f"/api/v1/declarations/{mrn}/assessment")
            assert assessed.status_code in (200, 201), assessed.text
            ref = c.post(f"/api/v1/declarations/{mrn}/payment-reference")
            assert ref.status_code == 201, ref.text
            pays.append({"mrn": mrn, **ref.json()})
    return key, pays


def _stored(factory, pays: list[dict]) -> dict:
    """What the database holds of each request: declarations by LRN (with items and audit events), the audit
    events of each manifest, the payments of each reference (with their audit events and releases)."""
    with factory() as s:
        decls = {}
        for row in s.scalars(select(Declaration).where(Declaration.lrn.like("FLT-B%"))):
            items = s.scalar(select(func.count()).select_from(DeclarationItem)
                             .where(DeclarationItem.declaration_id == row.id))
            events = s.scalar(select(func.count()).select_from(AuditEvent).where(
                AuditEvent.entity_id == row.mrn, AuditEvent.action == "declaration.accepted"))
            decls.setdefault(row.lrn, []).append((items, events))
        manifests = {}
        for m in range(MANIFESTS):
            digest = hashlib.sha256(_manifest(m)).hexdigest()[:32]
            manifests[m] = s.scalar(select(func.count()).select_from(AuditEvent).where(
                AuditEvent.entity_type == "manifest", AuditEvent.entity_id == digest))
        payments = {}
        for pay in pays:
            rows = s.scalars(select(Payment).where(Payment.reference == pay["reference"])).all()
            receipts = [json.loads(e.data)["receipt"] for e in s.scalars(select(AuditEvent).where(
                AuditEvent.entity_id == pay["mrn"], AuditEvent.action == "payment.received"))]
            row = s.scalars(select(Declaration).where(Declaration.mrn == pay["mrn"])).one()
            released = s.scalar(select(func.count()).select_from(Release).where(Release.declaration_id == row.id))
            payments[pay["reference"]] = ([p.receipt for p in rows], receipts, row.status, released)
        return {"declarations": decls, "manifests": manifests, "payments": payments}


def _whole(stored: dict) -> None:
    """Nothing is half there: each stored declaration has both items and its event; each payment its receipt,
    its event, and a release exactly when the declaration is released."""
    for lrn, copies in stored["declarations"].items():
        assert copies == [(2, 1)], (lrn, copies)
    for m, events in stored["manifests"].items():
        assert events in (0, 1), (m, events)
    for ref, (receipts, events, status, released) in stored["payments"].items():
        assert receipts == events and len(receipts) <= 1, (ref, receipts, events)
        assert (status == "released") == (released == 1), (ref, status, released)


def _wrapped(orig: Exception, *, invalidated: bool = False) -> DBAPIError:
    base = psycopg.Error if isinstance(orig, psycopg.Error) else sqlite3.Error  # as each dialect wraps its driver's
    wrapped = DBAPIError.instance("SELECT 1", {}, orig, base, connection_invalidated=invalidated)
    assert isinstance(wrapped, DBAPIError)
    return wrapped


@pytest.mark.parametrize("error,retryable", [
    (_wrapped(psycopg.OperationalError("connection refused")), True),  # PostgreSQL down or restarting
    (_wrapped(psycopg.errors.AdminShutdown("terminating connection")), True),  # stopped mid-transaction
    (_wrapped(psycopg.InterfaceError("the connection is closed"), invalidated=True), True),  # flagged a disconnect
    (_wrapped(sqlite3.OperationalError("database is locked")), True),
    (PoolTimeout("QueuePool limit reached"), True),
    (TimeoutError("the embedded database stayed busy for 30 s"), True),
    (_wrapped(sqlite3.OperationalError("no such table: declarations")), False),  # not a matter of waiting
    (_wrapped(psycopg.errors.UniqueViolation("duplicate key")), False),
    (ValueError("a bug"), False),
    # raised by written SQL on the driver's cursor (next_value, driver_cursor): never wrapped by SQLAlchemy
    (psycopg.errors.DeadlockDetected("deadlock detected"), True),  # PostgreSQL rolled the transaction back
    (psycopg.errors.SerializationFailure("could not serialize access"), True),
    (psycopg.errors.UniqueViolation("duplicate key"), False),
    (sqlite3.OperationalError("database is locked"), True),
    (sqlite3.OperationalError("no such table: counters"), False),
])
def test_which_database_errors_answer_503_retry_later(error, retryable):
    assert database_unavailable(error) is retryable


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_server_killed_mid_work_loses_nothing_acknowledged_and_half_stores_nothing(backend, tmp_path):
    url = _database(backend, tmp_path)
    engine = make_engine(url)
    migrate(engine)
    factory = make_sessionmaker(engine)
    server = ServeProcess(tmp_path, url)
    server.start()
    try:
        key, pays = _prepare(server, factory)
        work = Work(kill_after=random.Random(SEED).randint(8, 14), server=server)
        with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {key}"}, timeout=120) as c:
            threads = [threading.Thread(target=_batches, args=(c, work)),
                       threading.Thread(target=_manifests, args=(c, work)),
                       threading.Thread(target=_payments, args=(c, work, pays))]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        assert server.proc.poll() is not None, "the server was never killed: fewer answers than kill_after"
        assert set(work.statuses) <= {200, 201}, work.statuses  # no refusal, no 5xx before the kill
        assert work.answered >= work.kill_after  # (an answer read just before the kill may be counted after it)
        assert work.unacked_batches or work.unacked_manifests or work.unacked_payments  # a client lost its answer

        after_kill = _stored(factory, pays)
        _whole(after_kill)
        for lrn in work.acked_lrns:
            assert lrn in after_kill["declarations"], lrn
        for m in work.acked_manifests:
            assert after_kill["manifests"][m] == 1, m
        for ref in work.acked_payments:
            assert len(after_kill["payments"][ref][0]) == 1, ref

        server.start()  # the same database, a new process
        again = httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {key}"}, timeout=120)
        with again:
            # Every unacknowledged request again, and one acknowledged of each kind: nothing twice.
            for b in sorted({*work.unacked_batches, 0}):
                status, results = _send_batch(again, b)
                assert status == 200 and len(results) == LINES
                assert {r["outcome"] for r in results} <= {"accepted", "already lodged"}, results[:3]
                assert all(r["outcome"] == "already lodged" for r in results if r["lrn"] in work.acked_lrns)
            for m in sorted({*work.unacked_manifests, *sorted(work.acked_manifests)[:1]}):
                r = _send_manifest(again, m)
                assert r.status_code == 200, r.text
            acked = [p for p in pays if p["reference"] in work.acked_payments][:1]
            for pay in [p for p in pays if p["reference"] in work.unacked_payments] + acked:
                r = _send_payment(again, pay)
                assert r.status_code == 201, r.text
                assert r.json()["receipt"] == _stored(factory, [pay])["payments"][pay["reference"]][0][0]
        server.stop()

        final = _stored(factory, pays)
        _whole(final)
        sent_lrns = {f"FLT-B{b}-{j:03d}" for b in {*work.unacked_batches, 0} for j in range(LINES)}
        assert sent_lrns <= set(final["declarations"])
        assert work.acked_lrns <= set(final["declarations"])
        for m in {*work.unacked_manifests, *work.acked_manifests}:
            assert final["manifests"][m] == 1, m
        for ref in {*work.unacked_payments, *work.acked_payments}:
            assert len(final["payments"][ref][0]) == 1, ref
        # What was already stored before the restart was kept as it was (no second copy, no loss).
        for lrn in after_kill["declarations"]:
            assert final["declarations"][lrn] == [(2, 1)]
        for ref, before in after_kill["payments"].items():
            if before[0]:
                assert final["payments"][ref][0] == before[0]

        verify = subprocess.run([sys.executable, "-m", "clearway", "audit", "verify"], capture_output=True,
                                text=True, env=server.env(), timeout=300)
        assert verify.returncode == 0, verify.stdout + verify.stderr
    finally:
        server.kill()
        engine.dispose()
