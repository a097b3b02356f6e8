from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from clearway.db import Base, UTCDateTime


class Finding(Base):
    """A finding of another check that forces at least a lane on a declaration until it is closed."""

    __tablename__ = "control_findings"
    __table_args__ = (Index("ix_control_findings_decl_open", "declaration_id", "closed_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    declaration_id: Mapped[int] = mapped_column(ForeignKey("declarations.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(String(40))  # e.g. "certificates", "seals"
    code: Mapped[str] = mapped_column(String(60))  # e.g. "ephyto.missing", "seal.alert"
    lane: Mapped[str] = mapped_column(String(10))  # least lane required: yellow or red
    reason: Mapped[str] = mapped_column(Text)
    reference: Mapped[str | None] = mapped_column(String(120), nullable=True)  # certificate no., alert id
    evidence: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    closed_by: Mapped[str | None] = mapped_column(String(120), nullable=True)
    resolution: Mapped[str | None] = mapped_column(Text, nullable=True)
