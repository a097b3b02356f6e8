"""Dashboard tables: indicators entered by an administrator (with every change kept), and the aggregate
indicators other installations published to this one (the regional view)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from clearway.db import Base, UTCDateTime


class _Figure:
    """What an administrator enters: the figure, its unit, where it comes from and the date it describes."""

    value: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(40))
    source: Mapped[str] = mapped_column(Text)
    as_of: Mapped[date] = mapped_column(Date)


class EnteredIndicator(_Figure, Base):
    """The current value of an indicator Clearway cannot compute, e.g. the legal framework."""

    __tablename__ = "dashboard_entered"
    __table_args__ = (UniqueConstraint("economy", "key", name="uq_dashboard_entered_economy_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    economy: Mapped[str] = mapped_column(String(2))
    key: Mapped[str] = mapped_column(String(80))
    pillar: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(120))


class EnteredChange(_Figure, Base):
    """Every change of an entered indicator, with who and when (never updated or deleted)."""

    __tablename__ = "dashboard_entered_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("dashboard_entered.id", ondelete="CASCADE"), index=True)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(120))


class Publication(Base):
    """One economy's aggregate indicators for one period, as published to this (regional) installation.
    Publishing the same period again replaces the figures (idempotent per period)."""

    __tablename__ = "dashboard_publications"
    __table_args__ = (UniqueConstraint("economy", "period", name="uq_dashboard_publications_economy_period"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    economy: Mapped[str] = mapped_column(String(2))
    period: Mapped[str] = mapped_column(String(7))  # YYYY-MM
    figures: Mapped[dict[str, Any]] = mapped_column(JSON)
    fingerprint: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(120))
