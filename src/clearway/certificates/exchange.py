"""The node's sending side of the exchange: send the outbox and follow its tracking. (Pulling the inbox
checks declarations too, so it is a flow: flows/hub_exchange.py, which also runs the whole round.)

Each delivery is its own transaction, so a crash loses nothing: a delivery stays pending until the hub
has answered with its delivery number (a repeat gets the same number)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from clearway.audit.service import append_event
from clearway.certificates import service
from clearway.certificates.hub_client import HubClient, HubUnavailable
from clearway.certificates.models import Certificate, Delivery
from clearway.certificates.soap import Envelope, SoapFault
from clearway.db import transaction, utcnow

MAX_ATTEMPTS = 20


def send_pending(factory: sessionmaker[Session], client: HubClient, *, now: datetime | None = None,
                 limit: int = 200) -> dict[str, int]:
    now = now or utcnow()
    with factory() as session:
        ids = list(session.scalars(select(Delivery.id).where(Delivery.state == "pending",
                                                             Delivery.next_attempt_at <= now)
                                   .order_by(Delivery.id).limit(limit)))
    counts = {"sent": 0, "retry": 0, "failed": 0}
    for delivery_id in ids:
        counts[_send_one(factory, client, delivery_id)] += 1
    return counts


def _send_one(factory: sessionmaker[Session], client: HubClient, delivery_id: int) -> str:
    # Read, call the hub with no transaction open, then write: the hub may take minutes (4 tries of 30 s),
    # and an open transaction would hold SQLite's write turn (stalling every request of the process) or a
    # PostgreSQL connection and its locks all that time. A crash after the call is safe: the hub answers a
    # repeated send with the same delivery number.
    with transaction(factory) as session:
        d = session.get(Delivery, delivery_id)
        if d is None or d.state != "pending":
            return "sent"
        cert = session.get(Certificate, d.certificate_id)
        env = Envelope(From=cert.exporting_economy, To=d.to_economy, CertificateType=d.type_code,
                       CertificateStatus=d.status_code, NPPOCertificateNumber=cert.number, Content=d.content)
        d.attempts += 1  # counted before the call, so a send that crashes the node still counts
        d.updated_at = utcnow()
    try:
        answer, refusal, unreachable = client.deliver(env), None, None
    except HubUnavailable as exc:
        answer, refusal, unreachable = None, None, str(exc)
    except SoapFault as exc:
        answer, refusal, unreachable = None, exc.message, None
    with transaction(factory) as session:
        d = session.get(Delivery, delivery_id)
        if d is None or d.state != "pending":  # recorded meanwhile by another run (the hub gave both one number)
            return "failed" if d is not None and d.state == "failed" else "sent"
        entity = f"{env.From}/{env.NPPOCertificateNumber}"
        d.updated_at = utcnow()
        if unreachable is not None:
            d.last_error = unreachable[:2000]
            d.next_attempt_at = utcnow() + service.backoff(d.attempts)
            if d.attempts >= MAX_ATTEMPTS:
                d.state = "failed"
            return "failed" if d.state == "failed" else "retry"
        if refusal is not None:
            d.state, d.last_error = "failed", f"refused by the hub: {refusal}"[:2000]
            append_event(session, actor="hub", action="ephyto.delivery_refused", entity_type="ephyto",
                         entity_id=entity, data={"reason": refusal})
            return "failed"
        d.state, d.hub_delivery_number, d.hub_tracking, d.last_error = ("sent", answer.hubDeliveryNumber,
                                                                        answer.HUBTrackingInfo, None)
        append_event(session, actor="hub", action="ephyto.delivered_to_hub", entity_type="ephyto", entity_id=entity,
                     data={"delivery": answer.hubDeliveryNumber, "status_code": d.status_code, "to": d.to_economy})
        return "sent"


def track(factory: sessionmaker[Session], client: HubClient) -> int:
    """Refresh the tracking of deliveries still pending at the hub; how many changed. As in `_send_one`,
    the hub is asked with no transaction open."""
    with factory() as session:
        rows = list(session.execute(select(Delivery.id, Delivery.hub_delivery_number)
                                    .where(Delivery.state == "sent", Delivery.hub_tracking == "PendingDelivery")
                                    .order_by(Delivery.id)))
    changed = 0
    for delivery_id, number in rows:
        answer = client.tracking(number)
        info = answer if isinstance(answer, str) else answer.HUBTrackingInfo
        with transaction(factory) as session:
            d = session.get(Delivery, delivery_id)
            if d is None or d.hub_delivery_number != number or info == d.hub_tracking:
                continue
            d.hub_tracking, d.updated_at, changed = info, utcnow(), changed + 1
            if not isinstance(answer, str) and answer.hubDeliveryErrorMessage:
                d.last_error = answer.hubDeliveryErrorMessage[:2000]
    return changed
