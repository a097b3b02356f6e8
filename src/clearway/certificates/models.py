from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from clearway.db import Base, UTCDateTime


class NppoKey(Base):
    """This installation's signing key and X.509 certificate for one NPPO (the newest active one signs)."""

    __tablename__ = "certificate_nppo_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    economy: Mapped[str] = mapped_column(String(2), index=True)
    party_id: Mapped[str] = mapped_column(String(80))
    key_pem: Mapped[str] = mapped_column(Text)
    cert_pem: Mapped[str] = mapped_column(Text)
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)
    not_before: Mapped[datetime] = mapped_column(UTCDateTime())
    not_after: Mapped[datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class TrustedNppo(Base):
    """A foreign (or own) NPPO's registered signing certificate: signatures are verified against these."""

    __tablename__ = "certificate_trusted_nppos"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    economy: Mapped[str] = mapped_column(String(2), index=True)
    party_id: Mapped[str | None] = mapped_column(String(80), nullable=True)
    cert_pem: Mapped[str] = mapped_column(Text)
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)
    subject: Mapped[str] = mapped_column(String(400))
    not_before: Mapped[datetime] = mapped_column(UTCDateTime())
    not_after: Mapped[datetime] = mapped_column(UTCDateTime())
    added_at: Mapped[datetime] = mapped_column(UTCDateTime())
    added_by: Mapped[str] = mapped_column(String(120))


class Certificate(Base):
    """An ePhyto issued here or received from another economy, with its current signed XML."""

    __tablename__ = "certificates"
    __table_args__ = (UniqueConstraint("exporting_economy", "number", name="uq_certificates_exporter_number"),
                      Index("ix_certificates_number", "number"),
                      Index("ix_certificates_importing_status", "importing_economy", "status"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(70))
    exporting_economy: Mapped[str] = mapped_column(String(2))
    importing_economy: Mapped[str] = mapped_column(String(2))
    direction: Mapped[str] = mapped_column(String(10))  # issued | received
    status: Mapped[str] = mapped_column(String(10))  # issued | replaced | withdrawn
    status_code: Mapped[int] = mapped_column(Integer)  # 70 | 40
    type_code: Mapped[int] = mapped_column(Integer)  # 851 | 657
    xml: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    verification_code: Mapped[str] = mapped_column(String(24), unique=True)
    signed: Mapped[bool] = mapped_column(Boolean)
    signature_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    signer_fingerprint: Mapped[str | None] = mapped_column(String(64), nullable=True)
    summary: Mapped[dict[str, Any]] = mapped_column(JSON)
    findings: Mapped[list[Any]] = mapped_column(JSON)
    replaces: Mapped[str | None] = mapped_column(String(70), nullable=True)
    replaced_by: Mapped[str | None] = mapped_column(String(70), nullable=True)
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(120))
    # The first time it touched paper: its printable copy was opened, or its printed code was checked on the
    # verification page (someone holds a paper copy). Null: electronic only (or before migration 0302).
    paper_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class Delivery(Base):
    """The outbox: one row per (certificate, status) to send through the hub. Sent until the hub has it;
    the hub answers a repeated send with the same delivery number."""

    __tablename__ = "certificate_deliveries"
    __table_args__ = (UniqueConstraint("certificate_id", "status_code", name="uq_certificate_deliveries_cert_status"),
                      Index("ix_certificate_deliveries_state_next", "state", "next_attempt_at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificates.id", ondelete="CASCADE"))
    to_economy: Mapped[str] = mapped_column(String(2))
    status_code: Mapped[int] = mapped_column(Integer)
    type_code: Mapped[int] = mapped_column(Integer)
    content: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(12))  # pending | sent | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    hub_delivery_number: Mapped[str | None] = mapped_column(String(64), nullable=True)
    hub_tracking: Mapped[str | None] = mapped_column(String(30), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Receipt(Base):
    """The inbox: every envelope pulled from the hub, once per hub delivery number, with the answer given."""

    __tablename__ = "certificate_receipts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    hub_delivery_number: Mapped[str] = mapped_column(String(64), unique=True)
    from_economy: Mapped[str] = mapped_column(String(2))
    number: Mapped[str] = mapped_column(String(120))
    status_code: Mapped[int] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(12))  # accepted | warnings | refused
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    certificate_id: Mapped[int | None] = mapped_column(ForeignKey("certificates.id", ondelete="SET NULL"),
                                                       nullable=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class HubNppo(Base):
    """Hub side: an NPPO (one per economy) allowed to deliver and pull, known by its token's SHA-256."""

    __tablename__ = "hub_nppos"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    country: Mapped[str] = mapped_column(String(2), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class HubEnvelope(Base):
    """Hub side: an envelope in transit. The same envelope delivered again gets the same delivery number."""

    __tablename__ = "hub_envelopes"
    __table_args__ = (UniqueConstraint("from_country", "to_country", "certificate_number", "certificate_status",
                                       "content_sha256", name="uq_hub_envelopes_same"),
                      Index("ix_hub_envelopes_to_tracking", "to_country", "tracking"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    delivery_number: Mapped[str] = mapped_column(String(64), unique=True)
    from_country: Mapped[str] = mapped_column(String(2))
    to_country: Mapped[str] = mapped_column(String(2))
    certificate_type: Mapped[int] = mapped_column(Integer)
    certificate_status: Mapped[int] = mapped_column(Integer)
    certificate_number: Mapped[str] = mapped_column(String(120))
    content: Mapped[str] = mapped_column(Text)
    content_sha256: Mapped[str] = mapped_column(String(64))
    tracking: Mapped[str] = mapped_column(String(30))
    error_message: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
