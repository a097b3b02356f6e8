"""The sealer's horizon on PostgreSQL when it seals several blocks in one transaction (the server's sealer
does: `seal_all` in one transaction every second). Found by benchmarks/load.py (issue 18): under mixed load
`clearway audit verify` named an event "inserted afterwards" into ground already sealed. pg_stat_activity is
read once per transaction and kept, so a second `seal` in the same transaction did not see a writer that had
taken its transaction id since the first, and sealed past it; the writer's event then committed inside sealed
ground. SQLite has one writer at a time (the sealer's own write waits for it), so the case cannot arise there."""

from __future__ import annotations

import pytest

from clearway.audit.service import append_event, seal, seal_all, verify
from clearway.db import transaction


# PostgreSQL only (the case cannot arise on SQLite: see above), so the database fixture is run on it alone.
@pytest.mark.parametrize("_database", ["postgresql"], indirect=True)
def test_a_second_block_in_the_same_transaction_waits_for_a_writer_that_began_after_the_first(db):
    with transaction(db.factory) as s:
        append_event(s, actor="a", action="test", entity_type="t", entity_id="1")
    sealer, slow = db.factory(), db.factory()
    try:
        sealer.begin()
        assert seal(sealer, key=None).size == 1  # block 1 (reads pg_stat_activity in this transaction)
        slow.begin()
        append_event(slow, actor="a", action="test", entity_type="t", entity_id="slow")  # takes an id, stays open
        with transaction(db.factory) as s:
            append_event(s, actor="a", action="test", entity_type="t", entity_id="quick")  # a later id, committed
        seal(sealer, key=None)  # block 2: the quick writer's event, never past the slow one's id
        sealer.commit()
        slow.commit()  # the slow writer's event lands now
    finally:
        for s in (sealer, slow):
            s.close()
    with transaction(db.factory) as s:
        seal_all(s, key=None)
    with db.factory() as s:
        report = verify(s)
    assert (report.broken, report.checked + report.unsealed) == (None, 3)
