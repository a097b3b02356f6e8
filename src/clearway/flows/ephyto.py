"""Changing an ePhyto as a flow: the certificates domain issues, imports, withdraws or replaces it, then
every open declaration citing an affected number is checked again in the same transaction, so that a
withdrawal or replacement raises its finding at once (not when the declaration is next amended), and a
certificate issued after the declaration clears it. A certificate received from the hub (`receive`) is
checked against the declarations citing it in the transaction that stores it."""

from __future__ import annotations

from sqlalchemy.orm import Session

from clearway.auth.core import Principal
from clearway.certificates import receiving, service as certificates
from clearway.certificates.models import Certificate
from clearway.certificates.schema import Finding
from clearway.certificates.schemas import EPhytoIn
from clearway.flows.ephyto_check import CheckResult, recheck
from clearway.flows.lodging import SYSTEM


def recheck_citing(session: Session, *numbers: str | None) -> list[CheckResult]:
    """Check again the open declarations citing any of `numbers` (each declaration once per number)."""
    results: list[CheckResult] = []
    for number in dict.fromkeys(n for n in numbers if n):
        results += recheck(session, number=number, actor=SYSTEM)
    return results


def issue(session: Session, *, principal: Principal, cert: EPhytoIn) -> tuple[Certificate, bool, list[Finding]]:
    row, created, findings = certificates.issue(session, principal=principal, cert=cert)
    if created:
        recheck_citing(session, row.number)
    return row, created, findings


def import_xml(session: Session, *, principal: Principal, data: bytes) -> tuple[Certificate, bool, list[Finding]]:
    row, created, findings = certificates.import_xml(session, principal=principal, data=data)
    if created:  # an imported certificate may replace another (its ADRPN note)
        recheck_citing(session, row.number, row.replaces)
    return row, created, findings


def withdraw(session: Session, *, principal: Principal, number: str, reason: str) -> Certificate:
    row = certificates.withdraw(session, principal=principal, number=number, reason=reason)
    recheck_citing(session, row.number)
    return row


def replace(session: Session, *, principal: Principal, number: str, cert: EPhytoIn,
            reason: str) -> tuple[Certificate, Certificate]:
    old, new = certificates.replace(session, principal=principal, number=number, cert=cert, reason=reason)
    recheck_citing(session, old.number, new.number)
    return old, new


def receive(session: Session, *, economy: str, delivery_number: str, sender: str, to: str, number: str,
            status_code: int, content: str) -> receiving.Received:
    """Store one envelope pulled from the hub (certificates.receiving), then check again the open
    declarations citing the certificate it carried; a repeated delivery is answered as the first time."""
    got = receiving.receive(session, economy=economy, delivery_number=delivery_number, sender=sender, to=to,
                            number=number, status_code=status_code, content=content)
    if got.outcome != "refused" and not got.repeat and got.certificate is not None:
        recheck(session, number=got.certificate.number, actor=receiving.ACTOR)
    return got
