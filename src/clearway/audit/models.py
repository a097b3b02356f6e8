from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Identity, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from clearway.db import Base, UTCDateTime


class AuditEvent(Base):
    """One state change. Writers only insert (no lock shared between them); `seq` comes from the
    database (an identity on PostgreSQL, the rowid on SQLite) and `hash` covers the content. `txid` is the
    writing transaction (PostgreSQL), by which the sealer knows when every event before a point is committed."""

    __tablename__ = "audit_events"

    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), Identity(), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(80))
    entity_type: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str] = mapped_column(String(80), index=True)
    data: Mapped[str] = mapped_column(Text)
    hash: Mapped[str] = mapped_column(String(64))
    txid: Mapped[int | None] = mapped_column(BigInteger, nullable=True, index=True)


class AuditBlock(Base):
    """A sealed block: the events it holds (runs of sequence numbers), their hashes as sealed, the Merkle
    root over them, the previous block's checkpoint hash, and the checkpoint's Ed25519 signature by a key
    kept outside the database (empty when no key is configured)."""

    __tablename__ = "audit_blocks"

    number: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
                                        autoincrement=False)
    sealed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    horizon: Mapped[int] = mapped_column(BigInteger)
    size: Mapped[int] = mapped_column(Integer)
    runs: Mapped[str] = mapped_column(Text)
    hashes: Mapped[str] = mapped_column(Text)
    root: Mapped[str] = mapped_column(String(64))
    prev: Mapped[str] = mapped_column(String(64))
    checkpoint: Mapped[str] = mapped_column(String(64))
    key_id: Mapped[str] = mapped_column(String(16))
    signature: Mapped[str] = mapped_column(String(128))
