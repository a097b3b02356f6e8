from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from clearway.db import Base, Money, UTCDateTime


class Declaration(Base):
    __tablename__ = "declarations"
    __table_args__ = (
        UniqueConstraint("declarant_id", "lrn", name="uq_declarations_declarant_lrn"),
        Index("ix_declarations_economy_status", "economy", "status"),
        Index("ix_declarations_office_accepted", "office", "accepted_at"),
    )

    # Month-numbered on PostgreSQL, where declarations are partitioned by it (declarations/partitions.py); every
    # column that refers to a declaration takes this type (a foreign key without a type of its own does).
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    mrn: Mapped[str] = mapped_column(String(16), unique=True)
    lrn: Mapped[str] = mapped_column(String(35))
    declarant_id: Mapped[str] = mapped_column(String(80))
    type: Mapped[str] = mapped_column(String(10))
    economy: Mapped[str] = mapped_column(String(2))
    office: Mapped[str] = mapped_column(String(5))
    status: Mapped[str] = mapped_column(String(20))
    # How it reached Clearway (core.CHANNELS): "paper" when keyed in from a paper form; "unrecorded" for those
    # lodged before the channel was recorded (migration 0002), all through electronic channels.
    channel: Mapped[str] = mapped_column(String(10), default="api", server_default="unrecorded")
    version: Mapped[int] = mapped_column(Integer, default=1)
    fingerprint: Mapped[str] = mapped_column(String(64))
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    accepted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    items: Mapped[list[DeclarationItem]] = relationship(
        back_populates="declaration", cascade="all, delete-orphan", order_by="DeclarationItem.line")
    history: Mapped[list[StatusEvent]] = relationship(
        back_populates="declaration", cascade="all, delete-orphan", order_by="StatusEvent.id")
    versions: Mapped[list[DeclarationVersion]] = relationship(
        cascade="all, delete-orphan", order_by="DeclarationVersion.version")
    containers: Mapped[list[DeclarationContainer]] = relationship(cascade="all, delete-orphan")
    documents: Mapped[list[DeclarationDocument]] = relationship(cascade="all, delete-orphan")


class DeclarationItem(Base):
    """The current version's goods items, as columns for queries (risk rules, statistics)."""

    __tablename__ = "declaration_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    declaration_id: Mapped[int] = mapped_column(ForeignKey("declarations.id", ondelete="CASCADE"), index=True)
    line: Mapped[int] = mapped_column(Integer)
    # A clearance request's items may lack the commodity code, quantity, unit and value (migration 0005).
    hs_code: Mapped[str | None] = mapped_column(String(10), nullable=True)  # (no query looks it up: no index; 0008)
    description: Mapped[str] = mapped_column(Text)
    origin: Mapped[str] = mapped_column(String(2))
    quantity: Mapped[Decimal | None] = mapped_column(Money(), nullable=True)
    unit: Mapped[str | None] = mapped_column(String(10), nullable=True)
    gross_weight_kg: Mapped[Decimal | None] = mapped_column(Money(), nullable=True)
    net_weight_kg: Mapped[Decimal | None] = mapped_column(Money(), nullable=True)
    value: Mapped[Decimal | None] = mapped_column(Money(), nullable=True)

    declaration: Mapped[Declaration] = relationship(back_populates="items")


class StatusEvent(Base):
    """Each lifecycle transition with who and when: the raw material of time-release statistics."""

    __tablename__ = "declaration_status_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    declaration_id: Mapped[int] = mapped_column(ForeignKey("declarations.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(20), nullable=True)
    to_status: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(120))
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)

    declaration: Mapped[Declaration] = relationship(back_populates="history")


class DeclarationVersion(Base):
    """Every version of the declaration's content, the first included; amendments add one each."""

    __tablename__ = "declaration_versions"
    # (no index of declaration_id alone: the unique constraint's begins with it; 0008)
    __table_args__ = (UniqueConstraint("declaration_id", "version", name="uq_declaration_versions_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    declaration_id: Mapped[int] = mapped_column(ForeignKey("declarations.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(120))
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)


class DeclarationContainer(Base):
    """Containers the current version carries (ISO 6346), for finding declarations by container."""

    __tablename__ = "declaration_containers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    declaration_id: Mapped[int] = mapped_column(ForeignKey("declarations.id", ondelete="CASCADE"), index=True)
    container: Mapped[str] = mapped_column(String(11), index=True)


class DeclarationDocument(Base):
    """Documents the current version references (certificates, licences), for finding by reference."""

    __tablename__ = "declaration_documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    declaration_id: Mapped[int] = mapped_column(ForeignKey("declarations.id", ondelete="CASCADE"), index=True)
    type: Mapped[str] = mapped_column(String(40))
    reference: Mapped[str] = mapped_column(String(80), index=True)
