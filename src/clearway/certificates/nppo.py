"""NPPO signing keys of this installation, and the registry of NPPO certificates it trusts."""

from __future__ import annotations

from datetime import datetime

from lxml import etree
from sqlalchemy import select
from sqlalchemy.orm import Session

from clearway import keyring
from clearway.audit.service import append_event
from clearway.certificates import signing
from clearway.certificates.models import NppoKey, TrustedNppo
from clearway.db import utcnow
from clearway.auth.core import Principal, is_admin, is_nppo
from clearway.errors import Conflict, FieldError, Forbidden, Invalid
from clearway.reference import economies


def create_key(session: Session, *, economy: str, party_id: str, actor: str, days: int = 730,
               organisation: str | None = None) -> NppoKey:
    """A new key pair for the NPPO; it becomes the one that signs, and its certificate is trusted here."""
    economy = economy.upper()
    if economies.get(economy) is None:
        raise Invalid(f"{economy!r} is not one of the 21 APEC economies",
                      errors=[FieldError("economy", "is not an APEC economy")])
    if not 1 <= days <= 3650:
        raise Invalid("days must be 1 to 3650", errors=[FieldError("days", "must be 1 to 3650")])
    pair = signing.new_key_pair(economy=economy, party=party_id, organisation=organisation, days=days)
    cert = pair.certificate
    for old in session.scalars(select(NppoKey).where(NppoKey.economy == economy, NppoKey.active.is_(True))):
        old.active = False
    row = NppoKey(economy=economy, party_id=party_id, key_pem=keyring.seal(pair.key_pem.decode()), cert_pem=pair.cert_pem.decode(),
                  fingerprint=signing.fingerprint(pair.cert_pem), not_before=cert.not_valid_before_utc,
                  not_after=cert.not_valid_after_utc, created_at=utcnow(), active=True)
    session.add(row)
    session.flush()
    trust(session, economy=economy, party_id=party_id, cert_pem=row.cert_pem, actor=actor)
    append_event(session, actor=actor, action="nppo.key_created", entity_type="nppo", entity_id=economy,
                 data={"party_id": party_id, "fingerprint": row.fingerprint, "not_after": row.not_after.isoformat()})
    return row


def signing_key(session: Session, *, economy: str) -> signing.KeyPair:
    row = session.scalars(select(NppoKey).where(NppoKey.economy == economy.upper(), NppoKey.active.is_(True))
                          .order_by(NppoKey.id.desc())).first()
    if row is None:
        raise Conflict(f"this installation has no NPPO signing key for {economy}: "
                       f"run `clearway nppo keys create --economy {economy} --party <NPPO id>`")
    if row.not_after <= utcnow():
        raise Conflict(f"the NPPO signing certificate of {economy} expired on {row.not_after:%Y-%m-%d}: create a new key")
    return signing.KeyPair(keyring.unseal(row.key_pem).encode(), row.cert_pem.encode())


def trust(session: Session, *, economy: str, cert_pem: str, actor: str, party_id: str | None = None) -> TrustedNppo:
    """Register an NPPO's signing certificate (idempotent per certificate)."""
    economy = economy.upper()
    try:
        cert = signing.load_certificate(cert_pem)
    except signing.SignatureRefused as exc:
        raise Invalid(str(exc), errors=[FieldError("certificate_pem", "is not a PEM X.509 certificate")]) from None
    country = [a.value for a in cert.subject if a.oid.dotted_string == "2.5.4.6"]
    if country and country[0].upper() != economy:
        raise Invalid(f"the certificate names country {country[0]}, not {economy}",
                      errors=[FieldError("economy", f"does not match the certificate's country {country[0]}")])
    digest = signing.fingerprint(cert_pem)
    existing = session.scalars(select(TrustedNppo).where(TrustedNppo.fingerprint == digest)).one_or_none()
    if existing is not None:
        return existing
    row = TrustedNppo(economy=economy, party_id=party_id, cert_pem=cert_pem.strip() + "\n", fingerprint=digest,
                      subject=cert.subject.rfc4514_string()[:400], not_before=cert.not_valid_before_utc,
                      not_after=cert.not_valid_after_utc, added_at=utcnow(), added_by=actor)
    session.add(row)
    session.flush()
    append_event(session, actor=actor, action="nppo.trusted", entity_type="nppo", entity_id=economy,
                 data={"fingerprint": digest, "subject": row.subject, "not_after": row.not_after.isoformat()})
    return row


def may_read_trusted(principal: Principal) -> None:
    """The access rule for the registry of trusted NPPO certificates: admins, who keep it, and NPPO keys,
    whose exchange it decides. Anyone else is refused."""
    if not (is_admin(principal) or is_nppo(principal)):
        raise Forbidden("the registry of trusted NPPO certificates is read by admin and NPPO keys")


def trusted_for(session: Session, *, principal: Principal, economy: str) -> list[TrustedNppo]:
    may_read_trusted(principal)
    return trusted(session, economy=economy)


def trusted(session: Session, *, economy: str) -> list[TrustedNppo]:
    return list(session.scalars(select(TrustedNppo).where(TrustedNppo.economy == economy.upper())
                                .order_by(TrustedNppo.id.desc())))


def verify_signed(session: Session, *, economy: str, root, at: datetime | None = None  # noqa: ANN001
                  ) -> tuple[str, etree._Element]:
    """(fingerprint of the registered certificate of `economy` the signature verifies against, the signed
    content as signing.verify returns it: read the certificate's fields from that alone). SignatureRefused
    naming why no registered certificate verifies (unknown NPPO, bad signature, expired certificate)."""
    certs = trusted(session, economy=economy)
    if not certs:
        raise signing.SignatureRefused(f"no NPPO certificate is registered for {economy}: the sender is unknown")
    reasons = []
    for cert in certs:
        try:
            return cert.fingerprint, signing.verify(root, cert.cert_pem, at=at)
        except signing.SignatureRefused as exc:
            reasons.append(str(exc))
    raise signing.SignatureRefused(reasons[0] if len(set(reasons)) == 1 else "; ".join(dict.fromkeys(reasons)))
