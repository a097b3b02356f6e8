"""Entered indicators (set, read, history) and the publications a regional installation receives."""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from clearway.audit.service import append_event
from clearway.auth.core import Principal, is_admin
from clearway.dashboard.core import ENTERED, KEY_PATTERN, PILLARS, Indicator, Series
from clearway.dashboard.models import EnteredChange, EnteredIndicator, Publication
from clearway.dashboard.schemas import EnteredIn, PublicationIn
from clearway.db import utcnow
from clearway.errors import FieldError, Forbidden, Invalid, NotFound
from clearway.reference import economies


def may_enter(principal: Principal) -> None:
    """Entered indicators are kept by administrators (who answer for the installation's figures)."""
    if not is_admin(principal):
        raise Forbidden("entered indicators are kept by admin keys")


def _check(key: str, body: EnteredIn, economy: str) -> tuple[str, str]:
    errors = []
    if not re.match(KEY_PATTERN, key):
        errors.append(FieldError("key", "lower-case letters, digits and _, 3 to 80, starting with a letter"))
    if economies.get(economy) is None:
        errors.append(FieldError("economy", f"{economy!r} is not one of the 21 APEC economies"))
    pillar, title, _ = ENTERED.get(key, (body.pillar, body.title, None))
    if pillar is None:
        errors.append(FieldError("pillar", f"a new key needs its pillar: one of {', '.join(PILLARS)}"))
    if title is None:
        errors.append(FieldError("title", "a new key needs its title"))
    if errors:
        raise Invalid("the indicator cannot be entered", errors=errors)
    return body.pillar or pillar, body.title or title


def enter(session: Session, *, principal: Principal, key: str, body: EnteredIn) -> tuple[EnteredIndicator, bool]:
    """Set an entered indicator; every change is kept (EnteredChange) and audited. (row, changed)"""
    may_enter(principal)
    economy = body.economy or principal.economy
    pillar, title = _check(key, body, economy)
    row = session.scalars(select(EnteredIndicator).where(EnteredIndicator.economy == economy,
                                                         EnteredIndicator.key == key).with_for_update()).first()
    fields = {"value": body.value, "unit": body.unit, "source": body.source, "as_of": body.as_of}
    if row is not None and all(getattr(row, k) == v for k, v in fields.items()) \
            and (row.pillar, row.title) == (pillar, title):
        return row, False
    now = utcnow()
    if row is None:
        row = EnteredIndicator(economy=economy, key=key, pillar=pillar, title=title, updated_at=now,
                               actor=principal.actor, **fields)
        session.add(row)
    else:
        for k, v in {**fields, "pillar": pillar, "title": title}.items():
            setattr(row, k, v)
        row.updated_at, row.actor = now, principal.actor
    session.flush()
    session.add(EnteredChange(indicator_id=row.id, changed_at=now, actor=principal.actor, **fields))
    append_event(session, actor=principal.actor, action="dashboard.entered", entity_type="indicator",
                 entity_id=f"{economy}/{key}", data={**fields, "as_of": body.as_of.isoformat()})
    return row, True


def get(session: Session, *, economy: str, key: str) -> EnteredIndicator:
    row = session.scalars(select(EnteredIndicator).where(EnteredIndicator.economy == economy,
                                                         EnteredIndicator.key == key)).first()
    if row is None:
        raise NotFound(f"no entered indicator {key!r} for {economy}")
    return row


def history(session: Session, *, principal: Principal, economy: str, key: str) -> list[EnteredChange]:
    may_enter(principal)
    row = get(session, economy=economy, key=key)
    return list(session.scalars(select(EnteredChange).where(EnteredChange.indicator_id == row.id)
                                .order_by(EnteredChange.id)))


def entered(session: Session, *, economy: str | None) -> list[EnteredIndicator]:
    stmt = select(EnteredIndicator).order_by(EnteredIndicator.economy, EnteredIndicator.key)
    if economy:
        stmt = stmt.where(EnteredIndicator.economy == economy)
    return list(session.scalars(stmt))


def as_indicator(row: EnteredIndicator) -> Indicator:
    provenance = f"entered by {row.actor} on {row.updated_at:%Y-%m-%d}; source: {row.source}; as of {row.as_of}"
    return Indicator(row.key, row.pillar, f"{row.title} ({row.economy})", row.unit,
                     "entered", provenance, "none", [Series(row.economy, [(row.as_of.isoformat(), row.value)])])


def entered_indicators(session: Session, *, economy: str | None) -> list[Indicator]:
    return [as_indicator(r) for r in entered(session, economy=economy)]


# ---- regional view ---------------------------------------------------------------------------------

def fingerprint(data: Any) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def receive(session: Session, *, principal: Principal, body: PublicationIn) -> tuple[Publication, bool, bool]:
    """Store an economy's figures for a period: (row, replaced, unchanged). The key's economy is the
    publisher: an installation publishes its own economy's figures only."""
    if not is_admin(principal):
        raise Forbidden("publications are sent with an admin key issued by the regional installation")
    if body.economy != principal.economy:
        raise Forbidden(f"this key publishes the figures of {principal.economy}, not of {body.economy}")
    figures = {"indicators": body.indicators, **body.model_dump(mode="json", include={"workforce", "tfa"})}
    # the figures decide whether anything changed, not the wording of when they were computed (the provenance
    # names the minute of the query window's end, so two publications a minute apart would never match)
    digest = fingerprint({**figures, "indicators": [{k: v for k, v in i.items() if k != "provenance"}
                                                    for i in body.indicators]})
    row = session.scalars(select(Publication).where(Publication.economy == principal.economy,
                                                    Publication.period == body.period).with_for_update()).first()
    if row is not None and row.fingerprint == digest:
        return row, False, True
    replaced = row is not None
    if row is None:
        row = Publication(economy=principal.economy, period=body.period)
        session.add(row)
    row.figures, row.fingerprint, row.received_at, row.actor = figures, digest, utcnow(), principal.actor
    session.flush()
    append_event(session, actor=principal.actor, action="dashboard.published", entity_type="publication",
                 entity_id=f"{principal.economy}/{body.period}", data={"fingerprint": digest})
    return row, replaced, False


def publications(session: Session) -> list[Publication]:
    """The latest period each economy published."""
    rows = session.scalars(select(Publication).order_by(Publication.economy, Publication.period.desc())).all()
    latest: dict[str, Publication] = {}
    for r in rows:
        latest.setdefault(r.economy, r)
    return list(latest.values())
