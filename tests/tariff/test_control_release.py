"""Control done, then release: one flow (clearance.inspect) that always checks that what is due is paid
or secured. Recording a control alone never releases. Amounts found at control are in the declaration's
currency. Real HTTP and a real database, SQLite and PostgreSQL."""

from decimal import Decimal as D

from sqlalchemy import select

from clearway.controls.service import raise_finding
from clearway.db import transaction
from clearway.declarations.models import Declaration
from clearway.flows import lanes
from clearway.risk.schemas import InspectionIn
from tests.tariff.support import lodge

# The AU T-shirts example: 2,000 USD FOB; duty 153.00 + GST 338.13 = 491.13 AUD at the demo rate 1.53 AUD/USD.
DUE = "491.13"


def under_control(au, db, lrn="ACME-2026-TEE-0001") -> str:
    """A declaration assessed with DUE to pay and sent to control by an open (seal) finding."""
    mrn = lodge(au.declarant, lrn=lrn)
    with transaction(db.factory) as s:
        row = s.scalars(select(Declaration).where(Declaration.mrn == mrn)).one()
        raise_finding(s, declaration_id=row.id, mrn=mrn, source="seals", code="seal.alert", lane="yellow",
                      reason="seal opened", actor="test")
    a = au.declarant.post(f"/api/v1/declarations/{mrn}/assessment").json()
    assert (a["status"], a["total_due"], a["currency"]) == ("under_control", DUE, "AUD")
    return mrn


def pay(au, mrn, amount):
    ref = au.declarant.post(f"/api/v1/declarations/{mrn}/payment-reference").json()["reference"]
    r = au.declarant.post(f"/api/v1/declarations/{mrn}/payments", json={
        "amount": amount, "currency": "AUD", "method": "bank_transfer", "reference": ref})
    assert r.status_code == 201, r.text
    return r.json()


def status(au, mrn):
    return au.officer.get(f"/api/v1/declarations/{mrn}").json()["status"]


def test_a_control_done_on_an_unpaid_declaration_does_not_release(au, db, keys):
    mrn = under_control(au, db)
    with transaction(db.factory) as s:  # the inspection step with no callback: it used to release
        lanes.record_inspection(s, principal=keys.principal("officer", "AU"), mrn=mrn,
                                body=InspectionIn(outcome="compliant"))
    assert status(au, mrn) == "under_control"
    assert au.declarant.get(f"/api/v1/declarations/{mrn}/assessment").json()["release_code"] is None
    paid = pay(au, mrn, DUE)  # the control is done: paying what is due releases the goods
    assert paid["status"] == "released" and paid["release_code"]


def test_the_officers_release_waits_for_payment_and_happens_once_paid_first(au, db):
    unpaid, paid_first = under_control(au, db), under_control(au, db, lrn="ACME-2026-TEE-0002")
    r = au.officer.post(f"/api/v1/declarations/{unpaid}/inspection", json={"outcome": "compliant"})
    assert r.status_code == 201 and r.json()["status"] == "under_control", r.text

    assert pay(au, paid_first, DUE)["status"] == "under_control"  # under control: payment alone does not release
    r = au.officer.post(f"/api/v1/declarations/{paid_first}/inspection", json={"outcome": "compliant"})
    assert r.status_code == 201 and r.json()["status"] == "released", r.text


def test_extra_duty_found_at_control_is_in_the_declaration_currency(au, db):
    mrn = under_control(au, db)
    too_precise = au.officer.post(f"/api/v1/declarations/{mrn}/inspection", json={
        "outcome": "irregular", "findings": ["x"], "extra_duty": "50.005"})
    assert too_precise.status_code == 422 and too_precise.json()["errors"][0]["path"] == "extra_duty"
    assert "USD" in too_precise.json()["errors"][0]["reason"]

    r = au.officer.post(f"/api/v1/declarations/{mrn}/inspection", json={
        "outcome": "irregular", "findings": ["invoice shows 2,500.00, declared 2,000.00"],
        "revised_value": "2500.00", "extra_duty": "50.00"})
    assert r.status_code == 201, r.text
    assert (r.json()["extra_duty"], r.json()["currency"], r.json()["status"]) == ("50.00", "USD", "under_control")
    # collected in AUD at the assessment's customs rate: 50.00 USD x 1.53 = 76.50 AUD
    a = au.declarant.get(f"/api/v1/declarations/{mrn}/assessment").json()
    assert (a["currency"], a["duty"], a["total_due"], a["outstanding"]) == ("AUD", "229.50", "567.63", "567.63")
    assert a["detail"]["supplementary"][0] == {"amount": "76.50", "currency": "AUD", "found": "50.00 USD at 1.53 AUD/USD",
                                               "reason": "control: irregular; invoice shows 2,500.00, declared 2,000.00"}
    duty_lines = [D(x["amount"]) for x in a["detail"]["lines"] if x["kind"] == "duty"]
    assert duty_lines == [D("153.00"), D("76.50")] and sum(duty_lines) == D(a["duty"])
    assert pay(au, mrn, "567.63")["status"] == "released"
