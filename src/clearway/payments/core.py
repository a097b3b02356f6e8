"""Pure payment rules: what is still due, whether a payment settles it exactly, ISO 11649 creditor
references for bank transfers, and deferred-account headroom."""

from __future__ import annotations

import secrets
from decimal import Decimal

from stdnum import iso11649
from stdnum.iso7064 import mod_97_10

from clearway.errors import FieldError, Invalid
from clearway.reference import currencies
from clearway.reference.iso7064 import ALPHANUMERIC

METHODS = ("bank_transfer", "deferred")


def rf_reference(body: str) -> str:
    """ISO 11649 structured creditor reference: RF + 2 check digits + body (up to 21 alphanumerics)."""
    body = body.upper()
    if not (1 <= len(body) <= 21 and all(c in ALPHANUMERIC for c in body)):
        raise ValueError("an RF reference body is 1 to 21 letters or digits")
    return f"RF{mod_97_10.calc_check_digits(body + 'RF')}{body}"  # checked as body + RF + check digits


def rf_is_valid(reference: str) -> bool:
    ref = reference.replace(" ", "").upper()
    if len(ref) < 5 or len(ref) > 25 or not ref.startswith("RF") or not all(c in ALPHANUMERIC for c in ref):
        return False
    return iso11649.is_valid(ref)


def new_rf_reference(prefix: str) -> str:
    """A fresh reference: the declaration's MRN tail and random letters, so it can't be guessed."""
    tail = "".join(secrets.choice(ALPHANUMERIC) for _ in range(6))
    return rf_reference((prefix[-12:] + tail)[:21])


def at_currency_precision(amount: Decimal, currency: str) -> Decimal:
    """An amount read back from the database (NUMERIC(24,6) on PostgreSQL) at its currency's precision."""
    return currencies.round_money(Decimal(amount), currency)


def outstanding(total_due: Decimal, paid: Decimal) -> Decimal:
    return max(total_due - paid, Decimal(0))


def check_settles(*, amount: Decimal, currency: str, due: Decimal, due_currency: str) -> None:
    """A payment must be in the assessment's currency and settle exactly what is due."""
    due_text = f"{format(due, 'f')} {due_currency}"
    if currency.upper() != due_currency:
        raise Invalid(f"pay in {due_currency}: {due_text} is due", amount_due=format(due, "f"),
                      currency=due_currency, errors=[FieldError("currency", f"the amount due is in {due_currency}")])
    if amount != amount.quantize(currencies.quantum(due_currency)):
        raise Invalid(f"{amount} is more precise than {due_currency} allows", amount_due=format(due, "f"),
                      currency=due_currency, errors=[FieldError("amount", "too many decimal places")])
    if due <= 0:
        raise Invalid("nothing is due on this declaration", amount_due="0", currency=due_currency,
                      errors=[FieldError("amount", "nothing is due")])
    if amount < due:
        raise Invalid(f"under-payment: {due_text} is due", amount_due=format(due, "f"), currency=due_currency,
                      errors=[FieldError("amount", f"{format(amount, 'f')} is less than the {due_text} due")])
    if amount > due:
        raise Invalid(f"over-payment: {due_text} is due", amount_due=format(due, "f"), currency=due_currency,
                      errors=[FieldError("amount", f"{format(amount, 'f')} is more than the {due_text} due")])


def headroom(credit_limit: Decimal, open_charges: Decimal) -> Decimal:
    return credit_limit - open_charges
