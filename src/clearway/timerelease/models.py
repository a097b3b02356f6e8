"""One row of WCO TRS milestones per declaration: what the time-release report reads, instead of joining
the status history, controls, payments, releases, lanes, assessments and items of a million declarations at
each request. A copy kept in step with those records (clearway.flows.milestones writes it in the same
transaction as each lifecycle fact it is made of, and migration 1001 filled it from the history there was).

Facts that depend on today's policy rather than on the declaration are not frozen here: trusted-trader
status (the lane policy names parties now; the declarant and importer are kept) and essential goods (each
economy's list can be edited; the goods' 6-digit subheadings are kept)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from clearway.db import Base, UTCDateTime


class Milestones(Base):
    __tablename__ = "timerelease_milestones"
    __table_args__ = (Index("ix_timerelease_milestones_lodged", "lodged"),
                      Index("ix_timerelease_milestones_economy_lodged", "economy", "lodged"))

    declaration_id: Mapped[int] = mapped_column(ForeignKey("declarations.id", ondelete="CASCADE"), primary_key=True,
                                                autoincrement=False)
    economy: Mapped[str] = mapped_column(String(2))
    office: Mapped[str] = mapped_column(String(5))
    status: Mapped[str] = mapped_column(String(20))
    declarant: Mapped[str] = mapped_column(String(80))
    importer: Mapped[str | None] = mapped_column(String(80), nullable=True)
    mode: Mapped[str | None] = mapped_column(String(20), nullable=True)
    lane: Mapped[str | None] = mapped_column(String(10), nullable=True)
    low_value: Mapped[bool | None] = mapped_column(Boolean, nullable=True)  # null: not assessed yet
    items: Mapped[int] = mapped_column(Integer)
    goods: Mapped[str] = mapped_column(Text)  # the items' 6-digit subheadings, distinct, sorted, space-separated
    arrival: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    lodged: Mapped[datetime] = mapped_column(UTCDateTime())
    accepted: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    assessed: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    lane_selected: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    control_start: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    control_end: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    paid: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    released: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
