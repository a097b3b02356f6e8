"""The trader's portal in real headless Chromium, axe-core on every page and a screenshot of each under
test-results/.

The worked example is examples/tariff-au-tshirts.json: 1,000 cotton T-shirts from Bangladesh, FOB USD 2,000,
freight USD 100, insurance USD 10, into Sydney. At the demo rate 1.53 AUD/USD the customs value is AUD 3,060.00;
duty 5% (Customs Tariff Act 1995, Schedule 3, 6109.10.00, the ABF Working Tariff's general rate) is 153.00; GST
is 10% of the value of the taxable importation, i.e. customs value + duty + transport and insurance to Australia
(A New Tax System (Goods and Services Tax) Act 1999, s 13-20(2)): 10% of (3,060.00 + 153.00 + 168.30) = 338.13.
Total AUD 491.13."""

from __future__ import annotations

import re

from tests.e2e.axe import check_page, no_sideways_scroll
from tests.web.support import make_user, sign_in

PARTY = "AU-ABN-11222333444"


def submit(page, target) -> None:
    """Click a submit button (a selector or a locator) and wait for the page the server answers."""
    with page.expect_navigation():
        (page.locator(target) if isinstance(target, str) else target).click()


def _fill_declaration(page, lrn: str) -> None:
    page.fill("#f-lrn", lrn)
    page.select_option("#f-office", "AUSYD")
    page.select_option("#f-currency", "USD")
    page.select_option("#f-incoterm", "FOB")
    page.fill("#f-freight", "100.00")
    page.fill("#f-insurance", "10.00")
    page.fill("#f-importer-name", "Acme Imports")
    page.select_option("#f-importer-country", "AU")
    page.fill("#f-exporter-name", "Dhaka Knit Ltd")
    page.select_option("#f-exporter-country", "BD")
    page.fill("#f-transport-document", "MAEU555000111")


def _fill_item(page, i: int, *, hs: str | None = None) -> None:
    p = f"#f-items-{i}-"
    if hs is None:  # the HS finder, as a trader types words and picks with the keyboard
        page.locator(p + "hs_code").press_sequentially("cotton t-shirts", delay=20)
        page.wait_for_selector(f"#hs-suggestions-{i} li")
        # the first suggestion says which of its trade names the words met
        first = page.locator(f"#hs-suggestions-{i} li").first.inner_text()
        assert first.startswith("610910 ") and first.endswith(" - cotton t-shirt, men's cotton t-shirt, women's cotton t-shirt")
        page.locator(p + "hs_code").press("ArrowDown")
        page.locator(p + "hs_code").press("Enter")
    else:
        page.fill(p + "hs_code", hs)
    page.fill(p + "description", "Cotton T-shirts, knitted")
    page.select_option(p + "origin", "BD")
    page.fill(p + "quantity", "1000")
    page.fill(p + "unit", "u")
    page.fill(p + "net_weight_kg", "200")
    page.fill(p + "value", "2000.00")


