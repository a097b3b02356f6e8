"""Seals affixed for a journey, the events their devices report, refused events, and alerts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from clearway.db import Base, UTCDateTime

BIGINT = BigInteger().with_variant(Integer(), "sqlite")


class Seal(Base):
    """One affixing of an electronic seal (ISO 18185 style: manufacturer id + serial) to a container for
    one journey. A device is reused: each journey is a new row."""

    __tablename__ = "seals"
    __table_args__ = (Index("ix_seals_seal_id_status", "seal_id", "status"),
                      Index("ix_seals_container_status", "container", "status"),
                      Index("ix_seals_offices_status", "loading_office", "destination_office", "status"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seal_id: Mapped[str] = mapped_column(String(64))  # "<manufacturer>-<serial>", the MQTT topic level
    manufacturer: Mapped[str] = mapped_column(String(20))
    serial: Mapped[str] = mapped_column(String(40))
    container: Mapped[str] = mapped_column(String(11))
    economy: Mapped[str] = mapped_column(String(2))
    loading_office: Mapped[str] = mapped_column(String(5))
    destination_office: Mapped[str] = mapped_column(String(5))
    departure: Mapped[datetime] = mapped_column(UTCDateTime())
    arrival_from: Mapped[datetime] = mapped_column(UTCDateTime())
    arrival_to: Mapped[datetime] = mapped_column(UTCDateTime())
    places: Mapped[list[dict[str, Any]]] = mapped_column(JSON)  # [{name, kind, lat, lon, radius_km}]
    # the planned route as a GeoJSON LineString ([lon, lat] positions); NULL: the straight line serves
    route: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    route_name: Mapped[str | None] = mapped_column(String(60), nullable=True)  # from the route library
    route_source: Mapped[str] = mapped_column(String(10), default="straight")  # given|library|learned|straight
    route_class: Mapped[str] = mapped_column(String(10), default="road")  # road | rail | urban: its thresholds
    report_moving_s: Mapped[float] = mapped_column(Float, default=300.0)  # the device model's intervals
    report_parked_s: Mapped[float] = mapped_column(Float, default=3600.0)
    status: Mapped[str] = mapped_column(String(10))  # affixed | removed
    affixed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    affixed_by: Mapped[str] = mapped_column(String(120))
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)  # when the seal was cut
    removal_recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    removed_by: Mapped[str | None] = mapped_column(String(120), nullable=True)
    removal_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    # The device's HMAC-SHA256 secret, 64 hexadecimal digits (containers/signing.py), never rendered. NULL only
    # for seals affixed before keys were registered (migration 0404): their events are taken unsigned.
    device_key: Mapped[str | None] = mapped_column(String(64), nullable=True)


class SealEvent(Base):
    """One report of a seal device, stored once per journey (`seal_pk`: the affixing it was received during)
    and sequence number, so that a device reused, or whose counter restarts at 0, starts a new journey cleanly.

    `economy` is the economy whose gateway (HTTP key or MQTT listener) sent it; a journey reads only its own
    economy's reports, so another economy can neither add evidence to it nor squat its sequence numbers.
    NULL only for reports stored before economies were recorded that no journey claimed (migration 0402)."""

    __tablename__ = "seal_events"
    __table_args__ = (UniqueConstraint("seal_pk", "seq", name="uq_seal_events_journey_seq"),
                      Index("ix_seal_events_container", "container"),
                      Index("ix_seal_events_received_ts", "received_ts"))

    id: Mapped[int] = mapped_column(BIGINT, primary_key=True, autoincrement=True)
    seal_id: Mapped[str] = mapped_column(String(64))
    # the journey (seal record) it is about; NULL only for reports stored before migration 0404 that none claimed
    seal_pk: Mapped[int | None] = mapped_column(Integer, nullable=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    economy: Mapped[str | None] = mapped_column(String(2), nullable=True)
    container: Mapped[str | None] = mapped_column(String(11), nullable=True)  # as the device claims it
    device_time: Mapped[datetime] = mapped_column(UTCDateTime())
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # the same two instants as seconds since the epoch, for the detector's bulk reads
    device_ts: Mapped[float] = mapped_column(Float)
    received_ts: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(10))
    battery: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(10))  # http | mqtt | local


class SealEventRefusal(Base):
    """A refused event (malformed, unsigned, forged, replayed, about no journey...), counted with its reason
    (nothing of it is stored as an event). `seal_pk` is the journey it claimed to be about, when there is one:
    the per-seal count officers read."""

    __tablename__ = "seal_event_refusals"
    __table_args__ = (Index("ix_seal_event_refusals_economy", "economy"),
                      Index("ix_seal_event_refusals_seal_pk", "seal_pk"))

    id: Mapped[int] = mapped_column(BIGINT, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    # the economy of the sender (HTTP key, MQTT listener); NULL for refusals stored before it was recorded
    economy: Mapped[str | None] = mapped_column(String(2), nullable=True)
    source: Mapped[str] = mapped_column(String(10))
    seal_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    seal_pk: Mapped[int | None] = mapped_column(Integer, nullable=True)
    kind: Mapped[str | None] = mapped_column(String(20), nullable=True)  # acceptance.KINDS; NULL: malformed
    reason: Mapped[str] = mapped_column(Text)
    payload: Mapped[str] = mapped_column(Text)  # the first 500 characters


class SealAlert(Base):
    """What the tamper detector found about one journey, until an officer closes it with a finding."""

    __tablename__ = "seal_alerts"
    __table_args__ = (Index("ix_seal_alerts_status_economy", "status", "economy"),
                      Index("ix_seal_alerts_container", "container"),
                      Index("ix_seal_alerts_seal_rule", "seal_pk", "rule"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seal_pk: Mapped[int] = mapped_column(ForeignKey("seals.id", ondelete="CASCADE"))
    seal_id: Mapped[str] = mapped_column(String(64))
    container: Mapped[str] = mapped_column(String(11))
    economy: Mapped[str] = mapped_column(String(2))
    rule: Mapped[str] = mapped_column(String(20))
    severity: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str] = mapped_column(Text)
    evidence: Mapped[list[list[Any]]] = mapped_column(JSON)  # [[seal_id, seq], ...]
    event_at: Mapped[datetime] = mapped_column(UTCDateTime())
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(10))  # open | closed
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    closed_by: Mapped[str | None] = mapped_column(String(120), nullable=True)
    finding: Mapped[str | None] = mapped_column(String(20), nullable=True)  # tampered | false_alarm | device_fault
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
