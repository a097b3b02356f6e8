"""The TFA heat map, matches, gaps, the admin's entry form and the gender pages in real headless Chromium, on the
demo's illustrative data, with axe-core on each page and a screenshot of each under test-results/.

Each page says which day it is as of (`#as-of`); the expectations are computed for that day, not for the test's
own clock, so a run that crosses midnight UTC between the page and the check cannot fail."""

from __future__ import annotations

from clearway.auth.core import Principal
from datetime import date

from clearway.db import transaction
from clearway.flows import stocktake_demo
from clearway.tfa import service
from clearway.workforce import core as workforce_core
from clearway.workforce import service as workforce
from tests.e2e.axe import check_page
from tests.web.support import make_user, sign_in


def test_heat_map_and_an_economys_stock_take(db, server, page):
    stocktake_demo.load(db.factory)
    with transaction(db.factory) as session:
        codes, ids, grid = service.heat_map(session)
    page.goto(server.url + "/tfa")
    assert page.locator("#illustrative").is_visible()
    rows = page.locator("#heatmap tbody tr")
    assert rows.count() == len(codes) == 11
    pg = page.locator("#heatmap tr[data-economy=PG] td")
    assert pg.count() == 36
    assert pg.all_inner_texts() == [str(c.level) for c in grid[codes.index("PG")]]
    check_page(page, "tfa-heatmap")
    page.click("#heatmap th.economy >> text=PG")
    page.wait_for_url("**/tfa/economies/PG")
    with transaction(db.factory) as session:
        take = service.stocktake(session, economy="PG", today=stated_day(page))
    all_row = page.locator("#rates tr[data-category=all] td").all_inner_texts()
    rate = take["rates"][-1]
    assert all_row == [str(rate.measures), str(rate.implemented), str(rate.rate), str(rate.progress)]
    assert page.locator("#overdue tbody tr").count() == len(take["overdue"])
    assert page.locator("#evidence tbody tr").count() == 8
    assert page.locator("svg.chart").first.get_attribute("aria-label") == "Implementation rate by category, PG"
    check_page(page, "tfa-economy-PG")
    page.click("#overdue tbody tr >> nth=0 >> a")
    page.wait_for_url("**/tfa/measures/*")
    assert page.locator("#needing tr[data-economy=PG]").count() == 1
    check_page(page, "tfa-measure")


def test_matches_explain_each_score_and_gaps_list_what_no_project_covers(db, server, page):
    stocktake_demo.load(db.factory)
    page.goto(server.url + "/tfa/matches")
    page.select_option("#f-economy", "PG")
    page.click("button[type=submit]")
    page.wait_for_url("**/tfa/matches?economy=PG")
    with transaction(db.factory) as session:
        ranking = service.ranking(session, economy="PG", today=stated_day(page))
    items = page.locator("#matches > li")
    assert items.count() == len(ranking.matches) >= 2
    first = ranking.matches[0]
    assert items.first.get_attribute("data-project") == first.project.code
    assert items.first.locator(".score").inner_text() == str(first.score)
    assert items.first.locator(".explain li").all_inner_texts() == list(first.explanation)
    check_page(page, "tfa-matches-PG")
    page.click(".subnav >> text=Gaps")
    page.wait_for_url("**/tfa/gaps")
    with transaction(db.factory) as session:
        gaps = service.gaps(session, today=stated_day(page))
    assert page.locator("#gaps tbody tr").count() == len(gaps)
    assert [r.get_attribute("data-measure") for r in page.locator("#gaps tbody tr").all()] == [g.measure for g in gaps]
    check_page(page, "tfa-gaps")


def test_only_the_economys_admin_enters_a_commitment_with_errors_beside_the_fields(db, server, page):
    make_user(db, "pg-admin", "admin", economy="PG", full_name="PG Admin")
    make_user(db, "au-admin", "admin", economy="AU")
    sign_in(page, server, "au-admin")
    page.goto(server.url + "/tfa/economies/PG/edit")
    assert "Only the admin of PG" in page.locator("#refusal").inner_text()
    page.click("#sign-out")
    sign_in(page, server, "pg-admin", next_path="/tfa/economies/PG")
    page.click("#add-entry")
    page.select_option("#f-measure", "7.6")
    page.select_option("#f-category", "B")
    page.select_option("#f-status", "implemented")
    page.fill("#f-percent", "100")
    page.click("#save-commitment")
    assert page.locator("#evidence-error").inner_text().startswith("is required when status is implemented")
    assert page.locator("#f-percent").input_value() == "100"  # nothing typed is lost
    check_page(page, "tfa-edit-errors")
    page.fill("#f-evidence", "Release time study published 2026")
    page.click("#save-commitment")
    page.wait_for_url("**/tfa/economies/PG?saved=7.6*")
    row = page.locator("#commitments tr[data-measure='7.6'] td").all_inner_texts()
    assert row[:4] == ["B", "-", "-", "implemented (100%)"] and "by admin:PG" in row[-1]