def test_a_trader_lodges_with_the_form_sees_the_quote_pays_and_prints_the_release_notice(db, server, page):
    make_user(db, "tom", "declarant", party=PARTY, full_name="Tom Trader")
    sign_in(page, server, "tom")
    page.goto(server.url + "/trader/lodge")
    check_page(page, "trader-lodge-empty")
    _fill_declaration(page, "WEB-TEE-0001")
    _fill_item(page, 0)
    assert page.locator("#f-items-0-hs_code").input_value() == "610910"
    submit(page, "#add-container")  # added and removed by the server: what was typed stays
    page.fill("#f-transport-containers-0", "MSCU1234566")
    submit(page, "#add-item")
    assert page.locator("fieldset.item").count() == 2 and page.locator("#f-lrn").input_value() == "WEB-TEE-0001"
    submit(page, page.locator("#item-1 button", has_text="Remove"))
    submit(page, page.locator(".row button", has_text="Remove").first)
    assert page.locator("fieldset.item").count() == 1 and page.locator("#f-transport-containers-0").count() == 0
    assert page.locator("#f-items-0-value").input_value() == "2000.00"

    submit(page, "#get-quote")
    quote = page.locator("#quote")
    assert quote.locator("#total-due").inner_text() == "491.13 AUD"
    lines = [r.locator("td").all_inner_texts() for r in quote.locator("tbody tr").all()]
    assert [(r[1], r[3], r[4], r[5]) for r in lines] == [("duty", "3060.00", "5%", "153.00"),
                                                         ("tax", "3381.30", "10%", "338.13")]
    assert "Customs Tariff Act 1995" in lines[0][6]
    check_page(page, "trader-lodge-quote")

    submit(page, "#lodge")
    page.wait_for_selector("#lodged")
    mrn = page.locator("h1").inner_text().split()[-1]
    assert re.fullmatch(r"\d{2}AUSYD\d{8}[0-9A-Z]", mrn)
    assert page.locator("#status").inner_text() == "accepted"
    submit(page, "#assess")
    assert page.locator("#outstanding").inner_text() == "491.13 AUD"
    assert page.locator("#timeline li").count() == 3  # accepted, assessed, lane selected (no criteria shown)
    assert "green lane selected" in page.locator("#timeline").inner_text()
    check_page(page, "trader-declaration-assessed")
    submit(page, "#get-reference")
    reference = page.locator("#payment-reference").inner_text()
    assert reference.startswith("RF")
    submit(page, "#confirm-payment")
    assert page.locator("#status").inner_text() == "released"
    assert page.locator("#paid").inner_text() == "491.13 AUD"
    code = page.locator("#released strong").inner_text()

    page.click("#release-notice")
    assert page.locator("#release-code").inner_text() == code
    qr = page.locator("#qr svg")
    assert qr.count() == 1 and qr.bounding_box()["width"] >= 100
    check_page(page, "trader-release-notice")
    page.emulate_media(media="print")
    assert not page.locator("header").is_visible() and not page.locator("#print").is_visible()
    assert page.locator("#release-code").is_visible()
    page.emulate_media(media="screen")
    page.locator("#release-notice figcaption a").click()
    assert page.locator("#release-valid").inner_text().startswith(f"Valid release code {code}")
    assert mrn in page.locator("#release-valid").inner_text()


def test_the_form_keeps_a_draft_and_shows_the_apis_refusals_beside_their_fields(db, server, page):
    make_user(db, "tom", "declarant", party=PARTY)
    sign_in(page, server, "tom")
    page.goto(server.url + "/trader/lodge")
    _fill_declaration(page, "WEB-DRAFT-1")
    submit(page, "#add-item")
    _fill_item(page, 0, hs="999999")
    _fill_item(page, 1, hs="620520")
    page.fill("#f-items-1-description", "second line typed before the page was closed")
    page.wait_for_timeout(500)  # the draft is saved 0.3 s after typing stops
    page.goto(server.url + "/trader/lodge")  # a new, empty form: the draft is offered back
    assert page.locator("#draft-banner").is_visible()
    submit(page, "#draft-restore")
    page.wait_for_selector("#f-items-1-description")
    assert page.locator("#f-items-1-description").input_value() == "second line typed before the page was closed"
    assert page.locator("#f-lrn").input_value() == "WEB-DRAFT-1"
    submit(page, "#lodge")
    assert page.locator("#items-0-hs_code-error").inner_text() == \
        "999999: 999999 is not an HS 2022 subheading; nearest valid codes: 920999, 970199, 960990"
    assert page.locator("#f-items-0-hs_code").get_attribute("aria-invalid") == "true"
    assert page.locator("#items-1-hs_code-error").count() == 0
    assert page.locator("#f-items-1-value").input_value() == "2000.00"  # nothing typed is lost
    check_page(page, "trader-lodge-errors")


