"""Lodging as a flow: register the declaration, then run the document and security checks that
other domains own (ePhyto match, seal alerts on its containers). Their findings force a lane and
block automatic release until cleared. One transaction: the declaration and its findings land together."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from clearway.auth.core import Principal
from clearway.declarations import service as declarations
from clearway.declarations.models import Declaration
from clearway.declarations.schemas import DeclarationIn
from clearway.flows.ephyto_check import check_declaration as certificates_check
from clearway.flows.seals import seals_check

SYSTEM = "system:checks"

# Every check that looks at a declaration's content, in order; each raises or closes its own findings.
# certificates_check: the ePhyto document check; seals_check: a declaration lodged (or amended) after an
# alert was raised on one of its containers gets the alert's finding too.
CHECKS = (certificates_check, seals_check)


def run_checks(session: Session, *, row: Declaration) -> None:
    """Run every check in CHECKS on the declaration."""
    for check in CHECKS:
        check(session, row=row, actor=SYSTEM)


def lodge(session: Session, *, principal: Principal, decl: DeclarationIn,
          channel: str = "api") -> tuple[Declaration, bool]:
    row, created = declarations.lodge(session, principal=principal, decl=decl, channel=channel)
    if created:
        run_checks(session, row=row)
    return row, created


def amend(session: Session, *, principal: Principal, mrn: str, reason: str, changes: dict[str, Any]) -> Declaration:
    row = declarations.amend(session, principal=principal, mrn=mrn, reason=reason, changes=changes)
    run_checks(session, row=row)
    return row
