"""A step of the clearance flow reads a declaration's payments and its open security once (payments.Ledger) and
keeps them up to date itself: a payment step read the payments six times and the securities four times. What it
answers and what it stores stay those of the reads it no longer makes: a payment discharges the security, a
payment sent again is the same payment, a reference is used once."""

import re
from decimal import Decimal

import pytest
from sqlalchemy import event, select

from clearway.db import transaction
from clearway.declarations import service as declarations
from clearway.declarations.schemas import DeclarationIn
from clearway.errors import Conflict
from clearway.flows import clearance
from clearway.payments import service as payments
from clearway.payments.models import Guarantee, Payment, Security
from clearway.validation import parse
from tests.support import example
from tests.tariff.support import DECLARANT


def _assessed(factory, keys) -> tuple[str, Decimal]:
    """A declaration over AU's de minimis, assessed (green: tests/conftest.py fixes the lane draw): its MRN and
    what is due."""
    who = keys.principal("declarant", "AU", DECLARANT)
    body = example("tariff-au-tshirts.json")
    body["items"] = [{**body["items"][0], "value": "2000.00"}]
    with transaction(factory) as s:
        mrn = declarations.lodge(s, principal=who, decl=parse(DeclarationIn, body))[0].mrn
    with transaction(factory) as s:
        assessed = clearance.assess(s, principal=who, mrn=mrn)
        assert assessed.row.status == "lane_selected" and assessed.assessment.lane == "green"
        return mrn, assessed.assessment.total_due


def _reads(statements: list[str], table: str) -> int:
    """Reads of `table`'s rows (not the milestones' query, which joins it)."""
    return sum(re.match(rf"\s*SELECT {table}\.", q) is not None for q in statements)


def _watching(factory):
    statements: list[str] = []
    engine = factory.kw["bind"]
    listen = lambda *a: statements.append(a[2])  # noqa: E731 - (conn, cursor, statement, ...)
    event.listen(engine, "before_cursor_execute", listen)
    return statements, lambda: event.remove(engine, "before_cursor_execute", listen)


def test_a_payment_reads_payments_and_security_once_and_releases(factory, keys):
    who = keys.principal("declarant", "AU", DECLARANT)
    mrn, due = _assessed(factory, keys)
    assert due > 0
    with transaction(factory) as s:
        ref = clearance.payment_reference(s, principal=who, mrn=mrn, provider="bank_transfer")
    statements, stop = _watching(factory)
    try:
        with transaction(factory) as s:
            row, payment, view = clearance.pay(s, principal=who, mrn=mrn, amount=due, currency="AUD",
                                               method="bank_transfer", reference=ref.reference)
    finally:
        stop()
    assert (_reads(statements, "payments"), _reads(statements, "securities")) == (1, 1)
    assert payment.receipt == f"RC{mrn}001" and row.status == "released"
    assert (view["paid"], view["outstanding"], view["secured"]) == (due, Decimal("0.00"), Decimal("0.00"))
    assert [p["receipt"] for p in view["payments"]] == [payment.receipt] and view["release_code"]

    # Sent again (its answer lost): the same payment, nothing paid twice; another amount with it is refused.
    with transaction(factory) as s:
        _, again, view = clearance.pay(s, principal=who, mrn=mrn, amount=due, currency="AUD",
                                       method="bank_transfer", reference=f" {ref.reference.lower()} ")
    assert again.receipt == payment.receipt and [p["receipt"] for p in view["payments"]] == [payment.receipt]
    with pytest.raises(Conflict, match="already used for a payment of"), transaction(factory) as s:
        clearance.pay(s, principal=who, mrn=mrn, amount=due + 1, currency="AUD", method="bank_transfer",
                      reference=ref.reference)
    with factory() as s:
        assert s.scalars(select(Payment.receipt).where(Payment.reference == ref.reference)).all() == [payment.receipt]


def test_a_payment_discharges_the_security_it_settles(factory, keys):
    who = keys.principal("declarant", "AU", DECLARANT)
    officer = keys.principal("officer", "AU")
    mrn, due = _assessed(factory, keys)
    with transaction(factory) as s:
        guarantee = payments.register_guarantee(s, principal=officer, holder=DECLARANT, currency=None,
                                                amount=Decimal("10000.00"))
        number, gid = guarantee.number, guarantee.id
    with transaction(factory) as s:
        row, security, view = clearance.secure(s, principal=who, mrn=mrn, guarantee=number)
        assert (row.status, view["secured"], view["outstanding"]) == ("released", due, due)
    with pytest.raises(Conflict, match="already released"), transaction(factory) as s:
        clearance.secure(s, principal=who, mrn=mrn, guarantee=number)
    with transaction(factory) as s:
        ref = clearance.payment_reference(s, principal=who, mrn=mrn, provider="bank_transfer")
    with transaction(factory) as s:
        row, payment, view = clearance.pay(s, principal=who, mrn=mrn, amount=due, currency="AUD",
                                           method="bank_transfer", reference=ref.reference)
    assert (view["paid"], view["secured"], view["outstanding"]) == (due, Decimal("0.00"), Decimal("0.00"))
    with factory() as s:
        stored = s.scalars(select(Security).where(Security.declaration_id == row.id)).one()
        assert stored.discharged_at == payment.paid_at
        assert payments.guarantee_available(s, s.get(Guarantee, gid)) == Decimal("10000.00")
    with pytest.raises(Conflict, match="released and settled"), transaction(factory) as s:
        clearance.pay(s, principal=who, mrn=mrn, amount=due, currency="AUD", method="bank_transfer",
                      reference=ref.reference + "X")
