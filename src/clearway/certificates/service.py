"""Issue, import, receive, withdraw and replace ePhytos. Runs inside the caller's transaction; every
state change appends its audit event in that same transaction.

Receiving from the hub is clearway.certificates.receiving; the clearance document check is
clearway.flows.ephyto_check."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

from lxml import etree
from sqlalchemy import ColumnElement, or_, select, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from clearway.audit.service import append_event
from clearway.auth.core import Principal, is_admin, is_customs, is_nppo
from clearway import xmlsafe
from clearway.certificates import builder, nppo, schema, signing, sps
from clearway.certificates.models import Certificate, Delivery
from clearway.certificates.records import by_number as _by_number
from clearway.certificates.records import issued_at as _issued_at
from clearway.certificates.records import mark_replaced as _mark_replaced
from clearway.certificates.schemas import EPhytoIn
from clearway.db import keyset_page, utcnow
from clearway.errors import Conflict, FieldError, Forbidden, Invalid, NotFound
from clearway.reference import countries

__all__ = ["issue", "import_xml", "withdraw", "replace", "get", "validate"]



def validate(data: bytes | str) -> list[schema.Finding]:
    return schema.check(data)[0]


def _refuse_findings(findings: list[schema.Finding], detail: str) -> None:
    severe = schema.severe(findings)
    if severe:
        raise Invalid(detail, errors=[FieldError(f"xml line {f.line}" + (f" {f.path}" if f.path else ""), f.message)
                                      for f in severe[:20]])


def _may_issue(principal: Principal) -> None:
    if not is_nppo(principal):
        raise Forbidden("only an NPPO key issues phytosanitary certificates")


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()




def _store_issued(session: Session, *, principal: Principal, signed_root: etree._Element,
                  findings: list[schema.Finding], source_sha: str | None, action: str,
                  signer: str, summary: dict[str, Any] | None = None) -> Certificate:
    """`summary` is what was read from the signed content; by default it is read from `signed_root`, which
    this installation has just built and signed."""
    xml = builder.to_bytes(signed_root)
    summary = (summary if summary is not None else sps.summary(signed_root)) | {"source_sha256": source_sha,
                                                                                "signed": True}
    now = utcnow()
    row = Certificate(number=summary["number"], exporting_economy=summary["export_country"],
                      importing_economy=summary["import_country"], direction="issued", status="issued",
                      status_code=sps.STATUS_ISSUED, type_code=summary["type_code"], xml=xml.decode("utf-8"),
                      sha256=_sha(xml), verification_code=signing.verification_code(xml), signed=True,
                      signature_verified_at=now, signer_fingerprint=signer,
                      summary=summary, findings=[f.as_dict() for f in findings], replaces=summary.get("replaces"),
                      issued_at=_issued_at(summary), recorded_at=now, updated_at=now, actor=principal.actor)
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        raise Conflict(f"certificate {row.number} of {row.exporting_economy} already exists") from None
    _enqueue(session, row, xml)
    append_event(session, actor=principal.actor, action=action, entity_type="ephyto",
                 entity_id=f"{row.exporting_economy}/{row.number}",
                 data={"sha256": row.sha256, "to": row.importing_economy, "replaces": row.replaces})
    return row


def _enqueue(session: Session, row: Certificate, xml: bytes) -> None:
    if row.importing_economy == row.exporting_economy:
        return
    now = utcnow()
    session.add(Delivery(certificate_id=row.id, to_economy=row.importing_economy, status_code=row.status_code,
                         type_code=row.type_code, content=xml.decode("utf-8"), state="pending", attempts=0,
                         next_attempt_at=now, created_at=now, updated_at=now))
    session.flush()


def _check_parties(cert: EPhytoIn, principal: Principal) -> None:
    if cert.origin != principal.economy:
        raise Forbidden(f"this key issues for {principal.economy}, not {cert.origin}",
                        errors=[FieldError("origin", "is not the economy this NPPO key acts for")])
    for path, code in [("destination", cert.destination), *[(f"transit[{i}]", c) for i, c in enumerate(cert.transit)],
                       *[(f"products[{i}].origin", p.origin) for i, p in enumerate(cert.products) if p.origin]]:
        if not countries.is_country(code):
            raise Invalid(f"{code} is not an ISO 3166 country", errors=[FieldError(path, "is not an ISO 3166 code")])
    if cert.destination == cert.origin:
        raise Invalid("a certificate goes to another economy",
                      errors=[FieldError("destination", "must differ from origin")])


def check_draft(*, principal: Principal, cert: EPhytoIn) -> list[schema.Finding]:
    """What issuing `cert` would find, without signing or storing it: the parties' checks (refused as by
    `issue`), then the built SPSCertificate's graded schema findings (the NPPO desk's "check" button)."""
    _may_issue(principal)
    _check_parties(cert, principal)
    findings, _ = schema.check(builder.to_bytes(builder.build(cert)))
    return findings


def issue(session: Session, *, principal: Principal, cert: EPhytoIn, replaces: Certificate | None = None,
          reason: str | None = None) -> tuple[Certificate, bool, list[schema.Finding]]:
    """(certificate, created, findings). The same number with the same JSON returns the existing one."""
    _may_issue(principal)
    _check_parties(cert, principal)
    source_sha = _sha(cert.model_dump_json().encode())
    existing = _by_number(session, exporter=cert.origin, number=cert.number)
    if existing is not None:
        if existing.summary.get("source_sha256") == source_sha and existing.direction == "issued":
            return existing, False, [schema.Finding(**f) for f in existing.findings]
        raise Conflict(f"certificate number {cert.number} was already used by {cert.origin} with other content")
    root = builder.build(cert, replaces=replaces.number if replaces else None, replacement_reason=reason)
    pair = nppo.signing_key(session, economy=principal.economy)
    signed = signing.sign(root, pair)
    findings, _ = schema.check(builder.to_bytes(signed))
    _refuse_findings(findings, "the certificate built from this JSON is not schema-valid")
    row = _store_issued(session, principal=principal, signed_root=signed, findings=findings,
                        source_sha=source_sha, action="ephyto.replacement_issued" if replaces else "ephyto.issued",
                        signer=signing.fingerprint(pair.cert_pem))
    return row, True, findings


def import_xml(session: Session, *, principal: Principal, data: bytes) -> tuple[Certificate, bool, list[schema.Finding]]:
    """An SPSCertificate made elsewhere by this NPPO: validated, its signature verified (or it is signed
    here if it comes unsigned), stored and queued for the importing economy. A signed certificate is read
    only from what its signature covers; an unsigned one loses its comments before it is read and signed."""
    _may_issue(principal)
    findings, tree = schema.check(data)
    _refuse_findings(findings, "the certificate is not schema-valid")
    root = tree.getroot()
    signed_here = root.find(sps.q("ds:Signature")) is None
    if signed_here:
        xmlsafe.strip_unsigned_nodes(root)
        content, signer = root, None
    else:
        try:
            signer, content = nppo.verify_signed(session, economy=principal.economy, root=root)
        except signing.SignatureRefused as exc:
            raise Invalid(str(exc), errors=[FieldError("xml ds:Signature", str(exc))]) from None
    summary = sps.summary(content, signed=not signed_here)
    _check_imported(summary, principal=principal)
    existing = _by_number(session, exporter=principal.economy, number=summary["number"])
    if existing is not None:
        if existing.summary.get("source_sha256") == _sha(data):
            return existing, False, [schema.Finding(**f) for f in existing.findings]
        raise Conflict(f"certificate number {summary['number']} was already used by {principal.economy}")
    if signed_here:
        pair = nppo.signing_key(session, economy=principal.economy)
        root, signer = signing.sign(root, pair), signing.fingerprint(pair.cert_pem)
        findings = schema.check(builder.to_bytes(root))[0]
    row = _store_issued(session, principal=principal, signed_root=root, findings=findings,
                        source_sha=_sha(data), action="ephyto.imported", signer=signer, summary=summary)
    if row.replaces:
        _mark_replaced(session, exporter=row.exporting_economy, number=row.replaces, by=row.number,
                       actor=principal.actor)
    return row, True, findings


def _check_imported(summary: dict[str, Any], *, principal: Principal) -> None:
    if summary["export_country"] != principal.economy:
        raise Forbidden(f"this key imports certificates of {principal.economy}, not {summary['export_country']}",
                        errors=[FieldError("xml SPSConsignment/ExportSPSCountry/ID", "is not this NPPO's economy")])
    if summary["status_code"] != sps.STATUS_ISSUED:
        raise Invalid("only an issued certificate (StatusCode 70) can be imported; withdraw through the API",
                      errors=[FieldError("xml SPSExchangedDocument/StatusCode", "must be 70")])
    if summary["type_code"] not in sps.TYPE_NAMES or not summary["number"]:
        raise Invalid("not an ePhyto", errors=[FieldError("xml SPSExchangedDocument/TypeCode", "must be 851 or 657")])




def readable(principal: Principal) -> ColumnElement[bool]:
    """The one access rule for ePhytos, used by the list and by every single read. An admin reads every
    certificate; an NPPO or customs officer those its economy issued or receives. Other keys (declarants)
    read none: a certificate names consignor, consignee and quantities, and the number a declaration cites
    is typed by the declarant, so citing one cannot be what opens it. A declarant learns the outcome of
    the ePhyto check from its declaration's findings."""
    if not (is_customs(principal) or is_nppo(principal)):
        raise Forbidden("ePhytos are read by NPPO, customs officer and admin keys; a declarant sees the ePhyto "
                        "check in its declaration's findings")
    if is_admin(principal):
        return true()
    return or_(Certificate.exporting_economy == principal.economy, Certificate.importing_economy == principal.economy)


