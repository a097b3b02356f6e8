"""The officer's alert pages in real headless Chromium (Debian's /usr/bin/chromium, never a download)."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import select

from clearway.containers import synthetic
from clearway.controls.models import Finding
from tests.containers.support import ECONOMY, lodge, now_journey

SHOTS = os.environ.get("CLEARWAY_SCREENSHOTS")  # a folder to keep screenshots in, for a human look


def _shot(page, name):
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def test_officer_reviews_a_detour_on_the_track_and_closes_it(db, server, keys, declarant, browser):
    sim = now_journey(41, kind="detour", container="MSCU1234566")
    decl_id, mrn = lodge(db.factory, declarant, "MSCU1234566", "L-e2e")
    key = keys.create("officer", ECONOMY)
    with keys.client(key) as c:
        assert c.post("/api/v1/seals", json=synthetic.seal_request(sim)).status_code == 201
        alert_id = c.post("/api/v1/seal-events", json=synthetic.events_of(sim)).json()["alerts"][0]
        evidence = c.get(f"/api/v1/alerts/{alert_id}").json()["evidence"]

    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{server.url}/alerts")
    assert page.locator("input[name=key]").count() == 1  # asks for a key first
    page.fill("input[name=key]", "cw_not-a-key")
    page.click("button[type=submit]")
    assert "unknown" in page.locator("#key-error").inner_text()
    page.fill("input[name=key]", key)
    page.click("button[type=submit]")
    page.wait_for_selector(f"tr[data-alert='{alert_id}']")
    row = page.locator(f"tr[data-alert='{alert_id}']")
    assert row.count() == 1
    assert "left the corridor" in row.inner_text() and mrn in row.inner_text()
    _shot(page, "alerts")

    row.locator("a").click()
    page.wait_for_selector("svg#track")
    assert page.title().startswith(f"Seal alert #{alert_id}")
    reports = page.locator("svg#track circle.report")
    assert reports.count() == len(sim.reports)
    marked = page.locator("svg#track circle.evidence")
    assert marked.count() == len(evidence)
    assert sorted(int(marked.nth(i).get_attribute("data-seq")) for i in range(marked.count())) == \
        sorted(q for _, q in evidence)
    # the corridor is drawn as wide as configured (2 x 30 km), and the evidence lies outside it
    assert float(page.locator("#corridor").get_attribute("stroke-width")) == 60.0
    assert page.locator("svg#track circle.geofence").count() == 1
    assert page.locator("#timeline tbody tr").count() == len(sim.reports)
    assert page.locator("#timeline tbody tr.evidence").count() == len(evidence)
    box = page.locator("svg#track").bounding_box()
    assert box["width"] > 600 and box["height"] > 300
    _shot(page, "alert")

    page.click("button#close")  # nothing chosen: the browser's own check keeps the form
    assert page.locator("#status").inner_text() == "open"
    page.check("input[value=tampered]")
    page.fill("textarea[name=note]", "seal intact but 12 cartons missing")
    page.click("button#close")
    page.wait_for_selector("text=closed: tampered")
    assert page.locator("#status").inner_text().startswith("closed: tampered (seal intact but 12 cartons missing)")
    assert page.locator("form.close").count() == 0
    _shot(page, "closed")

    page.goto(f"{server.url}/alerts?status=open")
    assert page.locator("#no-alerts").count() == 1
    with db.factory() as s:
        found = s.scalars(select(Finding).where(Finding.declaration_id == decl_id)).one()
    assert found.closed_at is not None and "tampered" in found.resolution


def test_pages_refuse_other_economies_and_declarants(db, server, keys, browser):
    sim = now_journey(42, kind="wire_cut")
    with keys.client(keys.create("officer", ECONOMY)) as c:
        c.post("/api/v1/seals", json=synthetic.seal_request(sim))
        alert_id = c.post("/api/v1/seal-events", json=synthetic.events_of(sim)).json()["alerts"][0]
    page = browser.new_page()
    page.goto(f"{server.url}/alerts")
    page.fill("input[name=key]", keys.create("declarant", ECONOMY, "AU-ABN-1"))
    page.click("button[type=submit]")
    assert "not a customs officer" in page.locator("#key-error").inner_text()
    page.fill("input[name=key]", keys.create("officer", "NZ"))
    page.click("button[type=submit]")
    page.wait_for_selector("#alerts")
    assert page.locator("#no-alerts").count() == 1
    response = page.goto(f"{server.url}/alerts/{alert_id}")
    assert response.status == 404 and f"no seal alert {alert_id}" in page.content()