def test_a_trader_uploads_a_file_with_one_bad_row_and_sees_which(db, server, page, tmp_path):
    make_user(db, "tom", "declarant", party=PARTY)
    sign_in(page, server, "tom")
    page.goto(server.url + "/trader/upload")
    with page.expect_download() as got:
        page.click("#template")
    template = open(got.value.path(), encoding="utf-8").read().splitlines()
    header, example = template[0], template[1]
    good_second_item = example.replace("610910", "620520").replace("Cotton T-shirts, knitted", "Cotton shirts")
    bad = example.replace("ACME-2026-TEE-0001", "ACME-2026-TEE-0002").replace("610910", "999999")
    path = tmp_path / "declarations.csv"
    path.write_text("\n".join([header, example, good_second_item, bad]) + "\n", encoding="utf-8")
    page.set_input_files("#file", str(path))
    submit(page, "#upload")
    assert page.locator("#upload-summary").inner_text() == "1 accepted, 0 already lodged, 1 lines refused"
    rows = {int(r.get_attribute("data-line")): r.locator("td").all_inner_texts()
            for r in page.locator("#upload-results tbody tr").all()}
    assert rows[2][1:3] == ["ACME-2026-TEE-0001", "accepted"]  # lines 2 and 3: one declaration of two items
    assert rows[4][1:3] == ["ACME-2026-TEE-0002", "refused"]
    assert rows[4][3].startswith("items[0].hs_code: 999999: 999999 is not an HS 2022 subheading")
    check_page(page, "trader-upload-results")
    page.locator("#upload-results a").first.click()
    assert page.locator("#items tbody tr").count() == 2


def test_one_trader_never_sees_anothers_data(db, server, keys, browser):
    from tests.support import example

    with keys.client(keys.create("declarant", "AU", PARTY)) as api:
        mrn = api.post("/api/v1/declarations", json=example("tariff-au-tshirts.json")).json()["mrn"]
    with keys.client(keys.create("officer", "AU")) as officer:
        number = officer.post("/api/v1/payments/deferred-accounts",
                              json={"holder": PARTY, "credit_limit": "5000.00"}).json()["number"]
    make_user(db, "tom", "declarant", party=PARTY)
    make_user(db, "ann", "declarant", party="AU-ABN-55666777888")
    pages = {}
    for who in ("tom", "ann"):
        pages[who] = browser.new_context().new_page()
        sign_in(pages[who], server, who)
    tom, ann = pages["tom"], pages["ann"]
    tom.goto(server.url + "/trader/")
    assert tom.locator(f"#declarations tr[data-mrn='{mrn}']").count() == 1
    ann.goto(server.url + "/trader/")
    assert ann.locator("#no-declarations").count() == 1
    for path in (f"/trader/declarations/{mrn}", f"/trader/declarations/{mrn}/release",
                 f"/trader/account/{number}/statement.csv"):
        response = ann.goto(server.url + path)
        assert response.status == 404 and "no " in ann.locator("#refusal").inner_text(), path
    ann.goto(server.url + "/trader/account")
    assert ann.locator("#no-account").count() == 1
    tom.goto(server.url + "/trader/account")
    assert tom.locator(f"section[data-account='{number}'] .available").inner_text() == "5000.00 AUD"
    for p in pages.values():
        p.context.close()


