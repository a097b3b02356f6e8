"""What the WCO face keeps: each declaration's DEC message as lodged, the brokers' callback addresses, and the
delivery of each response message to them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from clearway.db import Base, UTCDateTime


class LodgedMessage(Base):
    """The DEC message a declaration was lodged with: the elements Clearway does not model are returned
    from here on read-out, never dropped."""

    __tablename__ = "wco_lodged_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    declaration_id: Mapped[int] = mapped_column(ForeignKey("declarations.id", ondelete="CASCADE"), unique=True)
    profile: Mapped[str] = mapped_column(String(80))
    xml: Mapped[str] = mapped_column(Text)
    lodged_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Callback(Base):
    """Where a declarant's response messages are pushed (one address per declarant and economy)."""

    __tablename__ = "wco_callbacks"
    __table_args__ = (UniqueConstraint("economy", "declarant_id", name="uq_wco_callbacks_declarant"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    economy: Mapped[str] = mapped_column(String(2))
    declarant_id: Mapped[str] = mapped_column(String(80))
    url: Mapped[str] = mapped_column(String(2000))
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The pusher's last sweep for this declarant's new events (None: never swept); the next one looks back from
    # a margin before it (flows.wco.SWEEP_MARGIN), not over every event since registration.
    swept_to: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class Delivery(Base):
    """One response message (a status event of a declaration) pushed to a callback: attempts, the next try,
    and when it was delivered."""

    __tablename__ = "wco_deliveries"
    __table_args__ = (UniqueConstraint("event_id", "function_code", name="uq_wco_deliveries_event_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    declaration_id: Mapped[int] = mapped_column(ForeignKey("declarations.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("declaration_status_events.id", ondelete="CASCADE"))
    function_code: Mapped[str] = mapped_column(String(2))
    url: Mapped[str] = mapped_column(String(2000))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
