"""Release as a flow: the release domain issues the code, the declarations domain moves the declaration to
`released` (its audited transition), in the caller's one transaction. And the public check of a code reads
both: the release and the declaration it names."""

from __future__ import annotations

from sqlalchemy.orm import Session

from clearway.declarations import service as declarations
from clearway.declarations.models import Declaration
from clearway.release import core
from clearway.release import service as releases
from clearway.release.models import Release


def release(session: Session, *, row: Declaration, actor: str, basis: str, reason: str) -> Release:
    """Move the declaration to `released` and issue its code (one transaction, audited by the transition)."""
    rel = releases.issue(session, declaration_id=row.id, actor=actor, basis=basis)
    declarations.transition(session, row=row, to_status="released", actor=actor, reason=reason,
                            data={"release_code": core.display(rel.code), "basis": basis})
    return rel


def check(session: Session, code: str) -> tuple[Release, Declaration]:
    """The release a code names and its declaration (NotFound for a malformed or unknown code)."""
    rel = releases.find(session, code)
    return rel, declarations.by_id(session, rel.declaration_id)
