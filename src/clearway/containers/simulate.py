"""Run a simulated fleet of sealed journeys (containers.synthetic makes them) through a Clearway: affix the
seals, then deliver the events over HTTP, over MQTT or straight into the local database, and say what
happened. `clearway seals simulate` only parses its options, calls `prepare` and `run`, and prints."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy.orm import Session, sessionmaker

from clearway.auth.core import Principal
from clearway.containers import service, synthetic
from clearway.containers.ingest import Ingest
from clearway.containers.mqtt import Publisher
from clearway.containers.schemas import SealIn
from clearway.db import transaction

BATCH = 2000  # events per HTTP request or local transaction
WAITS = 30  # times a request told to wait (429 or 503 with Retry-After) is sent again before giving up
WINDOW = 50  # devices do not deliver in perfect order: events are shuffled within windows this long


class Refused(Exception):
    """The other side refused the simulation (an HTTP refusal, an unreachable broker): one line, exit 1."""


@dataclass(frozen=True)
class Fleet:
    sims: list[Any]
    events: list[dict[str, Any]]
    truth: dict[str, Any]  # what `clearway seals score` compares the alerts raised with


@dataclass(frozen=True)
class Summary:
    journeys: int
    events: int
    seconds: float
    stored: int | None = None  # None when published to a broker: the listener stores them
    alerts: int | None = None


def prepare(*, journeys_: int, tamper_rate: float, fault_rate: float, seed: int, economy: str | None,
            start: float, reuse_rate: float = 0.0,
            sign: Callable[[dict[str, Any]], dict[str, Any]] | None = synthetic.device_sign) -> Fleet:
    """The journeys (seeded: the same seed gives the same fleet) and their events, as devices would deliver
    them (in the order of their receipt, shuffled a little). `start` is the departure of the first journey
    (epoch seconds). `sign` turns each event into the event the device sends (its signature added; by
    default with the simulated device key its seal registered at affixing; None sends them unsigned): the
    stream carries what it returns. The truth is kept apart from the stream."""
    rng = random.Random(seed)
    sims = synthetic.fleet(rng, journeys=journeys_, tamper_rate=tamper_rate, fault_rate=fault_rate, start=start,
                          seal_prefix=f"SIM{seed % 1000}", economy=economy, reuse_rate=reuse_rate)
    events = sorted((e for s in sims for e in synthetic.events_of(s, sign)), key=lambda e: e["received_at"])
    for i in range(0, len(events), WINDOW):
        window = events[i:i + WINDOW]
        rng.shuffle(window)
        events[i:i + WINDOW] = window
    truth = {"seed": seed, "journeys": [s.truth() for s in sims], "tamper_rate": tamper_rate,
             "fault_rate": fault_rate, "reuse_rate": reuse_rate, "events": len(events)}
    return Fleet(sims, events, truth)


def run(fleet: Fleet, *, sessions: Callable[[], sessionmaker[Session]], ingest: Ingest, url: str | None = None,
        key: str | None = None, principal: Principal | None = None, economy: str | None = None,
        broker: tuple[str, int] | None = None, prefix: str = "clearway", per_message: int = 1) -> Summary:
    """Affix the seals (over `url` with `key`, else locally as `principal` or a simulator officer of each
    journey's economy), then send the events to `broker`, else `url`, else the local database (through
    `ingest`: flows.seals.ingest)."""
    t0 = time.perf_counter()
    stored = alerts = None
    if url:
        stored, alerts = _over_http(fleet, url=url, key=key or "", send_events=broker is None)
    else:
        _affix_locally(sessions(), fleet.sims, principal, economy)
    if broker:
        _publish(fleet.events, broker=broker, prefix=prefix, per_message=per_message)
    elif not url:
        stored, alerts = _ingest_locally(sessions(), ingest, fleet.sims, fleet.events, economy)
    return Summary(len(fleet.sims), len(fleet.events), time.perf_counter() - t0, stored, alerts)


def _over_http(fleet: Fleet, *, url: str, key: str, send_events: bool) -> tuple[int | None, int | None]:
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=120) as client:
        for s in fleet.sims:
            r = _post(client, "/api/v1/seals", synthetic.seal_request(s))
            if r.status_code != 201:
                raise Refused(f"affixing {s.journey.seal_id} was refused: HTTP {r.status_code} {r.text[:300]}")
        if not send_events:
            return None, None
        stored = alerts = 0
        for i in range(0, len(fleet.events), BATCH):
            r = _post(client, "/api/v1/seal-events", {"events": fleet.events[i:i + BATCH]})
            if r.status_code != 200:
                raise Refused(f"the batch at {i} was refused: HTTP {r.status_code} {r.text[:300]}")
            stored += r.json()["stored"]
            alerts += len(r.json()["alerts"])
    return stored, alerts


def _post(client: httpx.Client, path: str, body: Any) -> httpx.Response:
    """POST, waiting as told when the server says too many requests (429: a fleet of hundreds of seals is
    affixed faster than a key's rate limit allows) or that it is briefly unavailable (503), both with
    Retry-After; neither stored anything, so sending again is safe."""
    for _ in range(WAITS):
        r = client.post(path, json=body)
        wait = r.headers.get("retry-after", "")
        if r.status_code not in (429, 503) or not wait.isdigit():
            return r
        time.sleep(min(int(wait), 60))
    return r


def _publish(events: list[dict[str, Any]], *, broker: tuple[str, int], prefix: str, per_message: int) -> None:
    """Each seal's events in messages of `per_message` (a single event unwrapped when 1)."""
    host, port = broker
    try:
        pub = Publisher(host=host, port=port, prefix=prefix)
    except OSError as exc:
        raise Refused(f"cannot reach the MQTT broker at {host}:{port}: {exc.strerror or exc}") from None
    by_seal: dict[str, list[dict[str, Any]]] = {}
    for e in events:
        by_seal.setdefault(e["seal_id"], []).append(e)
        if len(by_seal[e["seal_id"]]) >= per_message:
            batch = by_seal.pop(e["seal_id"])
            pub.send(e["seal_id"], batch if per_message > 1 else batch[0])
    for seal_id, batch in by_seal.items():
        pub.send(seal_id, batch if per_message > 1 else batch[0])
    pub.close()


def _affix_locally(factory: sessionmaker[Session], sims: list[Any], who: Principal | None,
                   economy: str | None) -> None:
    with transaction(factory) as session:
        for s in sims:
            principal = who or Principal(key_id=0, role="officer", economy=economy or synthetic.economy_of(s),
                                         party_id="simulator")
            service.affix(session, principal=principal, seal=SealIn.model_validate(synthetic.seal_request(s)))


def _ingest_locally(factory: sessionmaker[Session], ingest: Ingest, sims: list[Any], events: list[dict[str, Any]],
                    economy: str | None) -> tuple[int, int]:
    """Each journey's events are its sealing economy's, as its gateways would send them."""
    sealed_by = {s.journey.seal_id: economy or synthetic.economy_of(s) for s in sims}
    sealed_by.update({r.seal_id: sealed_by[s.journey.seal_id] for s in sims for r in s.foreign})
    stored = alerts = 0
    for i in range(0, len(events), BATCH):
        by_economy: dict[str, list[dict[str, Any]]] = {}
        for e in events[i:i + BATCH]:
            by_economy.setdefault(sealed_by[e["seal_id"]], []).append(e)
        for sender, batch in sorted(by_economy.items()):
            with transaction(factory) as session:
                outcome = ingest(session, events=batch, source="local", actor="simulator", economy=sender)
            stored += outcome.stored
            alerts += len(outcome.alerts)
    return stored, alerts
