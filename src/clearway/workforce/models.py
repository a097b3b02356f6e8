"""Workforce tables: head counts per administration and year, and the self-assessment's ratings with
their evidence and actions. Every change is also appended to the audit chain (who, when, before, after)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from clearway.db import Base, UTCDateTime


class WorkforceMetrics(Base):
    __tablename__ = "workforce_metrics"
    __table_args__ = (UniqueConstraint("economy", "year", name="uq_workforce_metrics_economy_year"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    economy: Mapped[str] = mapped_column(String(2), index=True)
    year: Mapped[int] = mapped_column(Integer)
    staff: Mapped[int] = mapped_column(Integer)
    women: Mapped[int] = mapped_column(Integer)
    frontline_staff: Mapped[int] = mapped_column(Integer)
    frontline_women: Mapped[int] = mapped_column(Integer)
    recruits: Mapped[int] = mapped_column(Integer)
    recruits_women: Mapped[int] = mapped_column(Integer)
    leaders: Mapped[int] = mapped_column(Integer)
    leaders_women: Mapped[int] = mapped_column(Integer)
    trained: Mapped[int] = mapped_column(Integer)
    grades: Mapped[dict[str, list[int]]] = mapped_column(JSON)  # grade -> [staff, women]
    illustrative: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_by: Mapped[str] = mapped_column(String(120))


class SelfAssessmentRating(Base):
    """One indicator rated on one assessment date, with its evidence and the action it calls for."""

    __tablename__ = "workforce_ratings"
    __table_args__ = (UniqueConstraint("economy", "assessed_on", "indicator",
                                       name="uq_workforce_ratings_economy_day_indicator"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    economy: Mapped[str] = mapped_column(String(2), index=True)
    assessed_on: Mapped[date] = mapped_column(Date)
    indicator: Mapped[str] = mapped_column(String(10))
    rating: Mapped[int] = mapped_column(Integer)
    evidence: Mapped[str | None] = mapped_column(Text, nullable=True)
    action: Mapped[str | None] = mapped_column(Text, nullable=True)
    action_owner: Mapped[str | None] = mapped_column(String(120), nullable=True)
    action_due: Mapped[date | None] = mapped_column(Date, nullable=True)
    action_done: Mapped[bool] = mapped_column(default=False)
    illustrative: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_by: Mapped[str] = mapped_column(String(120))
