"""The audit log sealed in blocks: writers in several processes append with no shared lock, a sealer
running beside them gathers only committed events, and afterwards altering or removing any single event is
found and named. Checkpoints signed with an Ed25519 key kept outside the database (RFC 8032) cannot be
forged by someone who can only write the database. Merkle tree as RFC 6962 section 2.1."""

from __future__ import annotations

import hashlib
import subprocess
import sys

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import delete, select, update

from clearway.audit.core import Checkpoint, event_hash, leaf_hash, merkle_root
from clearway.audit.models import AuditBlock, AuditEvent
from clearway.audit.service import append_event, seal_all, verify, verify_chain
from clearway.db import transaction

WRITER = """
import sys
from clearway.audit.service import append_event
from clearway.db import make_engine, make_sessionmaker, transaction
factory = make_sessionmaker(make_engine(sys.argv[1]))
for i in range(int(sys.argv[3])):
    with transaction(factory) as s:
        append_event(s, actor="writer-" + sys.argv[2], action="test.step", entity_type="t", entity_id=str(i),
                     data={"i": i})
"""
SEALER = """
import sys, time
from clearway.audit.service import seal_all
from clearway.db import make_engine, make_sessionmaker, transaction
factory = make_sessionmaker(make_engine(sys.argv[1]))
for _ in range(40):
    with transaction(factory) as s:
        seal_all(s, key=None)
    time.sleep(0.02)
"""


def test_merkle_root_follows_rfc6962_for_the_empty_tree_and_one_leaf():
    # RFC 6962 2.1: MTH({}) = SHA-256(), MTH({d0}) = SHA-256(0x00 || d0); two leaves: SHA-256(0x01 || l0 || l1).
    assert merkle_root([]) == hashlib.sha256(b"").hexdigest()
    a, b = leaf_hash(1, "aa"), leaf_hash(2, "bb")
    assert merkle_root([a]) == a.hex()
    assert merkle_root([a, b]) == hashlib.sha256(b"\x01" + a + b).hexdigest()
    three = hashlib.sha256(b"\x01" + hashlib.sha256(b"\x01" + a + b).digest() + a).hexdigest()
    assert merkle_root([a, b, a]) == three


def test_concurrent_writer_processes_make_a_log_that_verifies_and_any_single_change_is_named(db):
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, db.url, str(n), "25"]) for n in range(4)]
    procs.append(subprocess.Popen([sys.executable, "-c", SEALER, db.url]))
    assert [p.wait(timeout=240) for p in procs] == [0] * 5
    with transaction(db.factory) as s:
        seal_all(s, key=None)
    with db.factory() as s:
        report = verify(s)
        seqs = list(s.scalars(select(AuditEvent.seq).order_by(AuditEvent.seq)))
    assert (report.checked, report.unsealed, report.broken) == (100, 0, None)
    assert len(seqs) == 100
    for seq in seqs:  # alter each event in turn (rolled back after), then remove it
        for change in (update(AuditEvent).where(AuditEvent.seq == seq).values(data='{"i":-1}'),
                       delete(AuditEvent).where(AuditEvent.seq == seq)):
            with db.factory() as s, s.begin():
                s.execute(change)
                broken = verify(s).broken
                s.rollback()
            assert broken is not None and broken[0] == seq, (seq, broken)


def test_a_forged_block_is_refused_by_the_key_kept_outside_the_database(db):
    key, other = Ed25519PrivateKey.from_private_bytes(bytes(range(32))), Ed25519PrivateKey.generate()
    with transaction(db.factory) as s:
        for i in range(3):
            append_event(s, actor="officer", action="test", entity_type="t", entity_id=str(i))
    with transaction(db.factory) as s:
        assert seal_all(s, key=key) == 1
    with db.factory() as s:
        assert verify(s, public=key.public_key()).broken is None
        assert "not signed by the audit key" in verify(s, public=other.public_key()).broken[1]
    # Someone who can write the database rewrites event 2 and recomputes its block, but holds no key.
    with transaction(db.factory) as s:
        ev = s.scalars(select(AuditEvent).where(AuditEvent.seq == 2)).one()
        ev.actor = "someone else"
        ev.hash = event_hash(at=ev.at, actor=ev.actor, action=ev.action, entity_type=ev.entity_type,
                             entity_id=ev.entity_id, data=ev.data)
        block = s.scalars(select(AuditBlock)).one()
        hashes = [e.hash for e in s.scalars(select(AuditEvent).order_by(AuditEvent.seq))]
        block.hashes = "".join(hashes)
        block.root = merkle_root([leaf_hash(i + 1, h) for i, h in enumerate(hashes)])
        block.checkpoint = Checkpoint(number=1, size=3, root=block.root, prev=block.prev, runs=[[1, 3]]).hash()
    with db.factory() as s:
        assert verify_chain(s) == (3, None)  # without the key the rewrite is consistent...
        broken = verify(s, public=key.public_key()).broken
    assert broken == (1, "block 1: its checkpoint is not signed by the audit key")  # ...with it, it is not
