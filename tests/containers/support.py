"""Helpers for the container tests: affix seals and lodge declarations in the test database, simulate
journeys that are happening now."""

from __future__ import annotations

import copy
import random
import time

from clearway.containers import journeys, service as containers
from clearway.containers.schemas import SealIn
from clearway.db import transaction
from clearway.declarations import service as declarations
from clearway.declarations.schemas import DeclarationIn
from tests.support import example

ECONOMY = "AU"
DECLARANT = "AU-ABN-11222333444"


def now_journey(seed: int, *, kind=None, faults=(), route=("AUMEL", "AUSYD"), container=None, prefix="T"):
    """A simulated journey that departed a few hours ago (so that receipt times are in the past)."""
    rng = random.Random(seed)
    probe = journeys.make(random.Random(seed), kind=kind, route=route, container=container, seal_prefix=prefix)
    span = probe.reports[-1].device_time - probe.journey.departure if probe.reports else 0
    start = time.time() - span - 3600
    return journeys.make(rng, kind=kind, faults=list(faults), start=start, route=route, container=container,
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
        return containers.affix(session, principal=principal, seal=SealIn.model_validate(journeys.seal_request(sim))).id
