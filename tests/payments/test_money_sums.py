"""Sums of money are exact on both databases: SQLite keeps money as text, and its SUM adds the amounts as floats
(0.10 + 0.20 gives 0.30000000000000004 there). What a declaration's payments add up to, what is left of a
guarantee, and what is left of a deferred account's credit, each after charges of 0.10 and 0.20."""

from decimal import Decimal

from sqlalchemy import func, select

from clearway.db import transaction, utcnow
from clearway.declarations import service as declarations
from clearway.declarations.schemas import DeclarationIn
from clearway.payments import service as payments
from clearway.payments.models import DeferredAccount, DeferredCharge, Guarantee, Payment, Security
from clearway.validation import parse
from tests.support import example
from tests.tariff.support import DECLARANT

AMOUNTS = ("0.10", "0.20")


def _declaration(factory, keys) -> int:
    who = keys.principal("declarant", "AU", DECLARANT)
    with transaction(factory) as s:
        row, _ = declarations.lodge(s, principal=who, decl=parse(DeclarationIn, example("tariff-au-tshirts.json")))
        return row.id


def _float_sum_on_sqlite(factory, column, *where) -> None:
    """The database's own SUM is not exact on SQLite: why the sums are made otherwise there."""
    with factory() as s:
        by_database = s.scalar(select(func.sum(column)).where(*where))
    if factory.kw["bind"].dialect.name == "sqlite":
        assert by_database != Decimal("0.30")
    else:
        assert by_database == Decimal("0.30")


def test_the_payments_of_a_declaration_add_up_exactly(factory, keys):
    did = _declaration(factory, keys)
    with transaction(factory) as s:
        for n, amount in enumerate(AMOUNTS, start=1):
            s.add(Payment(declaration_id=did, receipt=f"RC-SUM-{n}", amount=Decimal(amount), currency="AUD",
                          method="bank_transfer", reference=f"REF{n}", paid_at=utcnow(), actor="test"))
    with factory() as s:
        assert payments.ledger(s, did).paid == Decimal("0.30")
    _float_sum_on_sqlite(factory, Payment.amount, Payment.declaration_id == did)


def test_what_is_left_of_a_guarantee_is_exact(factory, keys):
    did = _declaration(factory, keys)
    with transaction(factory) as s:
        g = Guarantee(number="GAU-SUM", holder=DECLARANT, economy="AU", currency="AUD", amount=Decimal("1.00"),
                      created_at=utcnow())
        s.add(g)
        s.flush()
        for amount in AMOUNTS:
            s.add(Security(guarantee_id=g.id, declaration_id=did, amount=Decimal(amount), secured_at=utcnow()))
        s.add(Security(guarantee_id=g.id, declaration_id=did, amount=Decimal("0.40"), secured_at=utcnow(),
                       discharged_at=utcnow()))  # discharged: no longer uses the guarantee
        gid = g.id
    with factory() as s:
        assert payments.guarantee_available(s, s.get(Guarantee, gid)) == Decimal("0.70")
    _float_sum_on_sqlite(factory, Security.amount, Security.guarantee_id == gid, Security.discharged_at.is_(None))


def test_what_is_left_of_a_deferred_accounts_credit_is_exact(factory, keys):
    did = _declaration(factory, keys)
    with transaction(factory) as s:
        acc = DeferredAccount(number="DAU-SUM", holder=DECLARANT, economy="AU", currency="AUD",
                              credit_limit=Decimal("1.00"), created_at=utcnow())
        s.add(acc)
        s.flush()
        for amount in AMOUNTS:
            s.add(DeferredCharge(account_id=acc.id, declaration_id=did, amount=Decimal(amount), period="2026-12",
                                 charged_at=utcnow()))
        aid = acc.id
    with factory() as s:
        assert payments._open_charges(s, aid) == Decimal("0.30")
        assert payments.available(s, s.get(DeferredAccount, aid)) == Decimal("0.70")
    _float_sum_on_sqlite(factory, DeferredCharge.amount, DeferredCharge.account_id == aid)
