"""Certificate rows both the issuing side (service) and the receiving side (receiving) need: find one by
number, read its issue date, mark it replaced; and a certificate as the matching rules read it (for the
document check, flows/ephyto_check.py). Runs inside the caller's transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from clearway.audit.service import append_event
from clearway.certificates.matching import CertView
from clearway.certificates.models import Certificate
from clearway.db import driver_cursor, id_batches, utcnow


def by_number(session: Session, *, exporter: str, number: str, for_update: bool = False) -> Certificate | None:
    stmt = select(Certificate).where(Certificate.exporting_economy == exporter, Certificate.number == number)
    if for_update:
        stmt = stmt.with_for_update()
    return session.scalars(stmt).one_or_none()


def by_code(session: Session, *, code: str) -> Certificate | None:
    return session.scalars(select(Certificate).where(Certificate.verification_code == code)).one_or_none()


def touched_paper(session: Session, *, code: str, how: str) -> Certificate | None:
    """The certificate with this verification code, its first paper copy recorded (`how`: printed or
    checked), for the paperless-trade indicator; None when no certificate has the code."""
    row = by_code(session, code=code)
    if row is not None and row.paper_at is None:
        row.paper_at = utcnow()
        session.flush()
        append_event(session, actor="system:paper", action=f"ephyto.paper_{how}", entity_type="ephyto",
                     entity_id=f"{row.exporting_economy}/{row.number}", data={})
    return row


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


def for_matching(session: Session, *, number: str, economy: str, exporter_country: str | None) -> CertView | None:
    """The certificate `number` as the document check reads it. Numbers are unique per exporter only: the one
    addressed to `economy`, from the declared exporter's country, received rather than issued, comes first."""
    return chosen(by_numbers(session, [number]).get(number, []), economy=economy, exporter_country=exporter_country)


def by_numbers(session: Session, numbers: list[str]) -> dict[str, list[Certificate]]:
    """Every certificate of each of `numbers` (for the document checks of many declarations at once). Asked for
    every batch of declarations citing ePhytos, and often none is held: the question is first put as written SQL
    on the driver's cursor (after the flush the query would have made), and only numbers held are loaded as
    objects (a query of objects costs about 1 ms of interpreter time)."""
    out: dict[str, list[Certificate]] = {}
    wanted = sorted(set(numbers))
    if not wanted:
        return out
    session.flush()
    mark = "%s" if session.get_bind().dialect.name == "postgresql" else "?"
    cursor, held = driver_cursor(session), set()
    for k in range(0, len(wanted), 500):
        part = wanted[k:k + 500]
        cursor.execute(f"SELECT number FROM certificates WHERE number IN ({', '.join([mark] * len(part))})", part)
        held.update(r[0] for r in cursor.fetchall())
    for part in id_batches(sorted(held)):
        for row in session.scalars(select(Certificate).where(Certificate.number.in_(part)).order_by(Certificate.id)):
            out.setdefault(row.number, []).append(row)
    return out


def chosen(rows: list[Certificate], *, economy: str, exporter_country: str | None) -> CertView | None:
    """Of the certificates bearing one number, the one `for_matching` reads, as the matching rules see it."""
    if not rows:
        return None
    r = min(rows, key=lambda r: (r.importing_economy != economy, r.exporting_economy != exporter_country,
                                 r.direction != "received"))
    return CertView(number=r.number, exporting_economy=r.exporting_economy, importing_economy=r.importing_economy,
                    status=r.status, signed=r.signed, verified=r.signature_verified_at is not None,
                    summary=r.summary, replaced_by=r.replaced_by)
