"""Issue a release code for a declaration's goods; look a code up. The declaration's move to `released`
is the flow's step (clearway.flows.release), which calls this in the same transaction."""

from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from clearway.db import utcnow
from clearway.errors import FieldError, NotFound
from clearway.release import core
from clearway.release.models import Release


def issue(session: Session, *, declaration_id: int, actor: str, basis: str) -> Release:
    """Store a new release (with a fresh code) for the declaration."""
    code = core.new_code()
    while session.scalars(select(Release).where(Release.code == code)).first() is not None:  # pragma: no cover
        code = core.new_code()
    rel = Release(declaration_id=declaration_id, code=code, basis=basis, released_at=utcnow(), actor=actor)
    session.add(rel)
    session.flush()
    return rel


_OF = select(Release).where(Release.declaration_id == bindparam("declaration")).limit(1)  # built once


def of(session: Session, declaration_id: int) -> Release | None:
    return session.scalars(_OF, {"declaration": declaration_id}).first()


def find(session: Session, code: str) -> Release:
    """The release a code names; a malformed or unknown code is NotFound saying why."""
    reason = core.problem(code)
    if reason:
        raise NotFound(f"{code!r} is not a release code: {reason}", errors=[FieldError("code", reason)])
    rel = session.scalars(select(Release).where(Release.code == core.normalise(code))).first()
    if rel is None:
        raise NotFound(f"no release with code {code}")
    return rel
