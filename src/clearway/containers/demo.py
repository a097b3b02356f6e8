"""Demo seal journeys: some of the containers of open declarations travel under seal to the declaration's
office, a share of them tampered with, so that the officer's alert list has real holds to show.

For the lead's `clearway demo load`: call `load(factory)` after the declarations are lodged."""

from __future__ import annotations

import random
import time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from clearway.auth.core import Principal
from clearway.containers import service, synthetic
from clearway.containers.ingest import Ingest
from clearway.containers.schemas import SealIn
from clearway.db import transaction
from clearway.declarations.core import FINAL
from clearway.declarations.models import Declaration, DeclarationContainer
from clearway.errors import Conflict


def _routes_to(office: str) -> list[tuple[str, str]]:
    return [(a, b) for a, b, _ in synthetic._pairs() if b == office]


def load(factory: sessionmaker[Session], *, ingest: Ingest, count: int = 30, tamper_rate: float = 0.3,
         seed: int = 2026) -> dict[str, Any]:
    """Affix seals and replay their journeys into the store through `ingest` (flows.seals.ingest, so that the
    tampered containers hold their declarations); running it again adds nothing."""
    rng = random.Random(seed)
    with factory() as session:
        boxes = list(session.execute(
            select(DeclarationContainer.container, Declaration.office, Declaration.economy)
            .join(Declaration, Declaration.id == DeclarationContainer.declaration_id)
            .where(Declaration.status.not_in(FINAL)).order_by(Declaration.id).limit(count * 3)))
    kinds = list(synthetic.KINDS)
    tampered = round(count * tamper_rate)
    made = skipped = alerts = 0
    used: set[str] = set()
    for i in range(count):
        container = office = economy = None
        while boxes:
            container, office, economy = boxes.pop(0)
            if container not in used and _routes_to(office):
                break
            container = None
        route = rng.choice(_routes_to(office)) if container else None
        kind = kinds[i % len(kinds)] if i < tampered else None
        probe = synthetic.make(random.Random(seed + i), kind=kind, route=route, container=container,
                             seal_prefix="DEMO")
        span = probe.reports[-1].device_time - probe.journey.departure
        sim = synthetic.make(random.Random(seed + i), kind=kind, start=time.time() - span - 3600, route=route,
                            container=container, seal_prefix="DEMO",
                            faults=[rng.choice(synthetic.FAULTS)] if rng.random() < 0.3 else [])
        used.add(sim.journey.container)
        who = Principal(key_id=0, role="officer", economy=economy or sim.destination_office[:2], party_id="demo")
        try:
            with transaction(factory) as session:
                service.affix(session, principal=who, seal=SealIn.model_validate(synthetic.seal_request(sim)))
                out = ingest(session, events=synthetic.events_of(sim), source="local", actor="demo",
                             economy=who.economy)
        except Conflict:  # affixed by an earlier run
            skipped += 1
            continue
        made += 1
        alerts += len(out.alerts)
    return {"journeys": made, "already_there": skipped, "alerts": alerts}
