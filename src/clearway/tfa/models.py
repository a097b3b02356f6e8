"""TFA tables: each economy's commitment per measure, and the capacity-building projects registry.
Every change is also appended to the audit chain (who, when, before and after): tfa.history reads it."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from clearway.db import Base, UTCDateTime


class TfaCommitment(Base):
    __tablename__ = "tfa_commitments"
    __table_args__ = (UniqueConstraint("economy", "measure", name="uq_tfa_commitments_economy_measure"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    economy: Mapped[str] = mapped_column(String(2), index=True)
    measure: Mapped[str] = mapped_column(String(8))
    category: Mapped[str] = mapped_column(String(1))  # A | B | C
    indicative_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    definitive_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    status: Mapped[str] = mapped_column(String(12))  # not_started | in_progress | implemented
    percent: Mapped[int] = mapped_column(Integer)
    evidence: Mapped[str | None] = mapped_column(Text, nullable=True)
    priority: Mapped[str | None] = mapped_column(String(6), nullable=True)  # high | medium | low
    ta_needed: Mapped[str | None] = mapped_column(Text, nullable=True)
    illustrative: Mapped[bool] = mapped_column(default=False)  # demo data, not a real notification
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_by: Mapped[str] = mapped_column(String(120))


class TfaProject(Base):
    __tablename__ = "tfa_projects"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    donor: Mapped[str] = mapped_column(String(200))  # donor or implementer
    measures: Mapped[list[str]] = mapped_column(JSON)
    eligible: Mapped[list[str]] = mapped_column(JSON)  # economy codes; empty = every APEC economy
    modality: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(10))  # planned | ongoing | completed | cancelled
    start: Mapped[date | None] = mapped_column(Date, nullable=True)
    end: Mapped[date | None] = mapped_column(Date, nullable=True)
    illustrative: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_by: Mapped[str] = mapped_column(String(120))
