"""The officer's workbench pages over real HTTP (SQLite and PostgreSQL), signed in as a browser would be:
who may open them, the queue's reasons, a control refused beside its field, targeting rules with their
versions and hit rates, the lane policy (admin), deferred accounts and guarantees."""

from __future__ import annotations

import re

import pytest

from clearway.risk import decisions
from tests.support import example
from tests.web.support import csrf_of, make_user, signed_in_as

AU = "AU-ABN-11222333444"


@pytest.fixture(autouse=True)
def no_model(monkeypatch, tmp_path):
    monkeypatch.setenv(decisions.MODEL_ENV, str(tmp_path / "no-model"))


@pytest.fixture
def people(db):
    make_user(db, "olga", "officer")
    make_user(db, "nils", "officer", economy="NZ")
    make_user(db, "root", "admin")
    make_user(db, "tom", "declarant", party=AU)
    return db


def red_declaration(keys) -> str:
    with keys.client(keys.create("officer", "AU")) as officer:
        assert officer.post("/api/v1/risk/rules", json={
            "code": "TEX-RED", "name": "Knitted apparel", "action": "red",
            "conditions": [{"field": "hs_chapter", "op": "eq", "value": "61"}]}).status_code == 201
    with keys.client(keys.create("declarant", "AU", AU)) as trader:
        mrn = trader.post("/api/v1/declarations", json=example("tariff-au-tshirts.json")).json()["mrn"]
        assert trader.post(f"/api/v1/declarations/{mrn}/assessment").json()["lane"] == "red"
    return mrn


def test_a_clearance_request_without_codes_or_values_shows_on_both_sides(server, keys, people):
    """A clearance request (docs/wco.md): the HS rule cannot lane it red, the trader's page says why nothing is
    assessed, and the officer's case file lists its item without code or value."""
    red_declaration(keys)  # the rule TEX-RED (hs_chapter eq 61) exists
    doc = example("declaration-au-oranges.json")
    for key in ("currency", "freight", "insurance", "incoterm"):
        del doc[key]
    doc.update(lrn="CCR-1", kind="clearance_request",
               items=[{"description": "Documentation and printed materials", "origin": "US", "net_weight_kg": "90"}])
    with keys.client(keys.create("declarant", "AU", AU)) as trader:
        mrn = trader.post("/api/v1/declarations", json=doc).json()["mrn"]
        assert trader.post(f"/api/v1/declarations/{mrn}/assessment").json()["lane"] == "green"
    with signed_in_as(server, "tom") as tom:
        page = tom.get(f"/trader/declarations/{mrn}")
        assert page.status_code == 200 and "not assessed: a clearance request releases goods" in page.text
    with signed_in_as(server, "olga") as olga:
        page = olga.get(f"/officer/declarations/{mrn}")
        assert page.status_code == 200 and "Documentation and printed materials" in page.text


def test_only_customs_open_the_workbench_and_each_sees_its_own_economy(server, keys, people):
    mrn = red_declaration(keys)
    with signed_in_as(server, "olga") as olga:
        page = olga.get("/officer/")
        assert page.status_code == 200 and f'data-mrn="{mrn}"' in page.text
        assert "targeting rule TEX-RED v1 (Knitted apparel) forces the red lane" in page.text
        assert olga.get(f"/officer/declarations/{mrn}").status_code == 200
    with signed_in_as(server, "nils") as nils:
        assert mrn not in nils.get("/officer/").text
        assert nils.get(f"/officer/declarations/{mrn}").status_code == 404
    with signed_in_as(server, "tom") as tom:
        assert tom.get("/officer/").status_code == 403
        assert tom.get(f"/officer/declarations/{mrn}").status_code == 403
    with signed_in_as(server, "root") as root:  # an admin reads the queue; the control is an officer's
        case = root.get(f"/officer/declarations/{mrn}")
        assert case.status_code == 200 and 'id="control-form"' not in case.text


def test_a_control_refused_keeps_what_was_typed_and_says_why_beside_the_field(server, keys, people):
    mrn = red_declaration(keys)
    with signed_in_as(server, "olga") as olga:
        token = csrf_of(olga.get(f"/officer/declarations/{mrn}").text)
        r = olga.post(f"/officer/declarations/{mrn}/inspection", data={
            "csrf": token, "outcome": "compliant", "extra_duty": "10.00", "decision": "release"})
        assert r.status_code == 422
        assert re.search(r'id="extra_duty-error">a compliant outcome raises no extra duty<', r.text)
        assert 'value="10.00"' in r.text
        missing = olga.post(f"/officer/declarations/{mrn}/inspection", data={"outcome": "compliant"})
        assert missing.status_code == 403  # no CSRF token
        ok = olga.post(f"/officer/declarations/{mrn}/inspection", data={
            "csrf": token, "outcome": "compliant", "decision": "release"})
        assert ok.status_code == 303 and ok.headers["location"] == f"/officer/declarations/{mrn}?recorded=1"
        case = olga.get(ok.headers["location"]).text
        assert 'id="inspection"' in case and 'id="control-form"' not in case
        again = olga.post(f"/officer/declarations/{mrn}/inspection", data={
            "csrf": token, "outcome": "compliant", "decision": "release"})
        assert again.status_code == 409 and "was already recorded" in again.text


