from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from clearway.db import Base, UTCDateTime


class EnvironmentalGoodsEdition(Base):
    """An edition of the environmental goods list loaded by an administrator (the newest is in force; with
    none loaded, the shipped 2012 list is). Kept whole, so every earlier edition can be shown again."""

    __tablename__ = "green_list_editions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    subheadings: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(120))
