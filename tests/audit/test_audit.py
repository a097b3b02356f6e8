"""The audit chain: every state change appends an event in its transaction; any alteration or
removal is found, and named."""

from __future__ import annotations

import subprocess
import sys
import threading

from sqlalchemy import delete, func, select, update

from clearway.audit.models import AuditBlock, AuditEvent
from clearway.audit.service import append_event, seal_all, verify_chain
from clearway.db import transaction
from clearway.declarations import service
from clearway.declarations.schemas import DeclarationIn
from clearway.errors import Invalid
from clearway.validation import parse
from tests.support import example


def _lodge(db, principal, lrn):
    with transaction(db.factory) as s:
        row, _ = service.lodge(s, principal=principal, decl=parse(DeclarationIn, {**example("declaration-au-oranges.json"),
                                                                                  "lrn": lrn}))
        return row.mrn


def verify(db):
    with db.factory() as s:
        return verify_chain(s)


def seal(db, key=None) -> int:
    with transaction(db.factory) as s:
        return seal_all(s, key=key)


def cli_verify(db) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "clearway", "audit", "verify"], capture_output=True, text=True,
                          env={"CLEARWAY_DATABASE_URL": db.url, "PATH": "/usr/bin:/bin"}, timeout=60)


def test_each_state_change_is_chained(db, keys):
    who = keys.principal("declarant", "AU", "AU-ABN-11222333444")
    mrn = _lodge(db, who, "A-1")
    with transaction(db.factory) as s:
        service.cancel(s, principal=who, mrn=mrn, reason="test")
    with db.factory() as s:
        events = s.scalars(select(AuditEvent).order_by(AuditEvent.seq)).all()
    assert [e.action for e in events] == ["key.created", "declaration.accepted", "declaration.cancelled"]
    assert [e.seq for e in events] == [1, 2, 3]
    assert verify(db) == (3, None)  # not sealed yet: each event still matches its own hash
    assert seal(db) == 1 and seal(db) == 0  # a second sealer finds nothing left
    with db.factory() as s:
        block = s.scalars(select(AuditBlock)).one()
    assert (block.number, block.size, block.runs) == (1, 3, "[[1,3]]")
    assert verify(db) == (3, None)
    done = cli_verify(db)
    assert done.returncode == 0 and "3 events (3 sealed in 1 blocks" in done.stdout


def test_a_refused_change_leaves_no_event(db, keys):
    who = keys.principal("declarant", "AU", "AU-ABN-11222333444")
    bad = {**example("declaration-au-oranges.json"), "currency": "XYZ"}
    try:
        with transaction(db.factory) as s:
            service.lodge(s, principal=who, decl=parse(DeclarationIn, bad))
    except Invalid:
        pass
    with db.factory() as s:
        assert s.scalar(select(func.count()).select_from(AuditEvent)) == 1  # the key only


def test_altered_event_is_named(db, keys):
    who = keys.principal("declarant", "AU", "AU-ABN-11222333444")
    for i in range(4):
        _lodge(db, who, f"A-{i}")
    seal(db)
    with transaction(db.factory) as s:
        s.execute(update(AuditEvent).where(AuditEvent.seq == 3).values(actor="someone else"))
    count, broken = verify(db)
    assert broken is not None and broken[0] == 3 and "altered" in broken[1]
    done = cli_verify(db)
    assert done.returncode == 1 and "event 3" in done.stderr


def test_removed_event_is_named(db, keys):
    who = keys.principal("declarant", "AU", "AU-ABN-11222333444")
    for i in range(4):
        _lodge(db, who, f"A-{i}")
    seal(db)
    with transaction(db.factory) as s:
        s.execute(delete(AuditEvent).where(AuditEvent.seq == 2))
    broken = verify(db)[1]
    assert broken[0] == 2 and "removed" in broken[1]
    with transaction(db.factory) as s:
        s.execute(delete(AuditEvent).where(AuditEvent.seq >= 2))
    broken = verify(db)[1]
    assert broken[0] == 2 and "removed" in broken[1]


def test_concurrent_writers_keep_one_chain(db):
    errors = []

    def writer(n):
        try:
            for i in range(15):
                with transaction(db.factory) as s:
                    append_event(s, actor=f"w{n}", action="test", entity_type="t", entity_id=str(i))
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert verify(db) == (90, None)
    seal(db)
    assert verify(db) == (90, None)


def test_the_canonical_text_of_event_data_is_json_dumps_sorted_compact_and_unescaped():
    import json as _json
    from decimal import Decimal as _Decimal

    from clearway.audit.core import canonical

    texts = ["", "plain", "naïve", "日本", "😀", "\uff01", "z", "Z", 'quote "', "back\\slash", "tab\t", "nul\x00",
             "del\x7f", "line\u2028sep", "lone \ud800"]
    samples = [{}, {"lrn": "A-1", "fingerprint": "ab" * 32, "office": "AUSYD"},
               {t: t for t in texts if "\ud800" not in t}, {"n": 10**30, "m": -5, "b": True, "f": False, "x": None},
               {"lone": "\ud800"}, {1: "int key"}, {"float": 1.5}, {"dec": _Decimal("1.50")}, {"list": [1, "a"]},
               {"nested": {"b": 1, "a": 2}}, {"😀": 1, "\uff01": 2, "é": 3, "e": 4}]
    samples += [{t: i} for i, t in enumerate(texts)] + [{"v": t} for t in texts]
    for data in samples:
        assert canonical(data) == _json.dumps(data, sort_keys=True, separators=(",", ":"), default=str,
                                              ensure_ascii=False), data
