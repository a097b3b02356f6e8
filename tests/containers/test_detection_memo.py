"""The MQTT listener's memo of the journeys' reports (detection.Memo): after each batch it must hand the detector
exactly the rows a full read gives, so that the alerts cannot differ from a writer without it."""

from __future__ import annotations

import time
from dataclasses import astuple

import pytest
from sqlalchemy import select

from clearway.containers import detection, service, simulate, synthetic
from clearway.containers.models import Seal, SealAlert
from clearway.containers.schemas import RemoveIn
from clearway.db import transaction
from clearway.flows.seals import ingest
from tests.containers.support import ECONOMY, affix, now_journey


def _fleet(seed: int):
    # half attacked (seal swaps put a second seal's reports on a container), faults on most journeys
    return simulate.prepare(journeys_=24, tamper_rate=0.5, fault_rate=0.6, seed=seed, economy=ECONOMY,
                            start=time.time() - 3 * 24 * 3600)


def _store(db, fleet, memo, batch=300):
    simulate._affix_locally(db.factory, fleet.sims, None, ECONOMY)
    for i in range(0, len(fleet.events), batch):
        with transaction(db.factory) as session:
            ingest(session, events=fleet.events[i:i + batch], source="mqtt", actor="test", economy=ECONOMY,
                   memo=memo)
        yield


def _norm(found):
    """Each journey's own reports and the other seals' reports on its container, in a comparable order."""
    return {pk: (sorted(astuple(r) for r in own), sorted(astuple(r) for r in box)) for pk, (own, box) in found.items()}


def _alerts(db):
    with db.factory() as s:
        return sorted(s.execute(select(SealAlert.seal_id, SealAlert.rule, SealAlert.reason)).all())


def test_after_every_batch_the_memo_gives_the_rows_a_full_read_gives(db):
    fleet = _fleet(31)
    memo = detection.Memo()
    compared = 0
    for _ in _store(db, fleet, memo):
        with db.factory() as s:
            seals = list(s.scalars(select(Seal).order_by(Seal.id)))
            full = _norm(detection._reports(s, seals, ECONOMY))
            kept = _norm(detection._reports_since(s, seals, ECONOMY, memo))
        assert kept == full
        compared += sum(len(own) + len(box) for own, box in full.values())
    assert compared > 10_000 and len(memo.seen) == len(fleet.sims)
    assert {j["kind"] for j in fleet.truth["journeys"]} >= {"seal_swap", None}


def test_the_alerts_are_those_of_a_writer_without_memo(db):
    fleet = _fleet(32)
    for _ in _store(db, fleet, None, batch=97):
        pass
    without = _alerts(db)
    db.clean()
    for _ in _store(db, fleet, detection.Memo(), batch=97):
        pass
    assert _alerts(db) == without
    assert {rule for _, rule, _ in without} >= {"foreign_seal", "opened"}


def test_a_batch_that_does_not_commit_leaves_the_memo_cleared_by_its_writer(db):
    fleet = _fleet(33)
    memo = detection.Memo()
    simulate._affix_locally(db.factory, fleet.sims, None, ECONOMY)
    half = len(fleet.events) // 2
    with pytest.raises(RuntimeError):
        with transaction(db.factory) as session:
            ingest(session, events=fleet.events[:half], source="mqtt", actor="test", economy=ECONOMY, memo=memo)
            raise RuntimeError("the database went away before the commit")
    assert memo.seen  # it read the rows of the batch that was rolled back: the writer must clear it
    memo.clear()
    with transaction(db.factory) as session:
        ingest(session, events=fleet.events, source="mqtt", actor="test", economy=ECONOMY, memo=memo)
    with db.factory() as s:
        seals = list(s.scalars(select(Seal)))
        assert _norm(detection._reports_since(s, seals, ECONOMY, memo)) == _norm(detection._reports(s, seals, ECONOMY))


def test_another_seals_reports_on_the_container_are_read_in_full(db, officer):
    # a container sealed again after its first seal was cut: the first journey's reports, received within the
    # window, are other-seal evidence for the second; they are not in the memo (only a journey's own are)
    first = now_journey(41, container="MSCU1234566", prefix="A")
    pk_a = affix(db.factory, officer, first)
    events_a = [e for e in synthetic.events_of(first, synthetic.device_sign) if e["seal_id"] == first.journey.seal_id]
    with transaction(db.factory) as session:
        assert ingest(session, events=events_a, source="mqtt", actor="test", economy=ECONOMY).stored
        service.remove(session, principal=officer, seal=pk_a, removal=RemoveIn(reason="end of the first journey"))
    second = now_journey(42, container="MSCU1234566", prefix="B")
    affix(db.factory, officer, second)
    events_b = [e for e in synthetic.events_of(second, synthetic.device_sign) if e["seal_id"] == second.journey.seal_id]
    memo = detection.Memo()
    for part in (events_b[:20], events_b[20:]):
        with transaction(db.factory) as session:
            ingest(session, events=part, source="mqtt", actor="test", economy=ECONOMY, memo=memo)
        with db.factory() as s:
            seals = list(s.scalars(select(Seal).where(Seal.seal_id == second.journey.seal_id)))
            full = _norm(detection._reports(s, seals, ECONOMY))
            assert _norm(detection._reports_since(s, seals, ECONOMY, memo)) == full
        (own, box), = full.values()
        assert {r[0] for r in own} == {second.journey.seal_id} and {r[0] for r in box} == {first.journey.seal_id}
