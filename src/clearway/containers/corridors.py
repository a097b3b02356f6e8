"""The route a journey is measured against, settled at affixing: the one given (a GeoJSON LineString), a named
route of the library, else a corridor learned from past honest journeys between the same offices, else none
(the straight line serves, and the corridor alert says so).

A past journey is honest when it was removed and none of its alerts was confirmed or is still open (alerts
closed as false alarms or device faults do not count against it)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from clearway.containers import routes
from clearway.containers.models import Seal, SealAlert, SealEvent

LEARN_FROM = 5  # the most recent honest journeys a corridor is learned from
MIN_FIXES = 8  # a track with fewer fixes says too little about the road


def learned(session: Session, *, economy: str, loading: str, destination: str
            ) -> tuple[tuple[float, float], ...] | None:
    """A corridor learned from the most recent honest journeys of `economy` between the two offices."""
    past = list(session.scalars(select(Seal).where(
        Seal.economy == economy, Seal.loading_office == loading, Seal.destination_office == destination,
        Seal.status == "removed").order_by(Seal.id.desc()).limit(LEARN_FROM * 4)))
    if not past:
        return None
    flagged = set(session.scalars(select(SealAlert.seal_pk).where(
        SealAlert.seal_pk.in_([s.id for s in past]),
        (SealAlert.status == "open") | (SealAlert.finding == "tampered"))))
    honest = [s for s in past if s.id not in flagged][:LEARN_FROM]
    tracks: dict[int, list[tuple[int, float, float]]] = defaultdict(list)
    for s in honest:
        assert s.removed_at is not None
        rows = session.execute(select(SealEvent.seq, SealEvent.lat, SealEvent.lon).where(
            SealEvent.seal_id == s.seal_id, SealEvent.economy == economy,
            SealEvent.device_ts >= s.departure.timestamp(), SealEvent.device_ts <= s.removed_at.timestamp()))
        tracks[s.id] = [(q, a, b) for q, a, b in rows if not (abs(a) < 1e-6 and abs(b) < 1e-6)]
    usable = [[(a, b) for _, a, b in sorted(t)] for t in tracks.values() if len(t) >= MIN_FIXES]
    if not usable:
        return None
    return routes.learn(usable)


def settle(session: Session, *, economy: str, loading: str, destination: str, route: dict[str, Any] | None,
           named: routes.Named | None) -> tuple[dict[str, Any] | None, str]:
    """(the route as GeoJSON or None, where it came from: given | library | learned | straight)."""
    if route is not None:
        return route, "given"
    if named is not None:
        return routes.geojson_line(named.points), "library"
    found = learned(session, economy=economy, loading=loading, destination=destination)
    if found is not None:
        return routes.geojson_line(found), "learned"
    return None, "straight"
