"""Plain data in and out of the tariff, payment and release faces."""

from __future__ import annotations

import datetime as dt
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from clearway.declarations.schemas import DeclarationIn

Ident = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]
Amount = Annotated[Decimal, Field(gt=0, max_digits=20, decimal_places=6, allow_inf_nan=False)]


class QuoteIn(DeclarationIn):
    date: dt.date | None = Field(default=None, description="the day whose rules apply (default: today, UTC)")


class PaymentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    amount: Amount
    currency: Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, min_length=3, max_length=3)]
    method: Literal["bank_transfer", "deferred"]
    reference: Ident = Field(description="the provider's reference, or the deferred account number")


class ReferenceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    provider: Literal["bank_transfer"] = "bank_transfer"


class SecurityIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    guarantee: Ident


class AccountIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    holder: Ident
    credit_limit: Amount
    currency: Annotated[str, StringConstraints(min_length=3, max_length=3, to_upper=True)] | None = None


class GuaranteeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    holder: Ident
    amount: Amount
    currency: Annotated[str, StringConstraints(min_length=3, max_length=3, to_upper=True)] | None = None
    number: Ident | None = None


def plain(v: Any) -> Any:
    """JSON-ready: money as exact strings (never floats), times as ISO 8601."""
    if isinstance(v, Decimal):
        return format(v, "f")
    if isinstance(v, datetime):
        return v.isoformat().replace("+00:00", "Z")
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, dict):
        return {k: plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [plain(x) for x in v]
    return v


# ---- answers (the OpenAPI document types each; extra members a later version adds are kept, not dropped) ----

Money = Annotated[str, Field(pattern=r"^-?\d+(\.\d+)?$", description="an exact decimal amount (a string, never a "
                                                                      "float), e.g. \"1234.50\"")]


class _Out(BaseModel):
    model_config = ConfigDict(extra="allow")


class AssessmentLineOut(_Out):
    """One line of an assessment: a duty, excise, tax or fee on one item, with what it was computed from."""

    item: int = Field(description="the item's index (0-based); 0 with hs_code '*' for a consignment-wide line")
    kind: str = Field(description="duty | excise | tax | fee")
    hs_code: str
    tariff_line: str | None
    base: Money
    rate: str
    amount: Money
    legal_basis: str | None
    decision: str | None = None


NOT_ASSESSED_DOC = ("why nothing was assessed, or null: a clearance request (declaration kind `clearance_request`) "
                    "is not assessed, and its zero amounts mean nothing was assessed, not a computed zero duty")


class QuoteOut(_Out):
    """The landed cost of a declaration under the rules of a date, without lodging it."""

    economy: str
    date: dt.date
    currency: str
    declared_currency: str
    exchange_rate: Money | None
    valuation_basis: str
    customs_value: Money
    de_minimis: dict[str, Any]
    lines: list[AssessmentLineOut]
    duty: Money
    excise: Money
    tax: Money
    fees: Money
    total_due: Money
    tax_name: str | None = None
    notes: list[str]
    not_assessed: str | None = Field(default=None, description=NOT_ASSESSED_DOC)
    quote: bool = True


class ReceiptOut(_Out):
    receipt: str
    amount: Money
    currency: str
    method: str
    reference: str | None
    paid_at: datetime


class AssessmentOut(_Out):
    """The assessment in force for a declaration: what is due, paid, secured and outstanding, the receipts and
    the release code once released."""

    declaration: str = Field(description="the MRN")
    status: str
    version: int = Field(description="the declaration version this assessment is of")
    current: bool = Field(description="false when the declaration was amended after this assessment")
    lane: str | None
    assessed_at: datetime
    rules_date: dt.date
    currency: str
    duty: Money
    excise: Money
    tax: Money
    fees: Money
    total_due: Money
    paid: Money
    secured: Money
    outstanding: Money
    release_code: str | None
    payments: list[ReceiptOut]
    not_assessed: str | None = Field(default=None, description=NOT_ASSESSED_DOC)
    detail: dict[str, Any] = Field(description="the calculation: customs value, lines, notes (as in a quote)")


class ReleaseCheckOut(_Out):
    """A valid release code: which declaration it released, where and when."""

    code: str
    valid: bool
    declaration: str
    economy: str
    office: str
    released_at: datetime
    status: str


class MeasureOut(_Out):
    code: str
    type: str
    rate: str
    agreement: str | None
    origins: list[str] | None
    base: str | None
    valid_from: dt.date | None
    valid_to: dt.date | None
    description: str | None
    legal_basis: str | None
    source: str | None
    note: str | None
    min_value: Money | None
    max_value: Money | None


class ConsumptionTaxOut(_Out):
    name: str
    standard_rate_percent: str
    surtax: str | None


class DeMinimisOut(_Out):
    currency: str
    duty_threshold: Money | None
    tax_threshold: Money | None
    excluded: bool
    source: str | None


class TariffLineOut(_Out):
    """The measures in force for a tariff line on a date, with their sources."""

    economy: str
    code: str
    date: dt.date
    description: str | None
    schedule: str
    currency: str
    valuation_basis: str | None
    measures: list[MeasureOut]
    fees: list[MeasureOut]
    national_lines: list[str]
    consumption_tax: ConsumptionTaxOut | None
    de_minimis: DeMinimisOut | None