def test_gender_pages_show_trends_scores_and_to_own_customs_the_open_actions(db, server, page):
    stocktake_demo.load(db.factory)
    with transaction(db.factory) as session:
        rows = workforce.metrics(session, economy="TH")
        scores = workforce.scores(session, economy="TH")
        ratings = [workforce.to_rating(r) for r in workforce.ratings(
            session, principal=_officer_th(), economy="TH")]
    page.goto(server.url + "/gender")
    assert page.locator("#regional tbody tr").count() == 8
    check_page(page, "gender-regional")
    page.click("#regional >> text=Thailand")
    page.wait_for_url("**/gender/TH")
    assert page.locator("#trends tbody tr").count() == len(rows) == 5
    latest = workforce_core.published(workforce.to_core(rows[-1]))[0]
    assert page.locator("#trends tr[data-year='2025'] td").all_inner_texts() == [str(latest[k]) for k in workforce_core.SHARES]
    assert page.locator("#scores thead th").count() == 1 + len(scores)
    assert page.locator("#actions-private").is_visible()
    check_page(page, "gender-TH-public")
    make_user(db, "th-officer", "officer", economy="TH")
    sign_in(page, server, "th-officer", next_path="/gender/TH")
    page.wait_for_url("**/gender/TH")
    expected = workforce_core.open_actions(ratings, today=stated_day(page))
    assert page.locator("#actions tbody tr").count() == len(expected) > 0
    assert page.locator("#actions tbody tr").first.get_attribute("data-indicator") == expected[0][0].indicator
    check_page(page, "gender-TH-actions")


def stated_day(page) -> date:
    """The day the page says it is as of."""
    return date.fromisoformat(page.locator("#as-of").get_attribute("datetime"))


def _officer_th() -> Principal:
    return Principal(key_id=0, role="officer", economy="TH")


def test_the_admin_enters_a_years_head_counts_and_a_rating_with_errors_beside_the_fields(db, server, page):
    make_user(db, "th-admin", "admin", economy="TH")
    sign_in(page, server, "th-admin", next_path="/gender/TH")
    page.click("#enter-figures")
    page.wait_for_url("**/gender/TH/edit")
    page.fill("#m-year", "2026")
    page.fill("#m-staff", "1000")
    page.fill("#m-women", "1200")
    page.click("#save-metrics")
    assert page.locator("#women-error").inner_text() == "is 1200, more than staff (1000)"
    check_page(page, "gender-edit-errors")
    page.fill("#m-women", "450")
    page.fill("#m-leaders", "40")
    page.fill("#m-leaders_women", "10")
    page.click("#save-metrics")
    page.wait_for_url("**/gender/TH?saved=2026*")
    assert page.locator("#trends tr[data-year='2026'] td").all_inner_texts()[:4] == ["45.0", "-", "-", "25.0"]
    page.click("#enter-figures")
    page.fill("#r-assessed_on", "2026-11-30")
    page.select_option("#r-indicator", "P4.1")
    page.select_option("#r-rating", "2")
    page.fill("#r-action", "set a target for women in leadership")
    page.click("#save-rating")
    assert page.locator("#action_owner-error").inner_text() == "is required with an action"
    page.fill("#r-action_owner", "Deputy commissioner")
    page.fill("#r-action_due", "2027-06-30")
    page.click("#save-rating")
    page.wait_for_url("**/gender/TH?saved=2026-11-30*")
    assert page.locator("#scores tr[data-principle=P4] td").all_inner_texts() == ["50.0"]  # 2 of 4
    assert page.locator("#actions tr[data-indicator='P4.1'] td").all_inner_texts()[1:3] == [
        "set a target for women in leadership", "Deputy commissioner"]
