"""Each economy's essential-goods list: the shipped list with the additions and removals its
administrator made. Runs inside the caller's transaction; every change is audited (who, when, why)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from clearway.audit.service import append_event, history as audit_history
from clearway.auth.core import Principal, administers
from clearway.db import utcnow
from clearway.errors import FieldError, Forbidden, Invalid
from clearway.reference import economies
from clearway.reference.hs import nomenclature
from clearway.risk import essential as core
from clearway.risk.models import EssentialGoodsChange

ENTITY = "essential_goods"


@dataclass(frozen=True)
class Entry:
    subheading: str
    description: str
    source: str  # shipped | added | removed
    reason: str | None = None
    actor: str | None = None
    changed_at: datetime | None = None


_CHANGES = (select(EssentialGoodsChange).where(EssentialGoodsChange.economy == bindparam("economy"))
            .order_by(EssentialGoodsChange.subheading))  # built once: read by every lane decision


def _changes(session: Session, economy: str) -> list[EssentialGoodsChange]:
    return list(session.scalars(_CHANGES, {"economy": economy}))


def essential_set(session: Session, *, economy: str) -> frozenset[str]:
    """The subheadings essential in `economy` now: what `core.is_essential` is handed."""
    return core.effective(core.shipped(), {c.subheading: c.included for c in _changes(session, economy)})


def entries(session: Session, *, economy: str) -> list[Entry]:
    """Every subheading on the list, and those the administration removed, with who changed them."""
    economy = economies.checked(economy)
    hs = nomenclature()
    changed = {c.subheading: c for c in _changes(session, economy)}
    codes = sorted(core.shipped() | set(changed))
    out = []
    for code in codes:
        c = changed.get(code)
        entry = hs.get(code)
        source = "removed" if c is not None and not c.included else ("shipped" if code in core.shipped() else "added")
        out.append(Entry(code, entry.description if entry else "", source, c.reason if c else None,
                         c.actor if c else None, c.changed_at if c else None))
    return out


def _check(principal: Principal, economy: str, subheading: str, reason: str) -> str:
    economy = economies.checked(economy)
    if not administers(principal, economy):
        raise Forbidden(f"only an administrator of {economy} changes its essential-goods list")
    entry = nomenclature().get(subheading)
    error = core.subheading_error(subheading, entry is not None and entry.level == 6)
    if error:
        raise Invalid(f"{subheading!r} cannot go on the essential-goods list",
                      errors=[FieldError("subheading", error)])
    if not reason.strip():
        raise Invalid("say why the list changes", errors=[FieldError("reason", "is required")])
    return economy


def change(session: Session, *, principal: Principal, economy: str, subheading: str, included: bool,
           reason: str) -> EssentialGoodsChange:
    """Add (included) or remove one subheading of `economy`'s list, with the reason."""
    economy = _check(principal, economy, subheading, reason)
    before = subheading in essential_set(session, economy=economy)
    row = session.scalars(select(EssentialGoodsChange).where(EssentialGoodsChange.economy == economy,
                                                             EssentialGoodsChange.subheading == subheading)).first()
    if row is None:
        row = EssentialGoodsChange(economy=economy, subheading=subheading)
        session.add(row)
    row.included, row.reason, row.actor, row.changed_at = included, reason.strip(), principal.actor, utcnow()
    session.flush()
    append_event(session, actor=principal.actor, action="essential_goods.add" if included else "essential_goods.remove",
                 entity_type=ENTITY, entity_id=f"{economy}:{subheading}",
                 data={"reason": row.reason, "before": before, "after": included})
    return row


def history(session: Session, *, economy: str, subheading: str) -> list[dict[str, Any]]:
    """Every change of one subheading in `economy`, oldest first: at, actor, action, reason."""
    return audit_history(session, entity_type=ENTITY, entity_id=f"{economies.checked(economy)}:{subheading}")


def changed_lists(session: Session) -> dict[str, frozenset[str]]:
    """The lists of the economies whose administrator changed the shipped one (the others use it as shipped)."""
    economies_changed = set(session.scalars(select(EssentialGoodsChange.economy).distinct()))
    return {e: essential_set(session, economy=e) for e in sorted(economies_changed)}
