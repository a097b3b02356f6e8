"""The officer's alert pages in real headless Chromium (Debian's /usr/bin/chromium, never a download)."""

from __future__ import annotations

from sqlalchemy import select

from clearway.containers import synthetic
from clearway.controls.models import Finding
from tests.containers.support import ECONOMY, lodge, now_journey
from tests.e2e.axe import check_page
from tests.web.support import PASSWORD, make_user, sign_in


def _shot(page, name):
    check_page(page, f"alert-pages-{name}")


def test_officer_reviews_a_detour_on_the_track_and_closes_it(db, server, keys, declarant, browser):
    sim = now_journey(41, kind="detour", container="MSCU1234566")
    decl_id, mrn = lodge(db.factory, declarant, "MSCU1234566", "L-e2e")
    key = keys.create("officer", ECONOMY)
    with keys.client(key) as c:
        assert c.post("/api/v1/seals", json=synthetic.seal_request(sim)).status_code == 201
        alert_id = c.post("/api/v1/seal-events", json=synthetic.events_of(sim)).json()["alerts"][0]
        evidence = c.get(f"/api/v1/alerts/{alert_id}").json()["evidence"]

    make_user(db, "olga", "officer", economy=ECONOMY)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{server.url}/alerts")
    assert page.locator("#password").count() == 1  # asks to sign in first
    page.fill("#username", "olga")
    page.fill("#password", "not the password at all")
    page.click("#sign-in-button")
    assert "do not match" in page.locator("#login-error").inner_text()
    page.fill("#password", PASSWORD)
    page.click("#sign-in-button")
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
    # the corridor is drawn as wide as configured for a journey on a library route (2 x 5 km, road), and the
    # evidence lies outside it
    assert float(page.locator("#corridor").get_attribute("stroke-width")) == 10.0
    assert page.locator("svg#track circle.geofence").count() == len(sim.journey.places)  # the route's places
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
    sign_in(page, server, make_user(db, "tom", "declarant", economy=ECONOMY, party="AU-ABN-1"), next_path="/alerts")
    assert "you are signed in as declarant" in page.locator("#refusal").inner_text()
    page.context.clear_cookies()
    sign_in(page, server, make_user(db, "nora", "officer", economy="NZ"), next_path="/alerts")
    page.wait_for_selector("#alerts")
    assert page.locator("#no-alerts").count() == 1
    response = page.goto(f"{server.url}/alerts/{alert_id}")
    assert response.status == 404 and f"no seal alert {alert_id}" in page.content()
