"""The hub's state: registered NPPOs and envelopes in transit, in the hub's own database.

Delivery is idempotent: the same envelope (From, To, number, status, content) delivered again gets the
delivery number it got the first time, so a sender may repeat a send it is unsure of."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from clearway.certificates.models import HubEnvelope, HubNppo
from clearway.certificates.soap import Envelope, SoapFault
from clearway.config import get_settings
from clearway.db import make_engine, make_sessionmaker, migrate, utcnow
from clearway.reference import economies

PENDING, DELIVERED, WARNINGS, NOT_READABLE, FAILED = ("PendingDelivery", "Delivered", "DeliveredWithWarnings",
                                                      "DeliveredNotReadable", "FailedDelivery")
FINAL = (DELIVERED, WARNINGS, NOT_READABLE, FAILED)
CERTIFICATE_TYPES, CERTIFICATE_STATUSES = (851, 657), (70, 40)
BATCH_BYTES = 2_000_000  # a pull answer stays under the SOAP message limit
DEFAULT_TTL = timedelta(days=7)  # an envelope nobody pulls within this becomes FailedDelivery


def sessions(database_url: str | None = None) -> sessionmaker[Session]:
    """The hub's own database (migrated): the URL given, else CLEARWAY_HUB_DATABASE_URL, else
    hub.db in the data directory. Never the node's database by default."""
    url = database_url or get_settings().hub_db_url
    engine = make_engine(url)
    migrate(engine)
    return make_sessionmaker(engine)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def add_nppo(factory: sessionmaker[Session], *, country: str) -> str:
    """Register (or re-key) an NPPO; returns its new token."""
    country = country.upper()
    if economies.get(country) is None:
        raise ValueError(f"country: {country!r} is not one of the 21 APEC economies")
    token = "hub_" + secrets.token_urlsafe(32)
    with factory.begin() as session:
        row = session.scalars(select(HubNppo).where(HubNppo.country == country)).one_or_none()
        if row is None:
            session.add(HubNppo(country=country, token_hash=_hash(token), active=True, created_at=utcnow()))
        else:
            row.token_hash, row.active = _hash(token), True
    return token


def authenticate(session: Session, token: str) -> str | None:
    row = session.scalars(select(HubNppo).where(HubNppo.token_hash == _hash(token))).one_or_none()
    return row.country if row is not None and row.active else None


def active_nppos(session: Session) -> list[str]:
    return list(session.scalars(select(HubNppo.country).where(HubNppo.active.is_(True)).order_by(HubNppo.country)))


def _header(row: HubEnvelope, *, content: bool = False) -> Envelope:
    return Envelope(From=row.from_country, To=row.to_country, CertificateType=row.certificate_type,
                    CertificateStatus=row.certificate_status, NPPOCertificateNumber=row.certificate_number,
                    hubDeliveryNumber=row.delivery_number, HUBTrackingInfo=row.tracking,
                    hubDeliveryErrorMessage=row.error_message, Content=row.content if content else None)


def deliver(session: Session, *, caller: str, env: Envelope, response: bool = False) -> Envelope:
    """Queue an envelope for its importer. A country response (response=True) answers a certificate
    delivered to the caller, so that certificate must exist; its status is the importer's, not 70/40."""
    if env.From != caller:
        raise SoapFault(f"this NPPO is {caller} and cannot send as {env.From}")
    if env.To not in active_nppos(session):
        raise SoapFault(f"{env.To} is not an active NPPO on this hub")
    if env.CertificateType not in CERTIFICATE_TYPES:
        raise SoapFault(f"CertificateType {env.CertificateType} is not 851 or 657")
    if response:
        answered = select(HubEnvelope.id).where(HubEnvelope.from_country == env.To, HubEnvelope.to_country == caller,
                                                HubEnvelope.certificate_number == env.NPPOCertificateNumber)
        if session.scalars(answered.limit(1)).first() is None:
            raise SoapFault(f"no certificate {env.NPPOCertificateNumber} from {env.To} reached {caller}: "
                            "there is nothing to respond to")
    elif env.CertificateStatus not in CERTIFICATE_STATUSES:
        raise SoapFault(f"CertificateStatus {env.CertificateStatus} is not 70 or 40")
    if not env.Content:
        raise SoapFault("the envelope has no Content")
    if len(env.NPPOCertificateNumber) > 120:
        raise SoapFault("NPPOCertificateNumber is over 120 characters")
    digest = hashlib.sha256(env.Content.encode()).hexdigest()
    key = (HubEnvelope.from_country == env.From, HubEnvelope.to_country == env.To,
           HubEnvelope.certificate_number == env.NPPOCertificateNumber,
           HubEnvelope.certificate_status == env.CertificateStatus, HubEnvelope.content_sha256 == digest)
    existing = session.scalars(select(HubEnvelope).where(*key)).one_or_none()
    if existing is not None:
        return _header(existing)
    now = utcnow()
    row = HubEnvelope(delivery_number=str(uuid.uuid4()), from_country=env.From, to_country=env.To,
                      certificate_type=env.CertificateType, certificate_status=env.CertificateStatus,
                      certificate_number=env.NPPOCertificateNumber, content=env.Content, content_sha256=digest,
                      tracking=PENDING, created_at=now, updated_at=now)
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:  # the same envelope delivered concurrently
        return _header(session.scalars(select(HubEnvelope).where(*key)).one())
    return _header(row)


