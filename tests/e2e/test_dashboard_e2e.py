"""The Border Management Dashboard in real headless Chromium, from a running server with the demo data:
every chart's table agrees with the API figure for figure, the time-release trend agrees with
/api/v1/metrics/time-release, pages pass axe-core and fit a phone; the admin sets an entered indicator
in the browser. Screenshots under test-results/."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import httpx
import pytest

from clearway.dashboard.core import PILLARS, display
from clearway.demo import load
from tests.e2e.axe import check_page, no_sideways_scroll, screenshot
from tests.web.support import make_user, sign_in


@pytest.fixture
def demo(db, tmp_path):
    return load(db.factory, keys_file=tmp_path / "keys.json", model_dir=None, declarations=90)


def table_of(section) -> list[list[str]]:
    """The chart's data table (text content: the table sits in a closed <details> until opened)."""
    head = [t.strip() for t in section.locator("table.data thead th").all_text_contents()]
    body = [[t.strip() for t in row.locator("th, td").all_text_contents()]
            for row in section.locator("table.data tbody tr").all()]
    return [head] + body


def api_table(ind: dict) -> list[list[str]]:
    labels = []
    for s in ind["series"]:
        labels += [label for label, _ in s["points"] if label not in labels]
    values = {(s["name"], label): v for s in ind["series"] for label, v in s["points"]}
    return [["label"] + [f"{s['name']} ({ind['unit']})" for s in ind["series"]]] + [
        [label] + [values.get((s["name"], label)) or "" for s in ind["series"]] for label in labels]


def test_each_pillar_page_shows_the_api_figures(db, server, demo, page):
    assert demo["declarations"]["history"]["declarations"] == 90
    # One window for the API and the page: the day is taken once (each "now" of its own put the two a minute
    # apart when the clock turned between them, and the stated windows differed).
    as_of = datetime.now(UTC).date().isoformat()
    with httpx.Client(base_url=server.url, timeout=120) as anyone:
        for pillar in PILLARS:
            api = {i["key"]: i for i in anyone.get("/api/v1/dashboard/indicators",
                                                    params={"economy": "AU", "pillar": pillar, "as_of": as_of}).json()}
            page.goto(f"{server.url}/dashboard/{pillar}?economy=AU&as_of={as_of}")
            sections = page.locator("section.indicator")
            assert sections.count() == len(api) > 0
            for section in sections.all():
                ind = api[section.get_attribute("data-key")]
                assert section.locator("h3").inner_text() == f"{ind['title']} ({ind['unit']})"
                assert ind["provenance"] in section.locator(".provenance").inner_text()
                assert table_of(section) == api_table(ind), ind["key"]
                if ind["chart"] != "none" and any(v is not None for s in ind["series"] for _, v in s["points"]):
                    marks = section.locator("svg rect[fill], svg circle").count()
                    assert marks == sum(v is not None for s in ind["series"] for _, v in s["points"]), ind["key"]
                    csv = anyone.get(section.locator("a.csv").get_attribute("href")).text.splitlines()
                    assert csv[0].split(",")[0] == "label" and len(csv) == len(table_of(section))
            check_page(page, f"dashboard-{pillar}")
        indicator = api_of(anyone, "policy")["release_time_trend"]
        trend = {s["name"]: dict(s["points"]) for s in indicator["series"]}
        # The window the server states it computed over (not one the test derives from today's date, which
        # could differ from the server's across a month's end)
        stated = re.search(r"computed live: (\d{4}-\d{2}-\d{2}) to ", indicator["provenance"])
        assert stated, indicator["provenance"]
        start = stated.group(1)
        trs = anyone.get("/api/v1/metrics/time-release", params={"from": start, "economy": "AU",
                                                                   "by": "period", "period": "month"}).json()
        assert trs["groups"]
        for group in trs["groups"]:
            median = next(s for s in group["intervals"] if s["interval"] == "lodgement_to_release")["median_hours"]
            assert trend["lodgement to release"][group["value"]] == display(median), group["value"]
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{server.url}/dashboard/industry?economy=AU")
    assert no_sideways_scroll(page)
    screenshot(page, "dashboard-industry-phone")


def api_of(client, pillar: str) -> dict:
    return {i["key"]: i for i in client.get("/api/v1/dashboard/indicators",
                                            params={"economy": "AU", "pillar": pillar}).json()}


def test_an_admin_sets_an_entered_indicator_in_the_browser_and_the_change_is_kept(db, server, page):
    make_user(db, "ada", "admin", economy="AU")
    page.goto(server.url + "/dashboard/admin")
    assert "/login?next=/dashboard/admin" in page.url
    sign_in(page, server, "ada", next_path="/dashboard/admin")
    page.fill("#f-key", "paperless_declarations_share")
    page.fill("#f-value", "96.4")
    page.fill("#f-unit", "%")
    page.fill("#f-source", "ABF annual report 2025-26, p. 41")
    page.fill("#f-as_of", "2026-06-30")
    page.click("#save-indicator")
    section = page.locator("section[data-key=paperless_declarations_share]")
    assert section.locator(".value").inner_text() == "96.4"
    page.fill("#f-key", "paperless_declarations_share")
    page.fill("#f-value", "97.0")
    page.fill("#f-unit", "%")
    page.fill("#f-source", "ABF annual report 2025-26, p. 41 (corrected)")
    page.fill("#f-as_of", "2026-06-30")
    page.click("#save-indicator")
    rows = section.locator("table.history tbody tr")
    assert rows.count() == 2
    assert [r.locator("td").nth(2).inner_text() for r in rows.all()] == ["96.4 %", "97.0 %"]
    check_page(page, "dashboard-admin")
    page.fill("#f-key", "new_measure")
    page.fill("#f-value", "1")
    page.fill("#f-unit", "x")
    page.fill("#f-source", "somewhere")
    page.fill("#f-as_of", "2026-06-30")
    page.click("#save-indicator")
    assert "a new key needs its pillar" in page.locator("#pillar-error").inner_text()
    page.goto(server.url + "/dashboard/technology?economy=AU")
    shown = page.locator("section[data-key=paperless_declarations_share]")
    assert "97.0" in shown.inner_text() and "(corrected)" in shown.inner_text()