def get(session: Session, *, principal: Principal, number: str, exporter: str | None = None) -> Certificate:
    stmt = select(Certificate).where(readable(principal), Certificate.number == number)
    if exporter:
        stmt = stmt.where(Certificate.exporting_economy == exporter.upper())
    rows = list(session.scalars(stmt.order_by(Certificate.id).limit(2)))
    if not rows:
        raise NotFound(f"no certificate {number}")
    if len(rows) > 1:
        raise Conflict(f"certificate number {number} exists for several exporting economies: name one",
                       errors=[FieldError("exporter", "is needed to tell them apart")])
    return rows[0]


def list_certificates(session: Session, *, principal: Principal, status: str | None = None,
                      direction: str | None = None, limit: int = 50, after: int | None = None
                      ) -> tuple[list[Certificate], int | None]:
    stmt = select(Certificate).where(readable(principal))
    if status:
        stmt = stmt.where(Certificate.status == status)
    if direction:
        stmt = stmt.where(Certificate.direction == direction)
    return keyset_page(session, stmt, Certificate.id, limit=limit, after=after)


def _own_issued(session: Session, *, principal: Principal, number: str) -> Certificate:
    _may_issue(principal)
    row = _by_number(session, exporter=principal.economy, number=number, for_update=True)
    if row is None or row.direction != "issued":
        raise NotFound(f"no certificate {number} issued by {principal.economy}")
    if row.status != "issued":
        raise Conflict(f"certificate {number} is {row.status}", certificate_status=row.status)
    return row


