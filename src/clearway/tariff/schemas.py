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
