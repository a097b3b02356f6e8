"""APEC's environmental goods in real headless Chromium: the industry pillar's environmental goods section over a
fixed window (as_of) shows the figures of hand-built declarations and agrees with the API, and a declaration
carrying listed goods shows its flag on the trader's page, the officer's case file and the officer's queue.
axe-core on each page; screenshots under test-results/."""

from __future__ import annotations

import httpx
import pytest

from clearway.demo_goods import party
from clearway.payments.core import at_currency_precision
from clearway.risk import decisions
from tests.e2e.axe import check_page, no_sideways_scroll, screenshot
from tests.green.support import AS_OF, PV, seed
from tests.support import example
from tests.web.support import make_user, sign_in

KEYS = ("environmental_goods_declarations", "environmental_goods_value", "environmental_goods_duty",
        "environmental_goods_lanes", "environmental_goods_release")


def table_of(section) -> list[list[str]]:
    head = [t.strip() for t in section.locator("table.data thead th").all_text_contents()]
    return [head] + [[t.strip() for t in row.locator("th, td").all_text_contents()]
                     for row in section.locator("table.data tbody tr").all()]


def api_table(ind: dict) -> list[list[str]]:
    labels = [label for label, _ in ind["series"][0]["points"]]
    values = {(s["name"], label): v for s in ind["series"] for label, v in s["points"]}
    return [["label"] + [f"{s['name']} ({ind['unit']})" for s in ind["series"]]] + [
        [label] + [values.get((s["name"], label)) or "" for s in ind["series"]] for label in labels]


@pytest.fixture(autouse=True)
def no_model(monkeypatch, tmp_path):
    monkeypatch.setenv(decisions.MODEL_ENV, str(tmp_path / "no-model"))


def test_the_industry_pillar_shows_environmental_goods_against_all_goods(db, server, keys, page):
    fixture = seed(db.factory, keys)
    query = {"economy": "AU", "as_of": AS_OF.isoformat()}
    with httpx.Client(base_url=server.url, timeout=120) as anyone:
        api = {i["key"]: i for i in anyone.get("/api/v1/dashboard/indicators",
                                                params=query | {"pillar": "industry"}).json()}
        page.goto(f"{server.url}/dashboard/industry?economy=AU&as_of={AS_OF.isoformat()}")
        for key in KEYS:
            section = page.locator(f"section.indicator[data-key={key}]")
            assert section.count() == 1, key
            assert "2026-01-01 to 2026-06-30 23:59 UTC" in section.locator(".provenance").inner_text()
            assert section.locator(".badge").inner_text() == "computed"
            assert table_of(section) == api_table(api[key]), key
            assert section.locator("svg.chart").count() == 1
            csv = anyone.get(section.locator("a.csv").get_attribute("href")).text.splitlines()
            assert len(csv) == len(table_of(section)) and "as_of=2026-06-30" in section.locator(
                "a.csv").get_attribute("href")
    assert page.locator("h2.section").all_inner_texts() == ["Environmental goods (APEC list) against all goods"]
    cells = {key: {row[0]: row[1:] for row in table_of(page.locator(f"section[data-key={key}]"))[1:]}
             for key in KEYS}
    assert cells["environmental_goods_declarations"]["declarations"] == ["3", "5"]
    assert cells["environmental_goods_value"]["USD"] == ["29850.00", "29000.00", "34850.00"]
    listed_duty = sum(r["paid"] for r in fixture["rows"] if r["listed"] and r["status"] != "cancelled")
    assert cells["environmental_goods_duty"][fixture["currency"]][0] == format(
        at_currency_precision(listed_duty, fixture["currency"]), "f")
    assert cells["environmental_goods_lanes"] == {"green": ["50", "50"], "yellow": ["0", "25"], "red": ["50", "25"]}
    assert cells["environmental_goods_release"] == {"median": ["2", "4"], "90th percentile": ["10", ""]}
    check_page(page, "dashboard-industry-environmental-goods")
    page.set_viewport_size({"width": 390, "height": 844})
    assert no_sideways_scroll(page)
    screenshot(page, "dashboard-industry-environmental-goods-phone")


