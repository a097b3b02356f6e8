"""Assess -> lane -> pay or secure -> release, over real HTTP on SQLite and PostgreSQL."""

from datetime import UTC, datetime
from decimal import Decimal as D

from sqlalchemy import func, select

from clearway.controls.service import raise_finding
from clearway.db import transaction
from clearway.declarations.models import Declaration
from clearway.payments.core import rf_is_valid
from clearway.tariff.models import AssessmentRecord
from tests.support import example
from tests.tariff.support import lodge

# 2,000 USD FOB at 1.53 = 3,060.00 AUD; duty 5% = 153.00; transport 110 USD = 168.30 AUD;
# GST 10% of (3,060.00 + 153.00 + 168.30) = 338.13; total 491.13
DUE = "491.13"


def test_assess_pay_and_release_with_a_checkable_code(au, http):
    mrn = lodge(au.declarant)
    r = au.declarant.post(f"/api/v1/declarations/{mrn}/assessment")
    assert r.status_code == 201, r.text
    a = r.json()
    assert (a["status"], a["lane"], a["total_due"], a["duty"], a["tax"]) == ("lane_selected", "green", DUE,
                                                                             "153.00", "338.13")
    lines = a["detail"]["lines"]
    assert [x["kind"] for x in lines] == ["duty", "tax"] and lines[0]["rate"] == "5%"
    assert "Customs Tariff Act 1995" in lines[0]["legal_basis"]
    assert au.declarant.get(f"/api/v1/declarations/{mrn}").json()["status"] == "lane_selected"

    ref = au.declarant.post(f"/api/v1/declarations/{mrn}/payment-reference").json()
    assert rf_is_valid(ref["reference"]) and ref["amount"] == DUE
    pay = {"currency": "AUD", "method": "bank_transfer", "reference": ref["reference"]}
    under = au.declarant.post(f"/api/v1/declarations/{mrn}/payments", json={**pay, "amount": "491.12"})
    over = au.declarant.post(f"/api/v1/declarations/{mrn}/payments", json={**pay, "amount": "500.00"})
    wrong = au.declarant.post(f"/api/v1/declarations/{mrn}/payments", json={**pay, "amount": DUE, "currency": "USD"})
    for bad in (under, over, wrong):
        assert bad.status_code == 422 and bad.json()["amount_due"] == DUE, bad.text
    assert "under-payment" in under.json()["detail"] and "over-payment" in over.json()["detail"]
    assert au.declarant.get(f"/api/v1/declarations/{mrn}").json()["status"] == "lane_selected"

    ok = au.declarant.post(f"/api/v1/declarations/{mrn}/payments", json={**pay, "amount": DUE})
    assert ok.status_code == 201, ok.text
    assert ok.json()["status"] == "released" and ok.json()["release_code"]
    code = ok.json()["release_code"]
    check = http.get(f"/api/v1/release/{code}")
    assert check.status_code == 200 and check.json()["declaration"] == mrn and check.json()["valid"] is True
    tampered = code[:-1] + ("A" if code[-1] != "A" else "B")
    assert http.get(f"/api/v1/release/{tampered}").status_code == 404
    view = au.declarant.get(f"/api/v1/declarations/{mrn}/assessment").json()
    assert view["paid"] == DUE and view["outstanding"] == "0.00" and view["release_code"] == code
    # The same payment sent again (its answer lost) is the first one: its receipt, nothing paid twice (issue 18).
    again = au.declarant.post(f"/api/v1/declarations/{mrn}/payments", json={**pay, "amount": DUE})
    assert again.status_code == 201 and again.json()["receipt"] == ok.json()["receipt"], again.text
    assert len(au.declarant.get(f"/api/v1/declarations/{mrn}/assessment").json()["payments"]) == 1
    other = au.declarant.post(f"/api/v1/declarations/{mrn}/payments", json={**pay, "amount": "1.00"})
    assert other.status_code == 409 and ok.json()["receipt"] in other.json()["detail"], other.text


def test_nothing_due_is_released_at_assessment(au):
    # T-shirts worth USD 400 FOB (about AUD 612): under AU's AUD 1,000 de minimis, no duty and no GST.
    items = [{**example("tariff-au-tshirts.json")["items"][0], "quantity": "200", "value": "400.00"}]
    mrn = lodge(au.declarant, lrn="ACME-TEE-LOW", items=items)
    a = au.declarant.post(f"/api/v1/declarations/{mrn}/assessment").json()
    assert a["total_due"] == "0.00" and a["status"] == "released" and a["release_code"]


