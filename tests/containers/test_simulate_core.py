"""The simulator core (containers.simulate) in process: the same seed gives the same fleet, every event
is stored locally, the alerts raised match the truth, and a refusal is reported, not half-sent. The
command line over HTTP and MQTT is tested in test_simulate_score.py."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from clearway.containers import simulate
from clearway.containers.models import SealAlert
from clearway.containers.score import score
from clearway.flows.seals import ingest
from tests.containers.support import ECONOMY


def _fleet(seed=7, journeys_=16):
    # departures three days back (as the command does), so that every receipt time lies in the past
    return simulate.prepare(journeys_=journeys_, tamper_rate=0.5, fault_rate=0.3, seed=seed, economy=ECONOMY,
                            start=time.time() - 3 * 24 * 3600)


def test_the_same_seed_gives_the_same_fleet():
    a, b = _fleet(), _fleet()
    assert [j["seal_id"] for j in a.truth["journeys"]] == [j["seal_id"] for j in b.truth["journeys"]]
    assert [(e["seal_id"], e["seq"]) for e in a.events] == [(e["seal_id"], e["seq"]) for e in b.events]
    assert a.truth["events"] == len(a.events) and len(a.truth["journeys"]) == 16
    assert sum(j["kind"] is not None for j in a.truth["journeys"]) == 8  # tamper rate 0.5 of 16
    assert _fleet(seed=8).truth["journeys"][0]["seal_id"] != a.truth["journeys"][0]["seal_id"]


def test_run_locally_stores_every_event_and_raises_the_true_alerts(db):
    fleet = _fleet()
    done = simulate.run(fleet, sessions=lambda: db.factory, ingest=ingest, economy=ECONOMY)
    # devices with faults resend some reports; a swapped-in seal nobody affixed is refused (no key to verify it)
    affixed = {s.journey.seal_id for s in fleet.sims}
    distinct = {(e["seal_id"], e["seq"]) for e in fleet.events if e["seal_id"] in affixed}
    assert (done.journeys, done.events, done.stored) == (16, len(fleet.events), len(distinct))
    assert done.stored <= done.events
    seals = {j["seal_id"] for j in fleet.truth["journeys"]}
    with db.factory() as session:
        raised = [(a, r) for a, r in session.execute(select(SealAlert.seal_id, SealAlert.rule))
                  if a in seals]
    assert done.alerts == len(raised) > 0
    result = score(fleet.truth["journeys"], raised)
    assert result["precision"] >= 0.95 and result["recall"] >= 0.95, result["mismatches"]


def test_a_refused_key_is_reported_before_any_event_is_sent(db, server):
    fleet = _fleet(journeys_=2)
    with pytest.raises(simulate.Refused, match=r"^affixing .* was refused: HTTP 401"):
        simulate.run(fleet, sessions=lambda: db.factory, ingest=ingest, url=server.url, key="cw_not-a-key", economy=ECONOMY)
    with db.factory() as session:
        assert session.scalars(select(SealAlert)).first() is None
