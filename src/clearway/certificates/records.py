"""Certificate rows both the issuing side (service) and the receiving side (receiving) need: find one by
number, read its issue date, mark it replaced. Runs inside the caller's transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from clearway.audit.service import append_event
from clearway.certificates.models import Certificate
from clearway.db import utcnow


def by_number(session: Session, *, exporter: str, number: str, for_update: bool = False) -> Certificate | None:
    stmt = select(Certificate).where(Certificate.exporting_economy == exporter, Certificate.number == number)
    if for_update:
        stmt = stmt.with_for_update()
    return session.scalars(stmt).one_or_none()


def issued_at(summary: dict[str, Any]) -> datetime | None:
    """The certificate's issue date as written in it, when it is an aware timestamp; else None."""
    text = summary.get("issued_at")
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo else None


def mark_replaced(session: Session, *, exporter: str, number: str, by: str, actor: str) -> Certificate | None:
    """`number` of `exporter` is replaced by `by` (a withdrawn certificate stays withdrawn)."""
    old = by_number(session, exporter=exporter, number=number, for_update=True)
    if old is None or old.status == "withdrawn":
        return old
    old.status, old.replaced_by, old.updated_at = "replaced", by, utcnow()
    session.flush()
    append_event(session, actor=actor, action="ephyto.replaced", entity_type="ephyto",
                 entity_id=f"{exporter}/{number}", data={"replaced_by": by})
    return old
