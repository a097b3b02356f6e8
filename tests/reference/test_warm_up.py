"""`clearway serve` warms the HS finder up at start (nomenclature, word index, word-piece vectors and the
subheadings' vectors), so that the first trader's search is not the one that waits seconds for the load."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from clearway.app import create_app
from clearway.config import Settings
from clearway.reference import semantic


def test_the_served_app_loads_the_finder_in_the_background(db):
    semantic.static.cache_clear()
    settings = Settings(data_dir=Path("/nonexistent"), database_url=db.url)
    with TestClient(create_app(settings, warm=True)) as client:
        client.app.state.warming.join(timeout=120)
        assert not client.app.state.warming.is_alive()
        assert semantic.static.cache_info().currsize == 1  # loaded before any search was asked for
        assert client.get("/healthz").status_code == 200


def test_apps_of_tests_and_tools_do_not_warm_up(db):
    semantic.static.cache_clear()
    settings = Settings(data_dir=Path("/nonexistent"), database_url=db.url)
    with TestClient(create_app(settings)) as client:
        assert not hasattr(client.app.state, "warming")
        assert client.get("/healthz").status_code == 200
    assert semantic.static.cache_info().currsize == 0
