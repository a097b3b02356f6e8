"""Which reports count for a journey, and whether they are the device's word (issue 15, the findings of the
independent acceptance test): device reuse within 12 hours, a counter restarting at 0, a conflicting repeat,
old reports replayed, unsigned and forged reports, reports with no proof of origin. Each runs over HTTP and
over MQTT (the real Mosquitto at 127.0.0.1:1883), on SQLite and PostgreSQL."""

from __future__ import annotations

import random
import threading
import time
import uuid

import paho.mqtt.client as paho
import pytest
from sqlalchemy import select

from clearway.containers import service as containers
from clearway.containers import signing, synthetic
from clearway.containers.models import SealAlert, SealEvent, SealEventRefusal
from clearway.containers.mqtt import Listener, Publisher
from clearway.containers.schemas import RemoveIn, SealIn
from clearway.db import transaction
from clearway.flows import seals
from tests.containers.support import BROKER, ECONOMY, broker_up, wait_for

HOUR = 3600.0


class Http:
    def __init__(self, client):
        self.client = client

    def send(self, events):
        r = self.client.post("/api/v1/seal-events", json=events)
        assert r.status_code == 200, r.text[:300]
        return r.json()


class Mqtt:
    """One report a message (the single-event path), then wait until the listener has taken them all."""

    def __init__(self, listener, prefix):
        self.listener, self.prefix = listener, prefix

    def send(self, events):
        before = self.listener.stats.outcome.received
        pub = Publisher(host=BROKER[0], port=BROKER[1], prefix=self.prefix)
        for e in events:
            pub.send(e["seal_id"], e)
        pub.close()
        assert wait_for(lambda: self.listener.stats.outcome.received >= before + len(events), 180)


@pytest.fixture(params=["http", "mqtt"])
def transport(request, db):
    if request.param == "http":
        request.getfixturevalue("server")
        keys = request.getfixturevalue("keys")
        with keys.client(keys.create("officer", ECONOMY)) as c:
            yield Http(c)
        return
    if not broker_up():
        pytest.skip(f"no MQTT broker on {BROKER[0]}:{BROKER[1]}")
    prefix, cid = f"test-{uuid.uuid4().hex[:10]}/clearway", f"clearway-test-{uuid.uuid4().hex[:10]}"
    listener = Listener(db.factory, ingest=seals.ingest, economy=ECONOMY, host=BROKER[0], port=BROKER[1],
                        prefix=prefix, client_id=cid, batch_wait=0.02)
    thread = threading.Thread(target=listener.run, kwargs={"idle_exit": 120}, daemon=True)
    thread.start()
    assert listener.connected.wait(10)
    yield Mqtt(listener, prefix)
    listener.stop()
    thread.join(10)
    c = paho.Client(paho.CallbackAPIVersion.VERSION2, client_id=cid, protocol=paho.MQTTv5)
    c.connect(*BROKER, clean_start=True)
    c.disconnect()


def _journey(seed, start, route, seal_id=None, seq_from=0, container=None):
    """An honest simulated journey departing at `start`; with `seal_id`, carried by that device (its key),
    its counter starting at `seq_from` (the simulator's devices start at a counter left by earlier use)."""
    sim = synthetic.make(random.Random(seed), start=start, route=route, seal_prefix="ACC", container=container)
    sid = seal_id or sim.journey.seal_id
    key = signing.simulated_key(sid)
    unsigned = synthetic.events_of(sim, sign=None)
    first = min(e["seq"] for e in unsigned)
    events = [signing.sign_event({**e, "seal_id": sid, "seq": e["seq"] - first + seq_from}, key) for e in unsigned]
    request = {**synthetic.seal_request(sim), "device_key": key.hex()}
    request["manufacturer"], request["serial"] = sid.split("-", 1)
    return sim, events, request


def _affix(db, officer, request):
    with transaction(db.factory) as session:
        return containers.affix(session, principal=officer, seal=SealIn.model_validate(request)).id


