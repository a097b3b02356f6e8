from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from clearway.db import Base, Money, UTCDateTime


class TariffMeasure(Base):
    """A measure of an economy's loaded schedule (`clearway tariff load`). An economy with loaded measures
    uses them instead of the demo schedule shipped in the package."""

    __tablename__ = "tariff_measures"
    __table_args__ = (Index("ix_tariff_measures_economy_code", "economy", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    economy: Mapped[str] = mapped_column(String(2))
    currency: Mapped[str] = mapped_column(String(3))
    code: Mapped[str] = mapped_column(String(10))
    type: Mapped[str] = mapped_column(String(12))
    rate: Mapped[str] = mapped_column(String(200))
    agreement: Mapped[str | None] = mapped_column(String(40), nullable=True)
    origins: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)
    base: Mapped[str | None] = mapped_column(String(40), nullable=True)
    valid_from: Mapped[date | None] = mapped_column(Date, nullable=True)
    valid_to: Mapped[date | None] = mapped_column(Date, nullable=True)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    legal_basis: Mapped[str | None] = mapped_column(Text, nullable=True)
    source: Mapped[str | None] = mapped_column(Text, nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    min_value: Mapped[Decimal | None] = mapped_column(Money(), nullable=True)
    max_value: Mapped[Decimal | None] = mapped_column(Money(), nullable=True)
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ExchangeRate(Base):
    """A customs exchange rate: local currency per one unit of `currency`, in force from..to (inclusive)."""

    __tablename__ = "tariff_exchange_rates"
    __table_args__ = (UniqueConstraint("economy", "currency", "valid_from", name="uq_tariff_exchange_rates_period"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    economy: Mapped[str] = mapped_column(String(2))
    currency: Mapped[str] = mapped_column(String(3))
    rate: Mapped[str] = mapped_column(String(40))  # exact decimal text (rates can need more than 6 places)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date, nullable=True)
    source: Mapped[str | None] = mapped_column(Text, nullable=True)
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AssessmentRecord(Base):
    """One assessment of one version of a declaration (the latest is the one in force)."""

    __tablename__ = "tariff_assessments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    declaration_id: Mapped[int] = mapped_column(ForeignKey("declarations.id", ondelete="CASCADE"), index=True)
    declaration_version: Mapped[int] = mapped_column(Integer)
    rules_date: Mapped[date] = mapped_column(Date)
    currency: Mapped[str] = mapped_column(String(3))
    duty: Mapped[Decimal] = mapped_column(Money())
    excise: Mapped[Decimal] = mapped_column(Money())
    tax: Mapped[Decimal] = mapped_column(Money())
    fees: Mapped[Decimal] = mapped_column(Money())
    total_due: Mapped[Decimal] = mapped_column(Money())
    lane: Mapped[str | None] = mapped_column(String(10), nullable=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)
    assessed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(120))