def test_a_missing_ephyto_keeps_nothing_due_oranges_under_control(au):
    mrn = lodge(au.declarant, "declaration-au-oranges.json")  # oranges: Free, GST-free food, but no ePhyto received
    a = au.declarant.post(f"/api/v1/declarations/{mrn}/assessment").json()
    assert (a["total_due"], a["status"], a["lane"]) == ("0.00", "under_control", "yellow")
    assert a.get("release_code") is None


def test_an_open_control_finding_forces_control_and_blocks_release(au, db):
    mrn = lodge(au.declarant)
    with transaction(db.factory) as s:
        row = s.scalars(select(Declaration).where(Declaration.mrn == mrn)).one()
        raise_finding(s, declaration_id=row.id, mrn=mrn, source="seals", code="seal.alert", lane="red",
                      reason="seal opened", actor="test")
    a = au.declarant.post(f"/api/v1/declarations/{mrn}/assessment").json()
    assert a["lane"] == "red" and a["status"] == "under_control"
    ref = au.declarant.post(f"/api/v1/declarations/{mrn}/payment-reference").json()["reference"]
    paid = au.declarant.post(f"/api/v1/declarations/{mrn}/payments",
                             json={"amount": DUE, "currency": "AUD", "method": "bank_transfer", "reference": ref})
    assert paid.status_code == 201 and paid.json()["status"] == "under_control" and paid.json()["release_code"] is None


def test_a_finding_raised_after_a_green_lane_blocks_automatic_release(au, db):
    mrn = lodge(au.declarant)
    assert au.declarant.post(f"/api/v1/declarations/{mrn}/assessment").json()["lane"] == "green"
    with transaction(db.factory) as s:
        row = s.scalars(select(Declaration).where(Declaration.mrn == mrn)).one()
        raise_finding(s, declaration_id=row.id, mrn=mrn, source="certificates", code="ephyto.missing", lane="yellow",
                      reason="no certificate", actor="test")
    ref = au.declarant.post(f"/api/v1/declarations/{mrn}/payment-reference").json()["reference"]
    paid = au.declarant.post(f"/api/v1/declarations/{mrn}/payments",
                             json={"amount": DUE, "currency": "AUD", "method": "bank_transfer", "reference": ref})
    assert paid.json()["status"] == "lane_selected" and paid.json()["release_code"] is None


def test_release_against_a_guarantee_then_payment_discharges_it(au):
    g = au.officer.post("/api/v1/payments/guarantees", json={"holder": "AU-ABN-11222333444", "amount": "600.00"})
    assert g.status_code == 201, g.text
    mrn = lodge(au.declarant)
    au.declarant.post(f"/api/v1/declarations/{mrn}/assessment")
    sec = au.declarant.post(f"/api/v1/declarations/{mrn}/security", json={"guarantee": g.json()["number"]})
    assert sec.status_code == 201 and sec.json()["status"] == "released" and sec.json()["release_code"]
    mrn2 = lodge(au.declarant, lrn="ACME-2026-TEE-0002")
    au.declarant.post(f"/api/v1/declarations/{mrn2}/assessment")
    short = au.declarant.post(f"/api/v1/declarations/{mrn2}/security", json={"guarantee": g.json()["number"]})
    assert short.status_code == 422 and "108.87" in short.json()["detail"]  # 600.00 - 491.13 left
    ref = au.declarant.post(f"/api/v1/declarations/{mrn}/payment-reference").json()["reference"]
    paid = au.declarant.post(f"/api/v1/declarations/{mrn}/payments",
                             json={"amount": DUE, "currency": "AUD", "method": "bank_transfer", "reference": ref})
    assert paid.status_code == 201
    ok = au.declarant.post(f"/api/v1/declarations/{mrn2}/security", json={"guarantee": g.json()["number"]})
    assert ok.status_code == 201 and ok.json()["status"] == "released"


