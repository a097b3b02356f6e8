"""Helpers for the container tests: affix seals and lodge declarations in the test database, simulate
journeys that are happening now."""

from __future__ import annotations

import copy
import random
import time

import pytest

from clearway.containers import journeys
from clearway.db import transaction
from tests.conftest import example

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


@pytest.fixture
def officer(keys):
    return keys.principal("officer", ECONOMY)


@pytest.fixture
def declarant(keys):
    return keys.principal("declarant", ECONOMY, DECLARANT)


def lodge(factory, principal, container: str, lrn: str):
    from clearway.declarations import service
    from clearway.declarations.schemas import DeclarationIn

    doc = copy.deepcopy(example("declaration-au-oranges.json"))
    doc["lrn"] = lrn
    doc["transport"]["containers"] = [container]
    with transaction(factory) as session:
        row, _ = service.lodge(session, principal=principal, decl=DeclarationIn.model_validate(doc))
        return row.id, row.mrn


def affix(factory, principal, sim):
    from clearway.containers import service
    from clearway.containers.schemas import SealIn

    with transaction(factory) as session:
        return service.affix(session, principal=principal, seal=SealIn.model_validate(journeys.seal_request(sim))).id
