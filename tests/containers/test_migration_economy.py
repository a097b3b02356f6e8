"""Migration 0402 on a database that already holds seal events: each event takes the economy of the
journey that read it (by its seal, else by its container); events no journey claimed keep none. On
SQLite and on PostgreSQL (a schema of its own in the test database)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from clearway.db import make_engine, migrate
from tests.support import own_database

SCHEMA = "clearway_migration_0402"
SEAL = ("INSERT INTO seals (seal_id, manufacturer, serial, container, economy, loading_office, destination_office, "
        "departure, arrival_from, arrival_to, places, status, affixed_at, affixed_by) VALUES (:sid, 'A', '1', :box, "
        ":eco, 'AUMEL', 'AUSYD', :t, :t, :t, '[]', 'affixed', :t, 'test')")
EVENT = ("INSERT INTO seal_events (seal_id, seq, container, device_time, received_at, device_ts, received_ts, lat, "
         "lon, status, battery, source) VALUES (:sid, :seq, :box, :t, :t, 0, 0, 0, 0, 'sealed', 50, 'http')")
T = "2026-11-28 10:00:00"


def _engine(backend, tmp_path):
    return make_engine(own_database(backend, tmp_path, SCHEMA))


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_stored_events_take_the_economy_of_their_journey(backend, tmp_path):
    engine = _engine(backend, tmp_path)
    try:
        migrate(engine, "0401_containers")
        with engine.begin() as conn:
            conn.execute(text(SEAL), {"sid": "A-1", "box": "MSCU1234566", "eco": "AU", "t": T})
            conn.execute(text(EVENT), [{"sid": "A-1", "seq": 0, "box": None, "t": T},  # the journey's seal
                                       {"sid": "X-9", "seq": 0, "box": "MSCU1234566", "t": T},  # about its box
                                       {"sid": "Z-1", "seq": 0, "box": None, "t": T}])  # about nothing known
            conn.execute(text("INSERT INTO seal_event_refusals (at, source, reason, payload) "
                              "VALUES (:t, 'http', 'seq: is required', '{}')"), {"t": T})
        migrate(engine)
        with engine.begin() as conn:
            got = {sid: eco for sid, eco in conn.execute(text("SELECT seal_id, economy FROM seal_events"))}
            assert got == {"A-1": "AU", "X-9": "AU", "Z-1": None}
            assert conn.execute(text("SELECT economy FROM seal_event_refusals")).scalar_one() is None
            # the same (seal, seq) from another economy is another event now
            conn.execute(text(EVENT.replace("source)", "source, economy)").replace("'http')", "'http', 'NZ')")),
                         {"sid": "A-1", "seq": 0, "box": None, "t": T})
            assert conn.execute(text("SELECT count(*) FROM seal_events WHERE seal_id = 'A-1'")).scalar_one() == 2
    finally:
        if backend == "postgresql":
            with engine.begin() as conn:
                conn.execute(text(f"DROP SCHEMA {SCHEMA} CASCADE"))
        engine.dispose()
