"""The officer's workbench and the NPPO desk in real headless Chromium, from a running server, with axe-core on
every page (no serious or critical violation) and a screenshot of each under test-results/.

Issue 12's stories: an officer picks a red-lane declaration from the queue, records a finding with extra duty
and the trader pays it; an NPPO issues a certificate that a declaration then matches; an officer of another
economy never sees it."""

from __future__ import annotations

import copy
from decimal import Decimal

from clearway.certificates import nppo
from clearway.db import transaction
from clearway.risk import decisions
from tests.support import example
from tests.e2e.axe import check_page, no_sideways_scroll
from tests.web.support import make_user, sign_in

AU = "AU-ABN-11222333444"


def red_rule(keys) -> None:
    with keys.client(keys.create("officer", "AU")) as officer:
        r = officer.post("/api/v1/risk/rules", json={"code": "TEX-RED", "name": "Knitted apparel", "action": "red",
                                                    "conditions": [{"field": "hs_chapter", "op": "eq", "value": "61"}]})
        assert r.status_code == 201, r.text


def lodge_assessed(trader, doc: dict) -> dict:
    r = trader.post("/api/v1/declarations", json=doc)
    assert r.status_code == 201, r.text
    mrn = r.json()["mrn"]
    a = trader.post(f"/api/v1/declarations/{mrn}/assessment")
    assert a.status_code == 201, a.text
    return a.json() | {"mrn": mrn}


def test_an_officer_picks_a_red_declaration_records_extra_duty_and_the_trader_pays_it(db, server, keys, page,
                                                                                         monkeypatch, tmp_path):
    monkeypatch.setenv(decisions.MODEL_ENV, str(tmp_path / "no-model"))
    red_rule(keys)
    make_user(db, "olga", "officer", full_name="Olga Officer")
    make_user(db, "nils", "officer", economy="NZ")
    trader = keys.client(keys.create("declarant", "AU", AU))
    first = lodge_assessed(trader, example("tariff-au-tshirts.json"))
    assert (first["lane"], first["status"]) == ("red", "under_control")
    due = Decimal(first["total_due"])

    sign_in(page, server, "olga", next_path="/officer/")
    row = page.locator(f"#queue li[data-mrn='{first['mrn']}']")
    assert row.get_attribute("data-lane") == "red"
    assert row.locator(".why li").all_inner_texts() == ["targeting rule TEX-RED v1 (Knitted apparel) forces the red lane"]
    check_page(page, "officer-queue")
    row.locator("a.mrn").click()
    page.wait_for_url(f"**/officer/declarations/{first['mrn']}")
    assert page.locator("#h-control").inner_text() == "Record the physical examination"
    check_page(page, "officer-case")

    page.check("#o-irregular")  # irregular with no finding written: refused beside the field, nothing recorded
    page.fill("#f-extra_duty", "45.50")
    page.click("#record-control")
    assert page.locator("#findings-error").inner_text() == "say what the control found"
    assert page.locator("#f-extra_duty").input_value() == "45.50"
    check_page(page, "officer-case-refused")
    page.fill("#f-findings", "Invoice undervalued: the bank transfer shows 20% more")
    page.click("#record-control")
    page.wait_for_url("**?recorded=1")
    assert page.locator("#case-status").inner_text().lower() == "under control"  # until the extra duty is paid
    assert page.locator("#extra-duty").inner_text() == "45.50 USD"
    check_page(page, "officer-control-recorded")
    page.goto(server.url + "/officer/")
    assert page.locator(f"#queue li[data-mrn='{first['mrn']}']").count() == 0  # nothing left for a human

    view = trader.get(f"/api/v1/declarations/{first['mrn']}/assessment").json()
    outstanding = Decimal(view["outstanding"])
    assert outstanding > due and view["status"] == "under_control"
    ref = trader.post(f"/api/v1/declarations/{first['mrn']}/payment-reference").json()
    assert ref["amount"] == view["outstanding"]
    paid = trader.post(f"/api/v1/declarations/{first['mrn']}/payments", json={
        "amount": view["outstanding"], "currency": view["currency"], "method": "bank_transfer",
        "reference": ref["reference"]})
    assert paid.status_code == 201 and paid.json()["status"] == "released", paid.text
    with db.factory() as session:
        rows = decisions.training_rows(session, economy="AU")
    assert rows.filter(rows["declaration_id"] == first["mrn"])["fraud"].to_list() == [1]

    page.goto(server.url + f"/officer/declarations/{first['mrn']}")
    assert page.locator("#case-status").inner_text().lower() == "released"

    trader.close()
    other = page.context.browser.new_page()  # another economy's officer, in a browser of their own
    try:
        sign_in(other, server, "nils", next_path="/officer/")
        assert other.locator(f"#queue li[data-mrn='{first['mrn']}']").count() == 0
        other.goto(server.url + f"/officer/declarations/{first['mrn']}")
        assert other.locator("h1").inner_text() == "Not found"
    finally:
        other.close()


