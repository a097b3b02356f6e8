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

SYSTEM = "system:checks"


def run_checks(session: Session, *, row: Declaration) -> None:
    """Every check that looks at a declaration's content; each raises or closes its own findings."""
    from clearway.certificates.clearance import check_declaration as check_certificates

    check_certificates(session, row=row, actor=SYSTEM)
    try:
        from clearway.containers.service import check_declaration as check_seals
    except ImportError:  # pragma: no cover - seals arrive with the containers domain
        return
    check_seals(session, row=row, actor=SYSTEM)


def lodge(session: Session, *, principal: Principal, decl: DeclarationIn) -> tuple[Declaration, bool]:
    row, created = declarations.lodge(session, principal=principal, decl=decl)
    if created:
        run_checks(session, row=row)
    return row, created


def amend(session: Session, *, principal: Principal, mrn: str, reason: str, changes: dict[str, Any]) -> Declaration:
    row = declarations.amend(session, principal=principal, mrn=mrn, reason=reason, changes=changes)
    run_checks(session, row=row)
    return row
