"""Two installations over real HTTP: an economy's installation publishes its aggregate indicators with
`clearway dashboard publish` to a regional installation, which shows the economies side by side."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from clearway.auth.service import create_key
from clearway.config import Settings
from clearway.db import make_engine, make_sessionmaker, migrate, transaction
from tests.cli_support import run
from tests.support import start_server
from tests.dashboard.support import seed_recent


@pytest.fixture
def regional(tmp_path):
    url = f"sqlite:///{tmp_path / 'region.db'}"
    engine = make_engine(url)
    migrate(engine)
    with transaction(make_sessionmaker(engine)) as session:
        tokens = {e: create_key(session, role="admin", economy=e, party_id=None, label=f"publisher {e}",
                                actor="test")[0] for e in ("AU", "NZ")}
    srv, uvicorn_server, thread = start_server(Settings(data_dir=Path("/nonexistent"), database_url=url))
    yield srv.url, tokens
    uvicorn_server.should_exit = True
    thread.join(timeout=10)
    engine.dispose()


def test_economies_publish_to_the_region_idempotently_per_period(db, server, keys, regional):
    seeded = seed_recent(db, keys)
    region_url, tokens = regional
    publish = ["dashboard", "publish", "--to", region_url, "--period", "2026-11"]
    first = run(db, *publish, "--economy", "AU", "--token", tokens["AU"])
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["replaced"] is False and json.loads(first.stdout)["unchanged"] is False
    again = run(db, *publish, "--economy", "AU", "--token", tokens["AU"])
    assert json.loads(again.stdout)["unchanged"] is True
    assert run(db, *publish, "--economy", "NZ", "--token", tokens["NZ"]).returncode == 0
    wrong = run(db, *publish, "--economy", "NZ", "--token", tokens["AU"])
    assert wrong.returncode == 2 and "publishes the figures of AU, not of NZ" in wrong.stderr
    unknown = run(db, *publish, "--economy", "AU", "--token", "cw_nonsense")
    assert unknown.returncode == 2 and "401" in unknown.stderr

    with httpx.Client(timeout=60) as anyone:
        published = {p["economy"]: p for p in anyone.get(region_url + "/api/v1/dashboard/region").json()}
        local = {i["key"]: i for i in anyone.get(server.url + "/api/v1/dashboard/indicators",
                                                  params={"economy": "AU"}).json()}
        assert set(published) == {"AU", "NZ"} and published["AU"]["period"] == "2026-11"
        figures = {i["key"]: i for i in published["AU"]["indicators"]}
        assert figures["declaration_volumes"]["series"] == local["declaration_volumes"]["series"]
        assert dict(figures["declaration_volumes"]["series"][0]["points"])[seeded["month"]] == "2"
        assert all(i["source"] == "computed" for i in published["AU"]["indicators"])  # aggregates only
        assert "DEMO-AU" not in json.dumps(published) and "AU-DEMO-BROKER" not in json.dumps(published)
        page = anyone.get(region_url + "/dashboard/region").text
        assert 'data-economy="AU"' in page and 'data-economy="NZ"' in page and "Declarations lodged" in page
