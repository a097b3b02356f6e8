"""The importing side: an envelope pulled from the hub is read, verified and stored once (per hub
delivery number); the answer (accepted, with warnings, refused) is what the node acknowledges. The
declarations citing what arrived are checked again by the flow that calls this (flows/ephyto.receive)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from clearway.audit.service import append_event
from clearway.certificates import builder, nppo, schema, signing, sps
from clearway.certificates.models import Certificate, Receipt
from clearway.certificates.records import issued_at, mark_replaced
from clearway.db import utcnow

ACTOR = "hub"


@dataclass
class Received:
    """What the receiving side answers the hub: accepted, accepted with warnings, or refused (failed)."""

    outcome: str  # accepted | warnings | refused
    reason: str | None = None
    certificate: Certificate | None = None
    warnings: list[str] = field(default_factory=list)
    repeat: bool = False  # the delivery number was received before: this is the answer given then


def receive(session: Session, *, economy: str, delivery_number: str, sender: str, to: str, number: str,
            status_code: int, content: str) -> Received:
    """Verify and store one envelope addressed to `economy`. A delivery number seen before gets the
    answer given the first time (nothing is stored twice)."""
    seen = session.scalars(select(Receipt).where(Receipt.hub_delivery_number == delivery_number)).one_or_none()
    if seen is not None:
        cert = session.get(Certificate, seen.certificate_id) if seen.certificate_id else None
        return Received(seen.outcome, seen.reason, cert, repeat=True)
    outcome = _read(session, economy=economy, sender=sender, to=to, number=number, status_code=status_code,
                    content=content)
    receipt = Receipt(hub_delivery_number=delivery_number, from_economy=sender[:2], number=number[:120],
                      status_code=status_code, outcome=outcome.outcome, reason=outcome.reason,
                      certificate_id=outcome.certificate.id if outcome.certificate else None, received_at=utcnow())
    try:
        with session.begin_nested():
            session.add(receipt)
            session.flush()
    except IntegrityError:  # a concurrent pull stored it first
        seen = session.scalars(select(Receipt).where(Receipt.hub_delivery_number == delivery_number)).one()
        return Received(seen.outcome, seen.reason, repeat=True)
    if outcome.outcome == "refused":
        append_event(session, actor=ACTOR, action="ephyto.refused", entity_type="ephyto",
                     entity_id=f"{sender}/{number}"[:80], data={"delivery": delivery_number, "reason": outcome.reason})
    return outcome


def _read(session: Session, *, economy: str, sender: str, to: str, number: str, status_code: int,
          content: str) -> Received:
    def refused(reason: str) -> Received:
        return Received("refused", reason)

    if to != economy:
        return refused(f"the envelope is addressed to {to}, not to {economy}")
    if status_code not in sps.STATUS_NAMES:
        return refused(f"CertificateStatus {status_code} is not 70 (issued) or 40 (withdrawn)")
    findings, tree = schema.check(content)
    severe = schema.severe(findings)
    if severe:
        first = severe[0]
        return refused(f"not a valid SPSCertificate ({len(severe)} severe finding(s)); first at line {first.line}"
                       f"{' ' + first.path if first.path else ''}: {first.message}")
    root = tree.getroot()
    try:  # first: everything below is read from what the sender's signature covers, and from nothing else
        signer, signed = nppo.verify_signed(session, economy=sender, root=root)
    except signing.SignatureRefused as exc:
        return refused(str(exc))
    summary = sps.summary(signed, signed=True)
    for what, got, want in (("NPPOCertificateNumber", summary["number"], number),
                            ("exporting country", summary["export_country"], sender),
                            ("importing country", summary["import_country"], economy),
                            ("StatusCode", summary["status_code"], status_code)):
        if got != want:
            return refused(f"the certificate's {what} is {got!r} but the envelope says {want!r}")
    xml = builder.to_bytes(root)
    warnings = [f"line {f.line}: {f.message}" for f in findings if f.level == schema.WARNING]
    now = utcnow()
    row = session.scalars(select(Certificate).where(Certificate.exporting_economy == sender,
                                                    Certificate.number == number).with_for_update()).one_or_none()
    status = "withdrawn" if status_code == sps.STATUS_WITHDRAWN else "issued"
    if row is not None and status == "issued":
        if row.sha256 == hashlib.sha256(xml).hexdigest():
            return Received("accepted", None, row)
        return refused(f"certificate {number} of {sender} was already received with other content; "
                       "a correction is a replacement with a new number")
    if row is None:
        row = Certificate(number=number, exporting_economy=sender, importing_economy=economy, direction="received",
                          type_code=summary["type_code"], recorded_at=now, actor=ACTOR, signed=True,
                          replaces=summary.get("replaces"), issued_at=None, verification_code="")
        session.add(row)
    elif row.status == "replaced" and status == "withdrawn":
        pass  # a replaced certificate withdrawn later: withdrawn wins
    row.status, row.status_code, row.xml, row.sha256 = status, status_code, xml.decode(), hashlib.sha256(xml).hexdigest()
    if not row.verification_code:  # the code printed on the issued paper stays the certificate's code
        row.verification_code = signing.verification_code(xml)
    row.summary, row.findings = summary, [f.as_dict() for f in findings]
    row.signature_verified_at, row.signer_fingerprint, row.updated_at = now, signer, now
    row.issued_at = issued_at(summary)
    session.flush()
    append_event(session, actor=ACTOR, action=f"ephyto.received_{status}", entity_type="ephyto",
                 entity_id=f"{sender}/{number}", data={"sha256": row.sha256, "signer": signer})
    if status == "issued" and row.replaces:
        mark_replaced(session, exporter=sender, number=row.replaces, by=number, actor=ACTOR)
    return Received("warnings" if warnings else "accepted", "; ".join(warnings) or None, row, warnings)
