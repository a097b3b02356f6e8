"""A seal's journey in time: the plain journey the detector works on, and the reports that belong to it
(its own economy's, from WINDOW before departure to WINDOW after removal). Ingest and the seal reads
both use it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from clearway.containers.models import Seal, SealEvent
from clearway.containers.journey import Journey, Place
from clearway.containers.routes import geojson_points
from clearway.reference.economies import office

# Reports received this long before a journey's departure (or after its removal) are not about it.
WINDOW = timedelta(hours=12)


def events_of(session: Session, *, seal: Seal, foreign: bool = True) -> list[SealEvent]:
    """The journey's timeline: its own reports (those received during it, containers/acceptance.py) and
    other seals' reports about its container sent by its own economy, by sequence number."""
    rows = list(session.scalars(select(SealEvent).where(SealEvent.seal_pk == seal.id)))
    if foreign:
        stmt = select(SealEvent).where(SealEvent.container == seal.container, SealEvent.seal_id != seal.seal_id,
                                       SealEvent.economy == seal.economy,
                                       SealEvent.received_ts >= (seal.departure - WINDOW).timestamp())
        if seal.removed_at is not None:
            stmt = stmt.where(SealEvent.received_ts <= (seal.removed_at + WINDOW).timestamp())
        rows += session.scalars(stmt)
    return sorted(rows, key=lambda e: (e.seal_id != seal.seal_id, e.seq))


def journey(seal: Seal | Any) -> Journey:
    """The plain journey the detector works on."""
    a, b = office(seal.loading_office), office(seal.destination_office)
    assert a is not None and b is not None
    return Journey(seal_id=seal.seal_id, container=seal.container, origin=(a.lat, a.lon), destination=(b.lat, b.lon),
                   departure=seal.departure.timestamp(), arrival_from=seal.arrival_from.timestamp(),
                   arrival_to=seal.arrival_to.timestamp(),
                   places=tuple(Place(p["name"], p["lat"], p["lon"], p["radius_km"], p.get("kind", "office"))
                                for p in seal.places),
                   ended_at=seal.removed_at.timestamp() if seal.removed_at else None,
                   route=geojson_points(seal.route) if seal.route else None,
                   route_source=seal.route_source or "straight", route_class=seal.route_class or "road",
                   moving_interval=seal.report_moving_s or 300.0, parked_interval=seal.report_parked_s or 3600.0)
