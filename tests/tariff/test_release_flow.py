"""The hand-over to the inspection flow, and concurrent payments of one declaration."""

import threading

from sqlalchemy import func, select

from clearway.controls.service import open_findings, close_finding, raise_finding
from clearway.db import transaction
from clearway.declarations.models import Declaration
from clearway.flows.clearance import release_if_ready
from clearway.payments.models import Payment
from tests.tariff.support import lodge

DUE = "491.13"


def _row(s, mrn):
    return s.scalars(select(Declaration).where(Declaration.mrn == mrn)).one()


def test_under_control_is_released_after_the_control_only_when_paid_and_findings_closed(au, db):
    mrn = lodge(au.declarant)
    with transaction(db.factory) as s:
        row = _row(s, mrn)
        raise_finding(s, declaration_id=row.id, mrn=mrn, source="seals", code="seal.alert", lane="yellow",
                      reason="seal opened", actor="test")
    assert au.declarant.post(f"/api/v1/declarations/{mrn}/assessment").json()["status"] == "under_control"
    with transaction(db.factory) as s:
        assert release_if_ready(s, row=_row(s, mrn), actor="officer", after_control=True) is None  # finding open
        row = _row(s, mrn)
        close_finding(s, finding=open_findings(s, declaration_id=row.id)[0], mrn=mrn, actor="officer",
                      resolution="inspected: seal intact")
    with transaction(db.factory) as s:
        assert release_if_ready(s, row=_row(s, mrn), actor="officer", after_control=True) is None  # not paid
        assert release_if_ready(s, row=_row(s, mrn), actor="officer") is None  # automatic release never applies
    ref = au.declarant.post(f"/api/v1/declarations/{mrn}/payment-reference").json()["reference"]
    au.declarant.post(f"/api/v1/declarations/{mrn}/payments",
                      json={"amount": DUE, "currency": "AUD", "method": "bank_transfer", "reference": ref})
    with transaction(db.factory) as s:
        rel = release_if_ready(s, row=_row(s, mrn), actor="officer", after_control=True)
        assert rel is not None and rel.basis == "paid" and _row(s, mrn).status == "released"


def test_two_concurrent_payments_settle_once(au, db):
    mrn = lodge(au.declarant)
    au.declarant.post(f"/api/v1/declarations/{mrn}/assessment")
    refs = [au.declarant.post(f"/api/v1/declarations/{mrn}/payment-reference").json()["reference"] for _ in range(2)]
    codes = []

    def pay(ref):
        r = au.declarant.post(f"/api/v1/declarations/{mrn}/payments",
                              json={"amount": DUE, "currency": "AUD", "method": "bank_transfer", "reference": ref})
        codes.append(r.status_code)

    threads = [threading.Thread(target=pay, args=(ref,)) for ref in refs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(codes) == [201, 409] or sorted(codes) == [201, 422], codes
    with db.factory() as s:
        assert s.scalar(select(func.count(Payment.id))) == 1