def test_a_trader_pays_from_the_deferred_account_and_downloads_the_statement(db, server, keys, page):
    from tests.support import example

    with keys.client(keys.create("officer", "AU")) as officer:
        number = officer.post("/api/v1/payments/deferred-accounts",
                              json={"holder": PARTY, "credit_limit": "5000.00"}).json()["number"]
    with keys.client(keys.create("declarant", "AU", PARTY)) as api:
        mrn = api.post("/api/v1/declarations", json=example("tariff-au-tshirts.json")).json()["mrn"]
        assert api.post(f"/api/v1/declarations/{mrn}/assessment").status_code == 201
    make_user(db, "tom", "declarant", party=PARTY)
    sign_in(page, server, "tom")
    page.goto(server.url + f"/trader/declarations/{mrn}")
    submit(page, f"button[data-account='{number}']")
    assert page.locator("#status").inner_text() == "released"
    page.goto(server.url + "/trader/account")
    section = page.locator(f"section[data-account='{number}']")
    assert section.locator(".available").inner_text() == "4508.87 AUD"  # 5,000.00 - 491.13
    assert section.locator(".total").inner_text() == "491.13 AUD"
    check_page(page, "trader-account")
    with page.expect_download() as got:
        section.get_by_role("link", name="Download the statement (CSV)").click()
    lines = open(got.value.path(), encoding="utf-8").read().splitlines()
    assert lines[0] == "account,period,declaration,charged_at,amount,currency"
    assert lines[1].split(",")[2] == mrn and lines[1].split(",")[4:] == ["491.13", "AUD"]
    assert lines[2].split(",")[2:] == ["TOTAL", "", "491.13", "AUD"]


def test_a_trader_uploads_a_parcel_manifest_and_sees_each_parcel_and_the_totals(db, server, page):
    from tests.support import EXAMPLES

    make_user(db, "tom", "declarant", party=PARTY)
    sign_in(page, server, "tom")
    page.goto(server.url + "/trader/parcels")
    page.set_input_files("#manifest", str(EXAMPLES / "lvg-manifest-au.jsonl"))
    submit(page, "#assess-manifest")
    assert page.locator("#parcels-count").inner_text() == "6 (5 assessed, 1 refused)"
    assert page.locator("#parcel-results tbody tr").count() == 6
    refused = page.locator("#parcel-results tr[data-parcel='AU-EX-0006'] td").all_inner_texts()
    assert refused[3] == "refused" and refused[-1] == "value: not a positive decimal number"
    # the same totals as the API's bulk assessment of the same manifest (tests/tariff: lvg manifest)
    assert page.locator("#parcels-total").inner_text() == "379.85 AUD"
    check_page(page, "trader-parcels")


def test_the_trader_pages_fit_a_phone(db, server, browser):
    make_user(db, "tom", "declarant", party=PARTY)
    context = browser.new_context(viewport={"width": 360, "height": 740})
    try:
        page = context.new_page()
        sign_in(page, server, "tom")
        for path in ("/trader/", "/trader/lodge", "/trader/upload", "/trader/parcels", "/trader/account"):
            page.goto(server.url + path)
            assert no_sideways_scroll(page), path
        check_page(page, "trader-phone-account")
    finally:
        context.close()


def test_a_trader_has_the_goods_released_against_a_guarantee_and_sees_what_it_still_covers(db, server, keys, page):
    from tests.support import example

    with keys.client(keys.create("officer", "AU")) as officer:
        r = officer.post("/api/v1/payments/guarantees", json={"holder": PARTY, "amount": "1000.00",
                                                              "number": "GT-AU-WEB-1"})
        assert r.status_code == 201, r.text
    with keys.client(keys.create("declarant", "AU", PARTY)) as api:
        mrn = api.post("/api/v1/declarations", json=example("tariff-au-tshirts.json")).json()["mrn"]
        assert api.post(f"/api/v1/declarations/{mrn}/assessment").status_code == 201
    make_user(db, "tom", "declarant", party=PARTY)
    sign_in(page, server, "tom")
    page.goto(server.url + f"/trader/declarations/{mrn}")
    submit(page, "button[data-guarantee='GT-AU-WEB-1']")
    assert page.locator("#status").inner_text() == "released"  # TFA Art. 7.3: released before payment
    assert page.locator("#outstanding").inner_text() == "491.13 AUD"  # the duties stay due
    page.goto(server.url + "/trader/account")
    cells = page.locator("#guarantees tr[data-guarantee='GT-AU-WEB-1'] td").all_inner_texts()
    assert cells[1:] == ["1000.00 AUD", "508.87 AUD"]  # 1,000.00 - 491.13 secured
    check_page(page, "trader-guarantees")