def test_an_nppo_issues_a_certificate_that_a_declaration_then_matches(db, server, keys, browser, monkeypatch, tmp_path):
    monkeypatch.setenv(decisions.MODEL_ENV, str(tmp_path / "no-model"))
    with transaction(db.factory) as session:
        nppo.create_key(session, economy="CN", party_id="NPPO-CN", actor="test")
    make_user(db, "wei", "nppo", economy="CN", party="NPPO-CN", full_name="Li Wei")
    make_user(db, "olga", "officer", full_name="Olga Officer")
    make_user(db, "nils", "officer", economy="NZ")
    cert = example("ephyto-cn-oranges.json")
    context = browser.new_context(viewport={"width": 390, "height": 844})  # a phone
    page = context.new_page()
    try:
        sign_in(page, server, "wei", next_path="/nppo/")
        check_page(page, "nppo-desk")
        page.click("#new-certificate")
        page.fill("#f-number", cert["number"])
        page.fill("#f-issuer", cert["issuer"])
        page.fill("#f-place_of_issue", cert["place_of_issue"])
        page.fill("#f-authorised_officer", cert["authorised_officer"])
        page.select_option("#f-destination", "AU")
        page.fill("#f-points_of_entry-0", cert["points_of_entry"][0])
        page.select_option("#f-conveyance", "sea")
        page.fill("#f-conveyance_name", cert["conveyance_name"])
        for who in ("consignor", "consignee"):
            page.fill(f"#f-{who}-name", cert[who]["name"])
            page.fill(f"#f-{who}-country", cert[who]["country"])
            page.fill(f"#f-{who}-address", "\n".join(cert[who]["address"]))
        p = cert["products"][0]
        for field in ("description", "hs_code", "botanical_name", "common_name", "intended_use", "net_weight_kg",
                      "gross_weight_kg", "packages"):
            page.fill(f"#f-products-0-{field}", str(p[field]))
        t = cert["treatments"][0]
        page.fill("#f-treatments-0-type", t["type"])
        page.fill("#f-treatments-0-method", t["method"])
        page.fill("#f-treatments-0-temperature_c", t["temperature_c"])
        page.fill("#f-treatments-0-duration_hours", t["duration_hours"])
        page.fill("#f-treatments-0-date", t["date"][:10])
        page.fill("#f-treatments-0-text", t["text"])
        page.fill("#f-ads", "\n".join(cert["additional_declarations"]))
        page.fill("#f-marks", "\n".join(cert["distinguishing_marks"]))
        page.click("#add-product")  # the script adds a fourth, blank row: left blank, it is ignored
        assert page.locator("#products fieldset.row").count() == 4
        assert page.locator("#f-products-3-hs_code").input_value() == ""
        assert no_sideways_scroll(page)
        check_page(page, "nppo-issue-form")
        page.click("#check")
        assert page.locator("#check-result p").inner_text() == "The certificate is valid against the ePhyto schema."
        check_page(page, "nppo-issue-checked")
        page.click("#issue")
        page.wait_for_url("**/nppo/certificates/**")
        assert page.locator("#cert-number").inner_text() == cert["number"]
        assert page.locator("#cert-signed").inner_text() == "signed, signature verified"
        assert page.locator("#cert-valid").inner_text().startswith("valid against the ePhyto schema")
        assert "waiting to be sent" in page.locator("#cert-exchange").inner_text()
        check_page(page, "nppo-certificate")
        page.click("#print-link")
        assert cert["number"] in page.locator("body").inner_text()
        check_page(page, "nppo-printed")
    finally:
        context.close()

    trader = keys.client(keys.create("declarant", "AU", AU))
    doc = copy.deepcopy(example("declaration-au-oranges.json"))
    lodged = lodge_assessed(trader, doc)
    # matched: no document-check finding holds it; nothing is due on this example, so it is released at once
    assert (lodged["lane"], lodged["status"], lodged["total_due"]) == ("green", "released", "0.00")
    trader.close()
    page = browser.new_page()
    try:
        sign_in(page, server, "olga", next_path=f"/officer/declarations/{lodged['mrn']}")
        assert page.locator("#certificate-match").inner_text() == "The cited ePhytos cover the regulated goods."
        assert page.locator(f"#certificates tr[data-certificate='{cert['number']}'] td").all_inner_texts()[1:4] == [
            "yes", "CN", "issued"]
        check_page(page, "officer-case-certificate")
    finally:
        page.close()
    page = browser.new_page()
    try:  # the officer of another economy sees neither the declaration nor the certificate
        sign_in(page, server, "nils", next_path=f"/officer/declarations/{lodged['mrn']}")
        assert page.locator("h1").inner_text() == "Not found"
    finally:
        page.close()


