from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, Field


class RateOut(BaseModel):
    national_line: str
    description: str | None = Field(description="the national line's text in the schedule")
    rate: str = Field(description="the rate as the schedule states it")
    ad_valorem_equivalent: Decimal | None = Field(description="percent; null when it cannot be compared")
    basis: str = Field(description="how the equivalent was found (ad valorem, free, or from declared unit values)")
    above_cap: bool | None


class SubheadingOut(BaseModel):
    subheading: str
    listed_as: str
    description: str
    partial: bool = Field(description="the list names only part of the subheading (an ex-out): every national "
                                      "line under it is checked")
    status: str = Field(description="within | above | not_comparable | not_in_schedule")
    max_ad_valorem_equivalent: Decimal | None
    mfn: list[RateOut]
    preferences: dict[str, list[RateOut]]


class TariffCheckOut(BaseModel):
    economy: str
    date: date
    cap_percent: Decimal
    edition: str
    schedule: str
    currency: str
    counts: dict[str, int]
    preference_counts: dict[str, dict[str, int]]
    above_cap: list[str] = Field(description="national lines whose applied MFN rate is above the cap")
    subheadings: list[SubheadingOut]


class EditionOut(BaseModel):
    id: int | None
    name: str
    subheadings: int
    reason: str
    loaded_at: datetime | None
    actor: str | None
