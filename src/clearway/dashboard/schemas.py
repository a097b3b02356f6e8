"""What an administrator enters, and what an installation publishes to the regional one."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from clearway.dashboard.core import PILLARS

Short = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class EnteredIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    value: Short = Field(description='the figure or answer, e.g. "87.5" or "yes"')
    unit: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
    source: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=2000)] = Field(
        description="where the figure comes from (publication, law, survey), so that a reader can check it")
    as_of: date = Field(description="the date the figure describes")
    pillar: Literal[tuple(PILLARS)] | None = Field(  # type: ignore[valid-type]
        default=None, description="required for a key not in the expected list")
    title: Short | None = None
    economy: Annotated[str, StringConstraints(to_upper=True, min_length=2, max_length=2)] | None = Field(
        default=None, description="default: the key's economy")


class EnteredOut(BaseModel):
    economy: str
    key: str
    pillar: str
    title: str
    value: str
    unit: str
    source: str
    as_of: date
    updated_at: datetime
    actor: str


class ChangeOut(BaseModel):
    value: str
    unit: str
    source: str
    as_of: date
    changed_at: datetime
    actor: str


Share = Annotated[str, StringConstraints(pattern=r"^\d{1,3}(\.\d)?$")] | None


class WorkforceYear(BaseModel):
    """One year's published workforce shares (per cent); no head count below the administration."""

    model_config = ConfigDict(extra="forbid")

    year: int = Field(ge=1900, le=2200)
    shares: dict[Annotated[str, StringConstraints(max_length=40)], Share] = Field(max_length=10)
    grade_shares: dict[Annotated[str, StringConstraints(max_length=40)], Share] = Field(max_length=40)
    illustrative: bool


class TfaRate(BaseModel):
    """The share of an economy's TFA measures implemented, per category A, B, C or all."""

    model_config = ConfigDict(extra="forbid")

    category: Literal["A", "B", "C", "all"]
    measures: int = Field(ge=0, le=100)
    implemented: int = Field(ge=0, le=100)
    rate: Share


class PublicationIn(BaseModel):
    """Aggregate figures only: indicators as the dashboard API returns them, no declaration-level data."""

    model_config = ConfigDict(extra="forbid")

    economy: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
    period: Annotated[str, StringConstraints(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]
    indicators: list[dict] = Field(max_length=100)
    workforce: list[WorkforceYear] = Field(default=[], max_length=100)
    tfa: list[TfaRate] = Field(default=[], max_length=4)


class PublicationOut(BaseModel):
    economy: str
    period: str
    received_at: datetime
    replaced: bool
    unchanged: bool


class SeriesOut(BaseModel):
    name: str
    points: list[tuple[str, str | None]] = Field(description="[label, figure]: the figure as text (money exact, "
                                                              "others to two decimals at most), null for no data")


class IndicatorOut(BaseModel):
    """One indicator of the public dashboard: computed live, or entered with its source and date."""

    key: str
    pillar: str
    title: str
    unit: str
    source: str = Field(description="computed | entered")
    provenance: str
    chart: str = Field(description="bar | line | none")
    note: str | None
    series: list[SeriesOut]


class RegionalFiguresOut(BaseModel):
    """The latest figures one economy published to this hub; the figures' own keys follow these three."""

    model_config = ConfigDict(extra="allow")

    economy: str
    period: str
    received_at: str = Field(description="ISO 8601")
