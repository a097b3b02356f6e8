"""Deferred accounts belong to one economy: only its officers (and the holder) open, read or use them, and
they never pay another economy's duties. Over real HTTP on SQLite and PostgreSQL."""

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from clearway.db import transaction, utcnow
from clearway.payments.models import DeferredAccount, Payment
from tests.tariff.support import DECLARANT, lodge

DUE = "491.13"  # the AU T-shirts example (see tests/tariff/test_clearance_api.py)


@pytest.fixture
def people(server, keys):
    clients = {name: keys.client(keys.create(role, economy, party)) for name, (role, economy, party) in {
        "declarant": ("declarant", "AU", DECLARANT), "other": ("declarant", "AU", "AU-ABN-99999999999"),
        "officer": ("officer", "AU", None), "admin": ("admin", "AU", None), "nppo": ("nppo", "AU", "AU-DAFF"),
        "nz_officer": ("officer", "NZ", None), "nz_admin": ("admin", "NZ", None),
        "nz_declarant": ("declarant", "NZ", DECLARANT)}.items()}
    yield clients
    for c in clients.values():
        c.close()


def _status(client, mrn):
    return client.get(f"/api/v1/declarations/{mrn}").json()["status"]


def test_an_officer_opens_accounts_of_his_economy_in_its_currency_only(people):
    aud_in_nz = people["nz_officer"].post("/api/v1/payments/deferred-accounts",
                                          json={"holder": DECLARANT, "credit_limit": "5000.00", "currency": "AUD"})
    assert aud_in_nz.status_code == 422, aud_in_nz.text
    assert aud_in_nz.json()["errors"] == [{"path": "currency", "reason": "a deferred account of NZ is in NZD, "
                                                                          "the currency its duties are assessed in"}]
    nzd = people["nz_officer"].post("/api/v1/payments/deferred-accounts",
                                    json={"holder": DECLARANT, "credit_limit": "5000.00"})
    assert nzd.status_code == 201 and (nzd.json()["economy"], nzd.json()["currency"]) == ("NZ", "NZD")


def test_an_account_of_another_economy_never_pays_a_declaration(people, db):
    # The reported case: an AUD account opened in NZ (before opening one was refused) for the AU broker.
    with transaction(db.factory) as s:
        s.add(DeferredAccount(number="DANZ0000000001", holder=DECLARANT, economy="NZ", currency="AUD",
                              credit_limit=Decimal("5000.00"), created_at=utcnow()))
    mrn = lodge(people["declarant"])
    assert people["declarant"].post(f"/api/v1/declarations/{mrn}/assessment").json()["total_due"] == DUE
    paid = people["declarant"].post(f"/api/v1/declarations/{mrn}/payments", json={
        "amount": DUE, "currency": "AUD", "method": "deferred", "reference": "DANZ0000000001"})
    assert paid.status_code == 422, paid.text
    assert paid.json()["errors"] == [{"path": "reference",
                                      "reason": "no deferred account DANZ0000000001 in AU, the declaration's economy"}]
    assert _status(people["declarant"], mrn) == "lane_selected"  # not released
    with db.factory() as s:
        assert s.scalar(select(func.count(Payment.id))) == 0


def test_one_rule_decides_who_lists_reads_and_uses_an_account(people):
    acc = people["officer"].post("/api/v1/payments/deferred-accounts",
                                 json={"holder": DECLARANT, "credit_limit": "700.00"}).json()
    mrn = lodge(people["declarant"])
    people["declarant"].post(f"/api/v1/declarations/{mrn}/assessment")
    ok = people["declarant"].post(f"/api/v1/declarations/{mrn}/payments", json={
        "amount": DUE, "currency": "AUD", "method": "deferred", "reference": acc["number"]})
    assert ok.status_code == 201 and ok.json()["status"] == "released", ok.text
    # the statement of the month the charge was made (read back, not the clock's month: no flake at month end)
    period = people["declarant"].get(f"/api/v1/declarations/{mrn}/assessment").json()["payments"][0]["paid_at"][:7]

    readers = {"declarant", "officer", "admin"}
    for name, client in people.items():
        listed = client.get("/api/v1/payments/deferred-accounts")
        assert listed.status_code == 200, (name, listed.text)
        assert [a["number"] for a in listed.json()] == ([acc["number"]] if name in readers else []), name
        st = client.get(f"/api/v1/payments/deferred-accounts/{acc['number']}/statement", params={"period": period})
        assert st.status_code == (200 if name in readers else 404), (name, st.text)
        if name in readers:
            assert (st.json()["total"], st.json()["available"]) == (DUE, "208.87")
    # the NPPO, the other declarant and NZ's officers learn nothing of it, not even that it exists
    assert "no deferred account" in people["nppo"].get(
        f"/api/v1/payments/deferred-accounts/{acc['number']}/statement", params={"period": period}).json()["detail"]
    listed = people["officer"].get("/api/v1/payments/deferred-accounts").json()[0]
    assert (listed["economy"], listed["currency"], listed["credit_limit"], listed["available"]) == \
        ("AU", "AUD", "700.00", "208.87")


def test_another_declarant_cannot_pay_with_the_holders_account(people):
    acc = people["officer"].post("/api/v1/payments/deferred-accounts",
                                 json={"holder": DECLARANT, "credit_limit": "700.00"}).json()
    mrn = lodge(people["other"], lrn="OTHER-2026-TEE-0001",
                declarant={"id": "AU-ABN-99999999999", "name": "Other Customs Brokers"})
    people["other"].post(f"/api/v1/declarations/{mrn}/assessment")
    paid = people["other"].post(f"/api/v1/declarations/{mrn}/payments", json={
        "amount": DUE, "currency": "AUD", "method": "deferred", "reference": acc["number"]})
    assert paid.status_code == 422 and paid.json()["errors"][0]["path"] == "reference", paid.text
    assert _status(people["other"], mrn) == "lane_selected"


def test_two_payments_at_once_never_overdraw_an_account(people, db):
    """Room for one of two declarations: paid together, exactly one is accepted (the account row is locked
    while its headroom is checked)."""
    import threading

    with transaction(db.factory) as s:
        s.add(DeferredAccount(number="DAAU0000000777", holder=DECLARANT, economy="AU", currency="AUD",
                              credit_limit=Decimal("600.00"), created_at=utcnow()))
    mrns = [lodge(people["declarant"], lrn=f"LOCK-{i}") for i in range(2)]
    for mrn in mrns:
        assert people["declarant"].post(f"/api/v1/declarations/{mrn}/assessment").json()["total_due"] == DUE
    start, answers = threading.Barrier(2), {}

    def pay(mrn: str) -> None:
        start.wait()
        answers[mrn] = people["declarant"].post(f"/api/v1/declarations/{mrn}/payments", json={
            "amount": DUE, "currency": "AUD", "method": "deferred", "reference": "DAAU0000000777"})

    threads = [threading.Thread(target=pay, args=(m,)) for m in mrns]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(a.status_code for a in answers.values()) == [201, 422], [a.text for a in answers.values()]
    with db.factory() as s:
        assert s.scalar(select(func.count(Payment.id))) == 1