def _expire(session: Session, rows: list[HubEnvelope], ttl: timedelta) -> list[HubEnvelope]:
    now, alive = utcnow(), []
    for row in rows:
        if row.tracking == PENDING and row.created_at < now - ttl:
            row.tracking, row.error_message, row.updated_at = FAILED, "not pulled by the importing NPPO in time", now
        else:
            alive.append(row)
    return alive


def tracking(session: Session, *, caller: str, number: str, ttl: timedelta = DEFAULT_TTL) -> Envelope:
    row = session.scalars(select(HubEnvelope).where(HubEnvelope.delivery_number == number)).one_or_none()
    if row is None or caller not in (row.from_country, row.to_country):
        return Envelope(From="", To="", CertificateType=0, CertificateStatus=0, NPPOCertificateNumber="",
                        hubDeliveryNumber=number, HUBTrackingInfo="EnvelopeNotExists")
    _expire(session, [row], ttl)
    return _header(row)


def pending_for(session: Session, *, caller: str, limit: int = 100, ttl: timedelta = DEFAULT_TTL,
                content: bool = True, sender: str | None = None) -> list[Envelope]:
    where = [HubEnvelope.to_country == caller, HubEnvelope.tracking == PENDING]
    if sender:
        where.append(HubEnvelope.from_country == sender.upper())
    rows = list(session.scalars(select(HubEnvelope).where(*where).order_by(HubEnvelope.id).limit(limit)))
    out, size = [], 0
    for row in _expire(session, rows, ttl):
        size += len(row.content) * 2 if content else 200  # escaped in the SOAP answer
        if out and size > BATCH_BYTES:
            break  # the rest comes with the next pull
        out.append(_header(row, content=content))
    return out


def single(session: Session, *, caller: str, number: str) -> Envelope:
    row = session.scalars(select(HubEnvelope).where(HubEnvelope.delivery_number == number)).one_or_none()
    if row is None or row.to_country != caller:
        raise SoapFault(f"no envelope {number} for {caller}")
    return _header(row, content=True)


def under_delivery(session: Session, *, caller: str) -> list[Envelope]:
    rows = session.scalars(select(HubEnvelope).where(HubEnvelope.from_country == caller,
                                                     HubEnvelope.tracking == PENDING).order_by(HubEnvelope.id))
    return [_header(r) for r in rows]


def acknowledge(session: Session, *, caller: str, number: str, tracking_info: str, message: str | None = None) -> None:
    row = session.scalars(select(HubEnvelope).where(HubEnvelope.delivery_number == number)
                          .with_for_update()).one_or_none()
    if row is None or row.to_country != caller:
        raise SoapFault(f"no envelope {number} for {caller}")
    if row.tracking != PENDING:
        return  # acknowledged before (a repeated acknowledgement changes nothing)
    row.tracking, row.error_message, row.updated_at = tracking_info, message, utcnow()


def set_tracking(session: Session, *, caller: str, header: Envelope) -> None:
    """SetTrackingInfoUpdate: the importing NPPO states what became of an envelope it pulled (its verdict
    may be revised, e.g. DeliveredWithWarnings once read in full)."""
    verdicts = (DELIVERED, WARNINGS, NOT_READABLE)
    if header.HUBTrackingInfo not in verdicts:
        raise SoapFault(f"HUBTrackingInfo: {header.HUBTrackingInfo!r} is not one an importer sets "
                        f"({', '.join(verdicts)})")
    number = header.hubDeliveryNumber or ""
    row = session.scalars(select(HubEnvelope).where(HubEnvelope.delivery_number == number)
                          .with_for_update()).one_or_none()
    if not number or row is None or row.to_country != caller:
        raise SoapFault(f"hubDeliveryNumber: no envelope {number or '(none given)'} for {caller}")
    stored = (row.from_country, row.to_country, row.certificate_number)
    if (header.From, header.To, header.NPPOCertificateNumber) != stored:
        raise SoapFault(f"the header names {header.From}->{header.To} {header.NPPOCertificateNumber}, but envelope "
                        f"{number} is {stored[0]}->{stored[1]} {stored[2]}")
    if row.tracking == FAILED:
        raise SoapFault(f"envelope {number} already failed delivery: {row.error_message}")
    row.tracking, row.error_message, row.updated_at = header.HUBTrackingInfo, header.hubDeliveryErrorMessage, utcnow()