def test_every_workbench_page_is_accessible_and_fits_a_phone(db, server, keys, browser, monkeypatch, tmp_path):
    monkeypatch.setenv(decisions.MODEL_ENV, str(tmp_path / "no-model"))
    red_rule(keys)
    make_user(db, "olga", "officer")
    make_user(db, "root", "admin")
    with keys.client(keys.create("declarant", "AU", AU)) as trader:
        mrn = lodge_assessed(trader, example("tariff-au-tshirts.json"))["mrn"]
    with keys.client(keys.create("officer", "AU")) as officer:
        account = officer.post("/api/v1/payments/deferred-accounts", json={"holder": AU, "credit_limit": "5000.00"})
        assert officer.post("/api/v1/payments/guarantees", json={"holder": AU, "amount": "900.00"}).status_code == 201
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    try:
        sign_in(page, server, "olga", next_path="/officer/")
        for path, name in [("/officer/", "queue"), (f"/officer/declarations/{mrn}", "case"),
                           ("/officer/rules", "rules"), ("/officer/rules/TEX-RED", "rule"),
                           ("/officer/policy", "policy"), ("/officer/accounts", "accounts"),
                           (f"/officer/accounts/{account.json()['number']}", "statement")]:
            page.goto(server.url + path)
            assert page.locator("#signed-in").count() == 1, path
            assert no_sideways_scroll(page), path
            check_page(page, f"phone-officer-{name}")
        page.goto(server.url + "/officer/rules")
        page.keyboard.press("Tab")  # the keyboard reaches the form: type a rule without the mouse
        page.focus("#f-code")
        page.keyboard.type("CN-CITRUS")
        page.fill("#f-name", "Citrus from CN")
        page.select_option("#f-action", "yellow")
        page.select_option("#c0-field", "origin")
        page.select_option("#c0-op", "in")
        page.fill("#c0-value", "CN, HK")
        page.focus("#create-rule")
        page.keyboard.press("Enter")
        page.wait_for_url("**/officer/rules/CN-CITRUS")
        assert page.locator("#rule-version").inner_text() == "1 (active)"
    finally:
        context.close()
