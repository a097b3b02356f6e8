"""The node's round with the hub: send the outbox and follow its tracking (certificates.exchange), then
pull the inbox. Each pulled envelope is stored and the declarations citing its certificate are checked
again in one transaction (flows/ephyto.receive); the hub is acknowledged only after that commit.

An envelope stays pending at the hub until acknowledged, so a crash loses nothing: a repeat pull finds the
stored receipt and acknowledges it again."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from clearway.certificates import exchange
from clearway.certificates.hub_client import HubClient, HubUnavailable
from clearway.certificates.models import Receipt
from clearway.certificates.soap import Envelope
from clearway.db import transaction, utcnow
from clearway.flows import ephyto


def pull(factory: sessionmaker[Session], client: HubClient, *, economy: str,
         max_batches: int = 50) -> dict[str, int]:
    counts = {"accepted": 0, "warnings": 0, "refused": 0}
    for _ in range(max_batches):  # the hub answers in batches; pull until it has nothing left
        batch = client.pull()
        if not batch:
            break
        for env in batch:
            counts[_receive_one(factory, client, env, economy=economy)] += 1
    return counts


def _receive_one(factory: sessionmaker[Session], client: HubClient, env: Envelope, *, economy: str) -> str:
    with transaction(factory) as session:
        outcome = ephyto.receive(session, economy=economy, delivery_number=env.hubDeliveryNumber or "",
                                 sender=env.From, to=env.To, number=env.NPPOCertificateNumber,
                                 status_code=env.CertificateStatus, content=env.Content or "")
    # Acknowledged only once the receipt is committed: a crash in between means a repeat pull.
    if outcome.outcome == "refused":
        client.acknowledge_failed(env.hubDeliveryNumber, outcome.reason or "refused")
    elif outcome.outcome == "warnings":
        client.acknowledge_with_warnings(env.hubDeliveryNumber, outcome.reason or "")
    else:
        client.acknowledge(env.hubDeliveryNumber)
    with transaction(factory) as session:
        receipt = session.scalars(select(Receipt).where(Receipt.hub_delivery_number == env.hubDeliveryNumber)).one()
        receipt.acknowledged_at = utcnow()
    return outcome.outcome


def run_once(factory: sessionmaker[Session], client: HubClient, *, economy: str) -> dict:
    report: dict = {}
    try:
        report["sent"] = exchange.send_pending(factory, client)
        report["tracking_changed"] = exchange.track(factory, client)
        report["received"] = pull(factory, client, economy=economy)
    except HubUnavailable as exc:
        report["error"] = str(exc)
    return report
