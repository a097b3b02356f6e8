"""Refused seal events, for officers: counts by source and reason, the latest ones, and one by id. Both
the summary and the single read filter by `readable`, the one access rule of refusals: an officer reads
the refusals of events sent by gateways of their own economy, an admin every economy's."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from clearway.auth.core import Principal
from clearway.containers import access
from clearway.containers.models import SealEventRefusal
from clearway.errors import Forbidden, NotFound


def readable(principal: Principal) -> Any:
    """The access rule of refused events."""
    if not access.is_customs(principal):
        raise Forbidden("only customs officers read refused seal events")
    return access.of_own_economy(principal, SealEventRefusal.economy)


def render(row: SealEventRefusal) -> dict[str, Any]:
    return {"id": row.id, "at": row.at, "economy": row.economy, "source": row.source, "seal_id": row.seal_id,
            "seal": row.seal_pk, "kind": row.kind or "malformed", "reason": row.reason, "payload": row.payload}


def summary(session: Session, *, principal: Principal, limit: int = 20) -> dict[str, Any]:
    """The total, counts by source, by reason and by seal (the 50 commonest), by kind (unsigned, forged,
    replayed, conflict, no_journey, unknown_seal; malformed), and the latest `limit` refusals."""
    rule = readable(principal)
    total = session.scalar(select(func.count()).select_from(SealEventRefusal).where(rule)) or 0
    by_source = {k: n for k, n in session.execute(select(SealEventRefusal.source, func.count()).where(rule)
                                                  .group_by(SealEventRefusal.source))}
    by_reason = {k: n for k, n in session.execute(select(SealEventRefusal.reason, func.count()).where(rule)
                                                  .group_by(SealEventRefusal.reason)
                                                  .order_by(func.count().desc(), SealEventRefusal.reason).limit(50))}
    by_seal = {k: n for k, n in session.execute(select(SealEventRefusal.seal_id, func.count())
                                                .where(rule, SealEventRefusal.seal_id.is_not(None))
                                                .group_by(SealEventRefusal.seal_id)
                                                .order_by(func.count().desc(), SealEventRefusal.seal_id).limit(50))}
    by_kind = {k or "malformed": n for k, n in session.execute(select(SealEventRefusal.kind, func.count())
                                                               .where(rule).group_by(SealEventRefusal.kind))}
    latest = [render(r) for r in session.scalars(select(SealEventRefusal).where(rule)
                                                 .order_by(SealEventRefusal.id.desc()).limit(limit))]
    return {"total": total, "by_source": by_source, "by_reason": by_reason, "by_seal": by_seal, "by_kind": by_kind,
            "latest": latest}


def get(session: Session, *, principal: Principal, refusal: int) -> SealEventRefusal:
    row = session.scalars(select(SealEventRefusal).where(SealEventRefusal.id == refusal,
                                                         readable(principal))).one_or_none()
    if row is None:
        raise NotFound(f"no refused seal event {refusal}")
    return row
