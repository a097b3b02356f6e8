"""What the payment face answers: payment references, receipts, securities, deferred accounts and their
statements, guarantees. Money is Decimal here and leaves as an exact string ("12.50", never a float or
an exponent). (What the face takes in sits in clearway.tariff.schemas.)"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, PlainSerializer

Money = Annotated[Decimal, PlainSerializer(lambda v: format(v, "f"), return_type=str, when_used="json")]


class ReferenceOut(BaseModel):
    provider: str
    reference: str
    amount: Money
    currency: str
    instructions: str | None


class PaymentOut(BaseModel):
    receipt: str
    amount: Money
    currency: str
    method: str
    status: str
    release_code: str | None
    outstanding: Money


class SecurityOut(BaseModel):
    guarantee: str
    secured: Money
    status: str
    release_code: str | None


class AccountOut(BaseModel):
    number: str
    holder: str
    economy: str
    currency: str
    credit_limit: Money


class AccountLineOut(AccountOut):
    """An account in the list of accounts: with the credit still available."""

    available: Money


class ChargeOut(BaseModel):
    declaration: str | None
    amount: Money
    charged_at: str  # ISO 8601, as recorded


class StatementOut(BaseModel):
    account: str
    holder: str
    currency: str
    period: str
    credit_limit: Money
    available: Money
    charges: list[ChargeOut]
    total: Money


class GuaranteeOut(BaseModel):
    number: str
    holder: str
    currency: str
    amount: Money