def withdraw(session: Session, *, principal: Principal, number: str, reason: str) -> Certificate:
    """Status 40: the certificate is re-signed with StatusCode 40 and sent to the importing economy."""
    row = _own_issued(session, principal=principal, number=number)
    root = schema.check(row.xml.encode())[1].getroot()
    root.remove(root.find(sps.q("ds:Signature")))
    root.find(f"{sps.q('rsm:SPSExchangedDocument')}/{sps.q('ram:StatusCode')}").text = str(sps.STATUS_WITHDRAWN)
    signed = signing.sign(root, nppo.signing_key(session, economy=principal.economy))
    xml = builder.to_bytes(signed)
    row.xml, row.sha256, row.status, row.status_code = xml.decode(), _sha(xml), "withdrawn", sps.STATUS_WITHDRAWN
    row.summary = row.summary | {"status_code": sps.STATUS_WITHDRAWN, "withdrawal_reason": reason}
    row.updated_at = utcnow()
    session.flush()
    _enqueue(session, row, xml)
    append_event(session, actor=principal.actor, action="ephyto.withdrawn", entity_type="ephyto",
                 entity_id=f"{row.exporting_economy}/{row.number}", data={"reason": reason, "sha256": row.sha256})
    return row


def replace(session: Session, *, principal: Principal, number: str, cert: EPhytoIn,
            reason: str) -> tuple[Certificate, Certificate]:
    """A new certificate (new number) that replaces `number`; the old one becomes `replaced`."""
    old = _own_issued(session, principal=principal, number=number)
    if cert.number == number:
        raise Invalid("a replacement has its own number",
                      errors=[FieldError("certificate.number", "must differ from the replaced certificate's")])
    new, _, _ = issue(session, principal=principal, cert=cert, replaces=old, reason=reason)
    _mark_replaced(session, exporter=old.exporting_economy, number=old.number, by=new.number, actor=principal.actor)
    return old, new


def last_delivery(session: Session, row: Certificate) -> Delivery | None:
    """The latest delivery queued for an issued certificate (None for received ones, or none queued)."""
    if row.direction != "issued":
        return None
    return session.scalars(select(Delivery).where(Delivery.certificate_id == row.id)
                           .order_by(Delivery.id.desc()).limit(1)).first()


def backoff(attempts: int) -> timedelta:
    """Wait before the next delivery attempt: 2, 4, 8 ... seconds, at most an hour."""
    return timedelta(seconds=min(3600, 2 ** max(1, attempts)))

