"""The alert page's view model, without a browser: what an officer sees of one alert (the page itself is
driven in Chromium by test_alert_pages_e2e.py)."""

from __future__ import annotations

import pytest

from clearway.containers import synthetic
from clearway.containers.alert_view import page_view
from clearway.containers.schemas import FINDINGS
from clearway.errors import Forbidden, NotFound
from tests.containers.support import ECONOMY, lodge, now_journey

BOX = "MSCU1234566"


def test_page_view_of_a_detour(db, server, keys, declarant):
    sim = now_journey(41, kind="detour", container=BOX)
    _, mrn = lodge(db.factory, declarant, BOX, "L-view")
    key = keys.create("officer", ECONOMY)
    with keys.client(key) as c:
        assert c.post("/api/v1/seals", json=synthetic.seal_request(sim)).status_code == 201
        alert_id = c.post("/api/v1/seal-events", json=synthetic.events_of(sim)).json()["alerts"][0]
        api_alert = c.get(f"/api/v1/alerts/{alert_id}").json()
    officer = keys.principal("officer", ECONOMY)  # made before the session takes its turn (SQLite)
    with db.factory() as session:
        view = page_view(session, principal=officer, alert_id=alert_id)
    alert, timeline = view["alert"], view["timeline"]
    assert alert["id"] == alert_id and alert["rule"] == api_alert["rule"] == "corridor"
    assert alert["declarations"] == [mrn] and view["seal"]["seal_id"] == sim.journey.seal_id
    assert view["findings"] == FINDINGS and view["others"] == []
    assert view["cfg"].corridor.half_width_km == 5  # around the planned route (the library's Hume Highway)
    # every report once, in device-time order, the alert's evidence marked, distances for this seal's own
    assert [t["e"].seq for t in timeline] == [r.seq for r in sorted(sim.reports, key=lambda r: r.device_time)]
    evidence = {q for _, q in api_alert["evidence"]}
    assert {t["e"].seq for t in timeline if t["evidence"]} == evidence and evidence
    assert all(t["own"] and t["distance"] is not None for t in timeline)
    # a detour's evidence lies outside the corridor drawn (2 x 5 km wide around the planned route)
    assert all(t["distance"] > 5 for t in timeline if t["evidence"])
    assert len(view["drawing"].points) == len(sim.reports)


def test_page_view_follows_the_alert_access_rule(db, server, keys, declarant):
    sim = now_journey(3, kind="wire_cut", container=BOX)
    with keys.client(keys.create("officer", ECONOMY)) as c:
        assert c.post("/api/v1/seals", json=synthetic.seal_request(sim)).status_code == 201
        alert_id = c.post("/api/v1/seal-events", json=synthetic.events_of(sim)).json()["alerts"][0]
    foreign, own, admin = (keys.principal("officer", "NZ"), keys.principal("officer", ECONOMY),
                           keys.principal("admin", ECONOMY))  # keys made before the session takes its turn
    with db.factory() as session:
        with pytest.raises(NotFound):  # another economy's officer: not there for it
            page_view(session, principal=foreign, alert_id=alert_id)
        with pytest.raises(Forbidden):
            page_view(session, principal=declarant, alert_id=alert_id)
        with pytest.raises(NotFound):
            page_view(session, principal=own, alert_id=alert_id + 1000)
        assert page_view(session, principal=admin, alert_id=alert_id)["alert"]["id"] == alert_id
