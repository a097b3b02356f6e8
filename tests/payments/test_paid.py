"""What a declaration's payments add up to is exact on both databases: SQLite keeps money as text, and its SUM
would add the amounts as floats (0.10 + 0.20 gives 0.30000000000000004 there)."""

from decimal import Decimal

from sqlalchemy import func, select

from clearway.db import transaction, utcnow
from clearway.declarations import service as declarations
from clearway.declarations.schemas import DeclarationIn
from clearway.payments import service as payments
from clearway.payments.models import Payment
from clearway.validation import parse
from tests.support import example
from tests.tariff.support import DECLARANT


def test_the_payments_of_a_declaration_add_up_exactly(factory, keys):
    who = keys.principal("declarant", "AU", DECLARANT)
    with transaction(factory) as s:
        row, _ = declarations.lodge(s, principal=who, decl=parse(DeclarationIn, example("tariff-au-tshirts.json")))
        for n, amount in enumerate(("0.10", "0.20", "0.05"), start=1):
            s.add(Payment(declaration_id=row.id, receipt=f"RC{row.mrn}{n:03d}", amount=Decimal(amount),
                          currency="AUD", method="bank_transfer", reference=f"REF{n}", paid_at=utcnow(), actor="test"))
    with factory() as s:
        assert payments.paid(s, row.id) == Decimal("0.35")
        by_database = s.scalar(select(func.sum(Payment.amount)).where(Payment.declaration_id == row.id))
    if factory.kw["bind"].dialect.name == "sqlite":
        assert by_database != Decimal("0.35")  # why the amounts are added up in Python
