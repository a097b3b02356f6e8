"""Release a declaration's goods with a verification code; look a code up."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from clearway.declarations import service as declarations
from clearway.declarations.models import Declaration
from clearway.db import utcnow
from clearway.errors import FieldError, NotFound
from clearway.release import core
from clearway.release.models import Release


def release(session: Session, *, row: Declaration, actor: str, basis: str, reason: str) -> Release:
    """Move the declaration to `released` and issue its code (one transaction, audited by the transition)."""
    code = core.new_code()
    while session.scalars(select(Release).where(Release.code == code)).first() is not None:  # pragma: no cover
        code = core.new_code()
    rel = Release(declaration_id=row.id, code=code, basis=basis, released_at=utcnow(), actor=actor)
    session.add(rel)
    session.flush()
    declarations.transition(session, row=row, to_status="released", actor=actor, reason=reason,
                            data={"release_code": core.display(code), "basis": basis})
    return rel


def of(session: Session, declaration_id: int) -> Release | None:
    return session.scalars(select(Release).where(Release.declaration_id == declaration_id)).first()


def check(session: Session, code: str) -> tuple[Release, Declaration]:
    reason = core.problem(code)
    if reason:
        raise NotFound(f"{code!r} is not a release code: {reason}", errors=[FieldError("code", reason)])
    rel = session.scalars(select(Release).where(Release.code == core.normalise(code))).first()
    if rel is None:
        raise NotFound(f"no release with code {code}")
    return rel, declarations.by_id(session, rel.declaration_id)