def test_targeting_rules_created_versioned_and_retired_with_their_hit_rate(server, keys, people):
    red_declaration(keys)
    with signed_in_as(server, "olga") as olga:
        token = csrf_of(olga.get("/officer/rules").text)
        bad = olga.post("/officer/rules", data={"csrf": token, "code": "CN-CITRUS", "name": "Citrus from CN",
                                                "action": "yellow", "conditions[0].field": "origin",
                                                "conditions[0].op": "in", "conditions[0].value": ""})
        assert bad.status_code == 422 and 'id="conditions-0-value-error">is required<' in bad.text
        made = olga.post("/officer/rules", data={
            "csrf": token, "code": "CN-CITRUS", "name": "Citrus from CN", "action": "yellow",
            "conditions[0].field": "hs_code", "conditions[0].op": "prefix", "conditions[0].value": "0805",
            "conditions[1].field": "origin", "conditions[1].op": "in", "conditions[1].value": "CN, HK"})
        assert made.status_code == 303 and made.headers["location"] == "/officer/rules/CN-CITRUS"
        changed = olga.post("/officer/rules/CN-CITRUS", data={
            "csrf": token, "name": "Citrus from CN", "action": "score", "score": "0.2",
            "conditions[0].field": "hs_code", "conditions[0].op": "prefix", "conditions[0].value": "0805"})
        assert changed.status_code == 303
        rule = olga.get("/officer/rules/CN-CITRUS").text
        assert re.search(r'id="rule-version">2 \(active\)<', rule)
        assert "<code>origin in CN, HK</code>" in rule  # version 1 kept
        assert olga.post("/officer/rules/CN-CITRUS/retire", data={"csrf": token, "reason": "season over"}
                         ).status_code == 303
        listing = olga.get("/officer/rules").text
        assert 'data-rule="CN-CITRUS"' not in listing and 'data-rule="TEX-RED"' in listing
        row = re.search(r'<tr data-rule="TEX-RED">(.*?)</tr>', listing, re.S).group(1)
        assert "<td>1 / 1</td><td>100.0 %</td>" in row  # one hit of one lane decision
        assert 'data-rule="CN-CITRUS"' in olga.get("/officer/rules?retired=true").text


def test_the_lane_policy_is_read_by_officers_and_set_by_an_admin(server, keys, people):
    red_declaration(keys)
    with signed_in_as(server, "olga") as olga:
        page = olga.get("/officer/policy")
        assert re.search(r'<tr data-office="AUSYD"><td>AUSYD</td><td>1</td><td>1 / 1</td>', page.text)
        assert olga.post("/officer/policy", data={"csrf": csrf_of(page.text), "red_share": "0.05"}).status_code == 403
    with signed_in_as(server, "root") as root:
        token = csrf_of(root.get("/officer/policy").text)
        bad = root.post("/officer/policy", data={"csrf": token, "red_share": "0.6", "yellow_share": "0.6"})
        assert bad.status_code == 422 and 'id="yellow_share-error"' in bad.text
        ok = root.post("/officer/policy", data={"csrf": token, "red_share": "0.05", "yellow_share": "0.1",
                                                "trusted_traders": "AU-ABN-1\nAU-ABN-2\n"})
        assert ok.status_code == 303
        page = root.get("/officer/policy").text
        assert 'value="0.05"' in page and "AU-ABN-1\nAU-ABN-2</textarea>" in page


def test_deferred_accounts_and_guarantees(server, people):
    with signed_in_as(server, "olga") as olga:
        token = csrf_of(olga.get("/officer/accounts").text)
        bad = olga.post("/officer/accounts", data={"csrf": token, "holder": AU, "credit_limit": "-5"})
        assert bad.status_code == 422 and 'id="credit_limit-error"' in bad.text
        assert olga.post("/officer/accounts", data={"csrf": token, "holder": AU, "credit_limit": "5000.00"}
                         ).status_code == 303
        assert olga.post("/officer/guarantees", data={"csrf": token, "holder": AU, "amount": "2500.00",
                                                      "number": "GT-TEST-1"}).status_code == 303
        page = olga.get("/officer/accounts").text
        number = re.search(r'data-account="(DAAU\d+)"', page).group(1)
        assert "<td>5000.00 AUD</td><td>5000.00 AUD</td>" in page
        assert '<tr data-guarantee="GT-TEST-1">' in page and "<td>2500.00 AUD</td>" in page
        statement = olga.get(f"/officer/accounts/{number}")
        assert statement.status_code == 200 and "No charge this month." in statement.text
        assert olga.get(f"/officer/accounts/{number}?period=2026-13").status_code == 422
    with signed_in_as(server, "nils") as nils:
        assert "GT-TEST-1" not in nils.get("/officer/accounts").text
        assert nils.get(f"/officer/accounts/{number}").status_code == 404
