"""Risk tables: targeting rules (every version kept), lane policies (versioned), lane decisions
with their reasons and rule hits, and inspection results (the model's training data)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from clearway.db import Base, Money, UTCDateTime


class RiskRule(Base):
    """One version of a targeting rule. Editing or retiring a rule adds a version; none is changed."""

    __tablename__ = "risk_rules"
    __table_args__ = (UniqueConstraint("economy", "code", "version", name="uq_risk_rules_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    economy: Mapped[str] = mapped_column(String(2))
    code: Mapped[str] = mapped_column(String(60))
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10))  # active | retired
    name: Mapped[str] = mapped_column(String(140))
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    action: Mapped[str] = mapped_column(String(10))  # red | yellow | score
    score: Mapped[float] = mapped_column(Float, default=0.0)
    conditions: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    valid_from: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    valid_to: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    owner: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(120))


class RiskPolicy(Base):
    """One version of an administration's lane policy (capacity, random share, trusted traders...)."""

    __tablename__ = "risk_policies"
    __table_args__ = (UniqueConstraint("economy", "version", name="uq_risk_policies_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    economy: Mapped[str] = mapped_column(String(2))
    version: Mapped[int] = mapped_column(Integer)
    policy: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(120))


class LaneDecisionRow(Base):
    """The lane a declaration got, and why."""

    __tablename__ = "risk_lane_decisions"
    __table_args__ = (Index("ix_risk_lane_decisions_office_day", "office", "day"),
                      Index("ix_risk_lane_decisions_importer", "economy", "importer"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    declaration_id: Mapped[int] = mapped_column(ForeignKey("declarations.id", ondelete="CASCADE"), index=True)
    mrn: Mapped[str] = mapped_column(String(16))
    declaration_version: Mapped[int] = mapped_column(Integer)
    economy: Mapped[str] = mapped_column(String(2))
    office: Mapped[str] = mapped_column(String(5))
    importer: Mapped[str | None] = mapped_column(String(80), nullable=True)
    day: Mapped[str] = mapped_column(String(10))  # UTC date of the decision, YYYY-MM-DD
    lane: Mapped[str] = mapped_column(String(10))
    basis: Mapped[str] = mapped_column(String(10))  # mandatory | rule | score | random | none
    random: Mapped[bool] = mapped_column(Boolean, default=False)
    priority: Mapped[str] = mapped_column(String(10))
    mandatory: Mapped[str] = mapped_column(String(10))
    probability: Mapped[float | None] = mapped_column(Float, nullable=True)
    expected_revenue: Mapped[float | None] = mapped_column(Float, nullable=True)
    rank: Mapped[float] = mapped_column(Float)
    reasons: Mapped[list[str]] = mapped_column(JSON)
    model_reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    model_version: Mapped[str | None] = mapped_column(String(80), nullable=True)
    policy_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(120))


class RuleHitRow(Base):
    """A targeting rule that held for a lane decision (for each rule's hit rate and confirmed share)."""

    __tablename__ = "risk_rule_hits"
    __table_args__ = (Index("ix_risk_rule_hits_code", "economy", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("risk_lane_decisions.id", ondelete="CASCADE"), index=True)
    economy: Mapped[str] = mapped_column(String(2))
    code: Mapped[str] = mapped_column(String(60))
    version: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(10))


class Inspection(Base):
    """What a control found. Each one is a labelled example for the fraud model."""

    __tablename__ = "risk_inspections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    declaration_id: Mapped[int] = mapped_column(ForeignKey("declarations.id", ondelete="CASCADE"), index=True)
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("risk_lane_decisions.id"), nullable=True,
                                                    unique=True)
    mrn: Mapped[str] = mapped_column(String(16))
    lane: Mapped[str] = mapped_column(String(10))
    random: Mapped[bool] = mapped_column(Boolean, default=False)
    outcome: Mapped[str] = mapped_column(String(12))  # compliant | irregular
    severity: Mapped[int] = mapped_column(Integer)  # 0 none, 1 minor, 2 critical
    findings: Mapped[list[str]] = mapped_column(JSON)
    revised_value: Mapped[Decimal | None] = mapped_column(Money(), nullable=True)
    revised_hs_code: Mapped[str | None] = mapped_column(String(10), nullable=True)
    extra_duty: Mapped[Decimal] = mapped_column(Money())
    currency: Mapped[str] = mapped_column(String(3))
    decision: Mapped[str] = mapped_column(String(10))  # release | reject
    inspected_at: Mapped[datetime] = mapped_column(UTCDateTime())
    officer: Mapped[str] = mapped_column(String(120))


class EssentialGoodsChange(Base):
    """An administration's change to the shipped essential-goods list: one HS 2022 subheading added
    (included) or removed (not included). The latest row per (economy, subheading) stands; the audit
    chain keeps every change with who and when."""

    __tablename__ = "risk_essential_goods"
    __table_args__ = (UniqueConstraint("economy", "subheading", name="uq_risk_essential_goods"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    economy: Mapped[str] = mapped_column(String(2))
    subheading: Mapped[str] = mapped_column(String(6))
    included: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(Text)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(120))