def test_deferred_account_within_its_credit_limit_and_its_statement(au):
    acc = au.officer.post("/api/v1/payments/deferred-accounts",
                          json={"holder": "AU-ABN-11222333444", "credit_limit": "700.00"}).json()
    assert au.declarant.post("/api/v1/payments/deferred-accounts",
                             json={"holder": "x", "credit_limit": "1.00"}).status_code == 403
    first, second = lodge(au.declarant), lodge(au.declarant, lrn="ACME-2026-TEE-0002")
    for m in (first, second):
        au.declarant.post(f"/api/v1/declarations/{m}/assessment")
    body = {"amount": DUE, "currency": "AUD", "method": "deferred", "reference": acc["number"]}
    month = lambda: datetime.now(UTC).strftime("%Y-%m")  # noqa: E731
    months = [month()]
    ok = au.declarant.post(f"/api/v1/declarations/{first}/payments", json=body)
    months.append(month())
    assert ok.status_code == 201 and ok.json()["status"] == "released"
    over = au.declarant.post(f"/api/v1/declarations/{second}/payments", json=body)
    assert over.status_code == 422 and "208.87" in over.json()["detail"]
    # the charge's month: the one the payment was made in, even when it crossed a month's end
    period = next(m for m in months if au.declarant.get(
        f"/api/v1/payments/deferred-accounts/{acc['number']}/statement", params={"period": m}).json()["charges"])
    st = au.declarant.get(f"/api/v1/payments/deferred-accounts/{acc['number']}/statement",
                          params={"period": period}).json()
    assert st["total"] == DUE and st["charges"][0]["declaration"] == first and st["available"] == "208.87"


def test_quote_lodges_nothing_and_refuses_a_day_without_rates(au, db):

    body = {**example("tariff-au-tshirts.json"), "date": "2026-11-28"}
    q = au.declarant.post("/api/v1/assessments/quote", json=body)
    assert q.status_code == 200 and q.json()["total_due"] == DUE and q.json()["quote"] is True
    old = au.declarant.post("/api/v1/assessments/quote", json={**body, "date": "2024-01-15"})
    assert old.status_code == 422 and old.json()["errors"][0]["path"] == "currency"
    with db.factory() as s:
        assert s.scalar(select(func.count(Declaration.id))) == 0
        assert s.scalar(select(func.count(AssessmentRecord.id))) == 0


def test_amended_declaration_is_assessed_again(au):
    mrn = lodge(au.declarant)
    au.declarant.post(f"/api/v1/declarations/{mrn}/assessment")
    dearer = {**example("tariff-au-tshirts.json")["items"][0], "value": "1000.00"}
    r = au.declarant.post(f"/api/v1/declarations/{mrn}/amendments",
                          json={"reason": "price", "changes": {"items": [dearer]}})
    assert r.status_code == 201 and r.json()["status"] == "accepted"
    stale = au.declarant.get(f"/api/v1/declarations/{mrn}/assessment").json()
    assert stale["current"] is False
    fresh = au.declarant.post(f"/api/v1/declarations/{mrn}/assessment").json()
    assert fresh["current"] is True and D(fresh["total_due"]) < D(DUE)


def test_tariff_line_measures_on_a_date(http):
    june = http.get("/api/v1/tariff/JP/lines/080510", params={"date": "2026-06-15"}).json()
    dec = http.get("/api/v1/tariff/JP/lines/080510", params={"date": "2026-12-15"}).json()
    assert [m["rate"] for m in june["measures"] if m["type"] == "mfn"] == ["32%"]
    assert [m["rate"] for m in dec["measures"] if m["type"] == "mfn"] == ["16%"]
    # national 7.8% and local 22/78 of it (10% in all): Japan Customs, Customs Answer 1111
    assert dec["consumption_tax"]["standard_rate_percent"] == "7.8"
    assert dec["consumption_tax"]["surtax"] == "local consumption tax: 22/78 of it"
    us = http.get("/api/v1/tariff/US/lines/220421").json()
    assert us["national_lines"] == ["22042120", "22042150"]
    assert {m["rate"] for m in us["measures"] if m["type"] == "mfn"} == {"0.063 USD/l", "0.169 USD/l"}
    assert http.get("/api/v1/tariff/XX/lines/080510").status_code == 404
    assert http.get("/api/v1/tariff/AU/lines/999999").status_code == 422


def test_other_declarants_cannot_assess_or_pay(au, keys):
    mrn = lodge(au.declarant)
    other = keys.client(keys.create("declarant", "AU", "AU-ABN-99999999999"))
    assert other.post(f"/api/v1/declarations/{mrn}/assessment").status_code == 404
    au.declarant.post(f"/api/v1/declarations/{mrn}/assessment")
    r = other.post(f"/api/v1/declarations/{mrn}/payments",
                   json={"amount": DUE, "currency": "AUD", "method": "bank_transfer", "reference": "RF18539007547034"})
    assert r.status_code == 404
    other.close()