def test_a_declaration_carrying_listed_goods_is_flagged_for_the_trader_and_the_officer(db, server, keys, page):
    fixture = seed(db.factory, keys)
    make_user(db, "tess", "declarant", party=party("AU"))
    make_user(db, "olga", "officer")
    mrn = fixture["mrn"]["pv"]
    sign_in(page, server, "tess", next_path=f"/trader/declarations/{mrn}")
    flag = page.locator("#environmental-goods")
    assert flag.locator("#egl-badge").inner_text() == "Environmental goods"
    (line,) = flag.locator("#egl-lines li").all()
    assert (line.get_attribute("data-item"), line.get_attribute("data-coverage")) == ("1", "possibly")
    assert line.locator(".egl-line").inner_text() == "854140"
    assert "not recovered" in line.inner_text() and "854143" in line.inner_text()
    check_page(page, "trader-declaration-environmental-goods")
    page.goto(f"{server.url}/trader/declarations/{fixture['mrn']['shirts']}")
    assert page.locator("#environmental-goods").count() == 0

    officer = page.context.browser.new_page()
    try:
        sign_in(officer, server, "olga", next_path=f"/officer/declarations/{fixture['mrn']['boiler']}")
        assert officer.locator("#case-egl").inner_text().lower() == "environmental goods"
        (line,) = officer.locator("#egl-lines li").all()
        assert line.locator(".egl-line").inner_text() == "840290"
        assert "Steam or other vapour generating boilers" in line.inner_text()
        check_page(officer, "officer-case-environmental-goods")
    finally:
        officer.close()


def test_the_officer_queue_flags_the_declaration_of_solar_cells_and_not_the_other(db, server, keys, page):
    """Issue 19: the queue shows the flag the case file shows. Two declarations held for a control by red
    targeting rules: photovoltaic modules (HS 8541.43, under the shipped list's line 854140, green/data/SOURCE.md)
    and cotton T-shirts (6109.10, on no line)."""
    with keys.client(keys.create("officer", "AU")) as officer:
        for code, chapter in (("PV-RED", "85"), ("TEX-RED", "61")):
            r = officer.post("/api/v1/risk/rules", json={"code": code, "name": f"Chapter {chapter}", "action": "red",
                                                        "conditions": [{"field": "hs_chapter", "op": "eq",
                                                                        "value": chapter}]})
            assert r.status_code == 201, r.text
    make_user(db, "olga", "officer")
    mrn = {}
    with keys.client(keys.create("declarant", "AU", "AU-ABN-11222333444")) as trader:
        for name, items in (("solar", [PV]),
                            ("shirts", example("tariff-au-tshirts.json")["items"])):
            lodged = trader.post("/api/v1/declarations", json={**example("tariff-au-tshirts.json"),
                                                               "lrn": f"EGL-QUEUE-{name}", "items": items})
            assert lodged.status_code == 201, lodged.text
            mrn[name] = lodged.json()["mrn"]
            assessed = trader.post(f"/api/v1/declarations/{mrn[name]}/assessment")
            assert (assessed.status_code, assessed.json()["status"]) == (201, "under_control"), assessed.text
        listed = {i["id"]: i["environmental_goods"] for i in trader.get("/api/v1/declarations").json()["items"]}
    assert [g["subheading"] for g in listed[mrn["solar"]]] == ["854143"] and listed[mrn["shirts"]] == []

    sign_in(page, server, "olga", next_path="/officer/")
    solar, shirts_row = (page.locator(f"#queue li[data-mrn='{mrn[n]}']") for n in ("solar", "shirts"))
    assert solar.count() == 1 and shirts_row.count() == 1
    flag = solar.locator(".case-head .tag.environmental")
    assert flag.inner_text().lower() == "environmental goods"
    assert flag.get_attribute("href") == f"/officer/declarations/{mrn['solar']}#environmental-goods"
    assert shirts_row.locator(".tag.environmental").count() == 0
    assert page.locator("#queue .tag.environmental").count() == 1
    check_page(page, "officer-queue-environmental-goods")
    flag.click()
    page.wait_for_url(f"**/officer/declarations/{mrn['solar']}#environmental-goods")
    assert page.locator("#egl-lines li .egl-line").all_inner_texts() == ["854140"]
