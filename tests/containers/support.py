"""Helpers for the container tests: affix seals and lodge declarations in the test database, simulate
journeys that are happening now, reach the MQTT broker."""

from __future__ import annotations

import copy
import random
import socket
import time

from clearway.containers import service as containers, signing, synthetic
from clearway.containers.schemas import SealIn
from clearway.db import transaction
from clearway.declarations import service as declarations
from clearway.declarations.schemas import DeclarationIn
from tests.support import example

ECONOMY = "AU"
DECLARANT = "AU-ABN-11222333444"
BROKER = ("127.0.0.1", 1883)  # the local Mosquitto (.ci/run starts it)


def broker_up() -> bool:
    try:
        socket.create_connection(BROKER, timeout=1).close()
        return True
    except OSError:
        return False


def wait_for(pred, timeout=60.0) -> bool:
    """Poll `pred` until it holds (True) or `timeout` seconds pass (False)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(0.1)
    return False


def now_journey(seed: int, *, kind=None, faults=(), route=("AUMEL", "AUSYD"), container=None, prefix="T"):
    """A simulated journey that departed a few hours ago (so that receipt times are in the past)."""
    rng = random.Random(seed)
    probe = synthetic.make(random.Random(seed), kind=kind, route=route, container=container, seal_prefix=prefix)
    span = probe.reports[-1].device_time - probe.journey.departure if probe.reports else 0
    start = time.time() - span - 3600
    return synthetic.make(rng, kind=kind, faults=list(faults), start=start, route=route, container=container,
                         seal_prefix=prefix)


def lodge(factory, principal, container: str, lrn: str):
    doc = copy.deepcopy(example("declaration-au-oranges.json"))
    doc["lrn"] = lrn
    doc["transport"]["containers"] = [container]
    with transaction(factory) as session:
        row, _ = declarations.lodge(session, principal=principal, decl=DeclarationIn.model_validate(doc))
        return row.id, row.mrn


def affix(factory, principal, sim):
    with transaction(factory) as session:
        return containers.affix(session, principal=principal, seal=SealIn.model_validate(synthetic.seal_request(sim))).id


def seal_body(**kw) -> dict:
    """The JSON body of affixing seal ACME-0001 (Melbourne to Sydney, 2026-11-28) with its device key, with
    `kw` applied."""
    body = {"manufacturer": "ACME", "serial": "0001", "container": "MSCU1234566", "loading_office": "AUMEL",
            "destination_office": "AUSYD", "departure": "2026-11-28T00:00:00Z",
            "arrival_from": "2026-11-28T12:00:00Z", "arrival_to": "2026-11-28T20:00:00Z",
            "device_key": signing.simulated_key("ACME-0001").hex()}
    body.update(kw)
    return body