def _remove(db, officer, pk, at):
    from datetime import UTC, datetime

    with transaction(db.factory) as session:
        containers.remove(session, principal=officer, seal=pk, removal=RemoveIn(
            reason="arrived, opened by the consignee", removed_at=datetime.fromtimestamp(at, UTC)))


def _alerts(db, pk=None):
    with db.factory() as s:
        stmt = select(SealAlert).order_by(SealAlert.id)
        if pk is not None:
            stmt = stmt.where(SealAlert.seal_pk == pk)
        return [(a.rule, a.severity) for a in s.scalars(stmt)]


def _refused(db):
    with db.factory() as s:
        return [(r.seal_pk, r.kind) for r in s.scalars(select(SealEventRefusal).order_by(SealEventRefusal.id))]


def _stored(db, pk):
    with db.factory() as s:
        return sorted(s.scalars(select(SealEvent.seq).where(SealEvent.seal_pk == pk)))


def _two_journeys(db, officer, transport, *, seq_from):
    """One device on two journeys, the second departing 2 hours after the first was removed."""
    now = time.time()
    first, ev1, req1 = _journey(1501, now - 60 * HOUR, ("AUMEL", "AUSYD"))
    pk1 = _affix(db, officer, req1)
    transport.send(ev1)
    end1 = first.reports[-1].device_time + 600
    _remove(db, officer, pk1, end1)
    second, ev2, req2 = _journey(1502, end1 + 2 * HOUR, ("AUSYD", "AUMEL"), seal_id=first.journey.seal_id,
                                 seq_from=seq_from)
    assert second.reports[-1].received_at < now
    pk2 = _affix(db, officer, req2)
    transport.send(ev2)
    return pk1, pk2, ev1, ev2


def test_a_device_reused_within_12_hours_starts_its_new_journey_cleanly(db, officer, transport):
    pk1, pk2, ev1, ev2 = _two_journeys(db, officer, transport, seq_from=10_000)
    assert _alerts(db) == []  # no "opened outside every authorised place" from the first journey's last reports
    assert _stored(db, pk1) == sorted(e["seq"] for e in ev1)
    assert _stored(db, pk2) == sorted(e["seq"] for e in ev2)
    assert _refused(db) == []


def test_a_device_whose_counter_restarts_at_0_has_its_new_journey_stored_not_dropped(db, officer, transport):
    pk1, pk2, ev1, ev2 = _two_journeys(db, officer, transport, seq_from=0)
    assert {e["seq"] for e in ev1} & {e["seq"] for e in ev2}  # the same sequence numbers again
    assert _stored(db, pk2) == sorted(e["seq"] for e in ev2)
    assert _alerts(db) == [] and _refused(db) == []


def test_a_report_replayed_from_the_previous_journey_is_refused_and_alerted(db, officer, transport):
    pk1, pk2, ev1, ev2 = _two_journeys(db, officer, transport, seq_from=0)
    old = ev1[len(ev2) + 2] if len(ev1) > len(ev2) + 2 else ev1[-1]  # validly signed, once, by this device
    transport.send([{**old, "received_at": ev2[-1]["received_at"]}])
    assert _refused(db) == [(pk2, "replayed")]
    assert _alerts(db, pk2) == [("authenticity", "high")]


def _one_journey(db, officer, seed=1510):
    sim, events, request = _journey(seed, time.time() - 30 * HOUR, ("AUMEL", "AUSYD"))
    return sim, events, _affix(db, officer, request)


