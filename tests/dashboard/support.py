"""Seeding for dashboard tests: declarations lodged and cleared through the real flows, then given
milestones relative to now (the dashboard's window is the last six months)."""

from __future__ import annotations

from datetime import timedelta

from clearway.db import transaction, utcnow
from clearway.demo_trs import retime
from tests.timerelease.test_flow import lodge_two


def seed_recent(db, keys) -> dict:
    """Two AU declarations lodged 40 days ago: one released 5.5 h after lodgement (paid 3 h after its
    assessment), one still waiting. Returns their milestones."""
    done, waiting = lodge_two(db.factory, keys)
    t0 = (utcnow() - timedelta(days=40)).replace(minute=0, second=0, microsecond=0)
    at = {"arrival": t0 + timedelta(hours=1), "lodged": t0, "assessed": t0 + timedelta(hours=2),
          "lane_selected": t0 + timedelta(hours=2.5), "paid": t0 + timedelta(hours=5),
          "released": t0 + timedelta(hours=5.5)}
    with transaction(db.factory) as session:
        retime(session, declaration_id=done, at=at)
        retime(session, declaration_id=waiting, at={"arrival": t0, "lodged": t0 + timedelta(hours=1)})
    return {"t0": t0, "month": f"{t0:%Y-%m}", "done": done, "waiting": waiting}
