"""Migration 0005_clearance_requests on a database that already holds declarations: their items keep every
value, a clearance request's item may then lack the commodity code, quantity, unit and value, and the downgrade
refuses while one does. On SQLite and on PostgreSQL (a schema of its own in the test database)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import text

import clearway.db
from clearway.db import make_engine, migrate
from tests.support import own_database

SCHEMA = "clearway_migration_0005"
T = "2026-11-28 10:00:00"
DECLARATION = ("INSERT INTO declarations (id, mrn, lrn, declarant_id, type, economy, office, status, version, "
               "fingerprint, content, accepted_at, updated_at) VALUES (:id, :mrn, :lrn, 'D1', 'import', 'AU', "
               "'AUSYD', 'accepted', 1, 'f', '{}', :t, :t)")
ITEM = ("INSERT INTO declaration_items (declaration_id, line, hs_code, description, origin, quantity, unit, value) "
        "VALUES (:id, 1, :hs, 'goods', 'CN', :q, :u, :v)")


def _engine(backend, tmp_path):
    return make_engine(own_database(backend, tmp_path, SCHEMA))


def _downgrade(engine, revision: str) -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(Path(clearway.db.__file__).parent / "migrations"))
    with engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)
        conn.commit()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_items_may_lack_the_code_after_it_and_the_downgrade_waits_for_them_to_go(backend, tmp_path):
    engine = _engine(backend, tmp_path)
    try:
        migrate(engine)
        _downgrade(engine, "0004_idempotency")  # the other domains' branches stay at their heads
        with engine.begin() as conn:
            conn.execute(text(DECLARATION), {"id": 1, "mrn": "26AUSYD000000017", "lrn": "OLD", "t": T})
            conn.execute(text(ITEM), {"id": 1, "hs": "080510", "q": "1000", "u": "kg", "v": "850.00"})
        migrate(engine, "0005_clearance_requests")
        with engine.begin() as conn:
            row = conn.execute(text("SELECT hs_code, quantity, unit, value FROM declaration_items")).one()
            assert (row[0], Decimal(str(row[1])), row[2], Decimal(str(row[3]))) == (
                "080510", Decimal("1000"), "kg", Decimal("850"))
            conn.execute(text(DECLARATION), {"id": 2, "mrn": "26AUSYD000000025", "lrn": "CCR", "t": T})
            conn.execute(text(ITEM), {"id": 2, "hs": None, "q": None, "u": None, "v": None})
        with pytest.raises(RuntimeError, match="remove those declarations before downgrading"):
            _downgrade(engine, "0004_idempotency")
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM declaration_items WHERE declaration_id = 2"))
        _downgrade(engine, "0004_idempotency")
        with engine.begin() as conn, pytest.raises(Exception):  # NOT NULL again  # noqa: B017
            conn.execute(text(ITEM), {"id": 2, "hs": None, "q": None, "u": None, "v": None})
    finally:
        if backend == "postgresql":
            with engine.begin() as conn:
                conn.execute(text(f"DROP SCHEMA {SCHEMA} CASCADE"))
        engine.dispose()