def test_the_same_sequence_number_with_other_content_raises_an_alert_never_silence(db, officer, transport):
    sim, events, pk = _one_journey(db, officer)
    transport.send(events)
    assert _alerts(db) == []
    k = len(events) // 2
    key = signing.simulated_key(sim.journey.seal_id)
    moved = signing.sign_event({**{f: v for f, v in events[k].items() if f != "sig"}, "lat": events[k]["lat"] + 0.5,
                                "status": "opened"}, key)
    transport.send([moved, events[k]])  # the conflicting one, and a plain repeat (harmless)
    assert _refused(db) == [(pk, "conflict")]
    assert _alerts(db, pk) == [("conflict", "critical")]
    with db.factory() as s:
        stored = s.scalars(select(SealEvent).where(SealEvent.seal_pk == pk, SealEvent.seq == events[k]["seq"])).one()
        reason = s.scalars(select(SealAlert.reason)).one()
    assert stored.status == "sealed"  # the first word stands; the second is on the alert
    assert f"seq: {events[k]['seq']} of seal {sim.journey.seal_id}" in reason and "now opened" in reason


def test_old_reports_replayed_with_fresh_sequence_numbers_are_refused_and_the_real_ones_still_stored(
        db, officer, transport):
    sim, events, pk = _one_journey(db, officer, seed=1520)
    half = len(events) // 2
    transport.send(events[:half])
    # the attacker replays the first reports under the numbers the device has not used yet
    replayed = [{**events[i], "seq": events[half + i]["seq"]} for i in range(5)]
    transport.send(replayed)
    assert _refused(db) == [(pk, "forged")] * 5
    transport.send(events[half:])
    assert _stored(db, pk) == sorted(e["seq"] for e in events)  # the real reports are not taken for repeats
    assert _alerts(db, pk) == [("authenticity", "high")]


def test_unsigned_and_forged_reports_are_refused_counted_per_seal_and_alerted(db, officer, transport, keys,
                                                                             server):
    sim, events, pk = _one_journey(db, officer, seed=1530)
    transport.send(events[:10])
    unsigned = [{k: v for k, v in e.items() if k != "sig"} for e in events[10:12]]
    wrong_key = [signing.sign_event({k: v for k, v in e.items() if k != "sig"}, bytes(32)) for e in events[12:15]]
    tampered = [{**events[15], "status": "sealed", "lat": events[15]["lat"] + 1.0}]  # the device's sig, other fix
    transport.send(unsigned)  # two batches at least, whatever the transport
    transport.send(wrong_key + tampered)
    assert sorted(_refused(db)) == sorted([(pk, "unsigned")] * 2 + [(pk, "forged")] * 4)
    assert _stored(db, pk) == list(range(10))
    assert _alerts(db, pk) == [("authenticity", "high")]
    with keys.client(keys.create("officer", ECONOMY)) as c:  # what the officer sees
        seal = c.get(f"/api/v1/seals/{pk}").json()
        counts = c.get("/api/v1/seal-events/refusals").json()
        alert = c.get("/api/v1/alerts", params={"seal": pk}).json()["items"][0]
    assert seal["refused_events"] == {"unsigned": 2, "forged": 4}
    assert counts["by_seal"] == {sim.journey.seal_id: 6}
    assert counts["by_kind"] == {"unsigned": 2, "forged": 4}
    assert alert["reason"].startswith(f"seal {sim.journey.seal_id}: reports failing verification were refused (")
    # however the listener cuts the reports into batches (MQTT: one report a message), the alert counts the
    # whole journey and names its first refused report, the unsigned one
    assert "(2 unsigned, 4 forged); first: sig: is required" in alert["reason"], alert["reason"]


def test_reports_without_proof_of_origin_are_refused_whoever_sends_them(db, officer, transport):
    sim, events, pk = _one_journey(db, officer, seed=1540)
    # a gateway key is not a device: reports of a seal customs never affixed, and reports outside the journey
    stranger = [signing.sign_event({**{k: v for k, v in e.items() if k != "sig"}, "seal_id": "EVIL-1",
                                    "container": None}, signing.simulated_key("EVIL-1")) for e in events[:3]]
    before = {**events[0], "received_at": synthetic._iso(sim.journey.departure - 2 * HOUR)}
    transport.send(stranger + [before])
    assert _refused(db) == [(None, "unknown_seal")] * 3 + [(None, "no_journey")]
    assert _stored(db, pk) == []
    assert _alerts(db) == []
