"""Fixtures of the lodging flow's tests."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from clearway.certificates import nppo
from clearway.containers import synthetic
from clearway.db import transaction
from clearway.declarations import service
from clearway.flows.seals import ingest
from tests.certificates.factories import ephyto
from tests.containers.support import affix, now_journey
from tests.flows.support import BOX, PARTY


@pytest.fixture
def importer(db, keys):
    """A received ePhyto (TH2026-000123, from Thailand's NPPO) and an open seal alert on BOX in Australia; the
    Australian importer who lodges."""
    with transaction(db.factory) as session:
        nppo.create_key(session, economy="TH", party_id="NPPO-TH", actor="test")
    with keys.client(keys.create("nppo", "TH", "NPPO-TH")) as th:
        assert th.post("/api/v1/certificates/ephyto", json=ephyto()).status_code == 201
    sim = now_journey(6, kind="opened_outside", container=BOX)
    affix(db.factory, keys.principal("officer", "AU"), sim)
    with transaction(db.factory) as session:
        assert ingest(session, events=synthetic.events_of(sim), source="local", actor="test", economy="AU").alerts
    return keys.principal("declarant", "AU", PARTY)


@pytest.fixture
def one_year(monkeypatch):
    """Lodging's clock fixed: MRNs compared by their running numbers come from one year's counter, whatever the
    day (a test running over midnight of 31 December would otherwise see the counter start again)."""
    monkeypatch.setattr(service, "utcnow", lambda: datetime(2026, 12, 4, 12, tzinfo=UTC))
