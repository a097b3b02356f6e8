"""Seal events through the real Mosquitto broker (127.0.0.1:1883): stored once, malformed ones refused
and counted, and nothing lost or stored twice when the listener is killed and started again."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import paho.mqtt.client as paho
import pytest
from sqlalchemy import func, select

from clearway.containers import synthetic
from clearway.containers.models import SealAlert, SealEvent, SealEventRefusal
from clearway.containers.mqtt import Listener, Publisher, topic_for
from clearway.flows import seals
from tests.containers.support import BROKER, ECONOMY, affix, broker_up, now_journey, wait_for

SRC = Path(__file__).resolve().parents[2] / "src"


pytestmark = pytest.mark.skipif(not broker_up(), reason=f"no MQTT broker on {BROKER[0]}:{BROKER[1]}")


@pytest.fixture
def prefix():
    return f"test-{uuid.uuid4().hex[:10]}/clearway"


@pytest.fixture
def client_id():
    cid = f"clearway-test-{uuid.uuid4().hex[:10]}"
    yield cid
    # forget the persistent session on the broker
    c = paho.Client(paho.CallbackAPIVersion.VERSION2, client_id=cid, protocol=paho.MQTTv5)
    c.connect(*BROKER, clean_start=True)
    c.loop_start()
    time.sleep(0.2)
    c.disconnect()
    c.loop_stop()


def _count(db, model=SealEvent):
    with db.factory() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_events_and_bad_messages_through_the_broker(db, officer, prefix, client_id):
    tampered = now_journey(20, kind="wire_cut", prefix="M1")
    honest = now_journey(21, prefix="M2")
    for sim in (tampered, honest):
        affix(db.factory, officer, sim)
    listener = Listener(db.factory, ingest=seals.ingest, economy=ECONOMY, host=BROKER[0], port=BROKER[1],
                        prefix=prefix, client_id=client_id, batch_wait=0.02)
    thread = threading.Thread(target=listener.run, kwargs={"idle_exit": 30}, daemon=True)
    thread.start()
    assert listener.connected.wait(10)
    pub = Publisher(host=BROKER[0], port=BROKER[1], prefix=prefix)
    ev_t = synthetic.events_of(tampered)
    for e in ev_t:  # one event a message, each sent twice
        pub.send(e["seal_id"], e)
        pub.send(e["seal_id"], e)
    ev_h = synthetic.events_of(honest)
    pub.send(honest.journey.seal_id, [{k: v for k, v in e.items() if k != "seal_id"} for e in ev_h])  # a batch
    pub.send_raw(topic_for(prefix, "ACME-1"), b"{not json")
    pub.send(honest.journey.seal_id, {**ev_h[0], "seal_id": "ACME-2"})
    pub.send(honest.journey.seal_id, {**ev_h[0], "seq": -1})
    pub.close()
    expected = len(ev_t) + len(ev_h)
    assert wait_for(lambda: _count(db) >= expected and _count(db, SealEventRefusal) >= 3), \
        (_count(db), expected, _count(db, SealEventRefusal))
    listener.stop()
    thread.join(10)
    assert _count(db) == expected
    with db.factory() as s:
        reasons = sorted(s.scalars(select(SealEventRefusal.reason)))
        alerts = list(s.scalars(select(SealAlert)))
        sources = set(s.scalars(select(SealEvent.source)))
    assert len(reasons) == 3
    assert reasons[0].startswith("seal_id: ACME-2 differs from the topic's seal")
    assert reasons[1].startswith("seq: must be 0 or more")
    assert reasons[2].startswith("the message is not JSON")
    assert [(a.seal_id, a.rule) for a in alerts] == [(tampered.journey.seal_id, "tamper_status")]
    assert sources == {"mqtt"}
    assert listener.stats.outcome.duplicates >= len(ev_t)


def _listen(db, prefix, client_id, spool, *extra):
    env = {**os.environ, "PYTHONPATH": str(SRC), "CLEARWAY_DATABASE_URL": db.url}
    return subprocess.Popen([sys.executable, "-m", "clearway", "seals", "listen", "--mqtt", "127.0.0.1:1883",
                             "--prefix", prefix, "--client-id", client_id, "--batch-size", "50", "--spool", str(spool),
                             "--economy", ECONOMY, *extra],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_a_killed_listener_loses_nothing_and_stores_nothing_twice(db, officer, prefix, client_id, tmp_path):
    spool = tmp_path / "spool.db"
    sims = [now_journey(30 + i, prefix=f"R{i}") for i in range(6)]
    for sim in sims:
        affix(db.factory, officer, sim)
    events = [e for sim in sims for e in synthetic.events_of(sim)]
    half = len(events) // 2
    proc = _listen(db, prefix, client_id, spool)
    try:
        # the persistent session exists once it has subscribed: only then may devices publish
        assert wait_for(lambda: "subscribed to" in (proc.stderr.readline() or ""), 30)
        pub = Publisher(host=BROKER[0], port=BROKER[1], prefix=prefix)
        for e in events[:half]:
            pub.send(e["seal_id"], e)
        pub.flush()
        # kill it while it is still storing
        assert wait_for(lambda: _count(db) > 0, 30)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        stored_at_kill = _count(db)
        # the second half arrives while nobody listens: the broker keeps it for the persistent session
        for e in events[half:]:
            pub.send(e["seal_id"], e)
        pub.close()
    finally:
        if proc.poll() is None:
            proc.kill()
    proc = _listen(db, prefix, client_id, spool, "--idle-exit", "3")
    try:
        assert wait_for(lambda: _count(db) == len(events), 90), (_count(db), len(events))
        proc.wait(60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert stored_at_kill < len(events)
    from clearway.containers.spool import Spool

    assert len(Spool(spool)) == 0  # everything spooled was stored
    with db.factory() as s:
        keys = list(s.execute(select(SealEvent.seal_id, SealEvent.seq)))
    assert len(keys) == len(set(keys)) == len(events)
    assert set(keys) == {(e["seal_id"], e["seq"]) for e in events}
    with db.factory() as s:
        assert list(s.scalars(select(SealAlert))) == []  # honest journeys, however they were delivered


def test_what_was_spooled_before_a_crash_is_stored_on_the_next_start(db, officer, prefix, client_id, tmp_path):
    from clearway.containers.spool import Spool

    sim = now_journey(50, prefix="S1")
    affix(db.factory, officer, sim)
    events = synthetic.events_of(sim)
    spool = Spool(tmp_path / "spool.db")  # acknowledged to the broker, then the process died
    spool.put([(topic_for(prefix, e["seal_id"]), __import__("orjson").dumps(e)) for e in events])
    spool.close()
    listener = Listener(db.factory, ingest=seals.ingest, economy=ECONOMY, host=BROKER[0], port=BROKER[1],
                        prefix=prefix, client_id=client_id, spool=tmp_path / "spool.db")
    stats = listener.run(idle_exit=1.0)
    assert stats.outcome.stored == len(events) == _count(db)
    assert len(Spool(tmp_path / "spool.db")) == 0


def test_two_listeners_sharing_the_subscription_store_everything_once(db, officer, prefix, tmp_path):
    sims = [now_journey(60 + i, kind=kind, prefix=f"W{i}") for i, kind in
            enumerate(["wire_cut", "detour", None, "seal_swap", None, "clock_reset"])]
    for sim in sims:
        affix(db.factory, officer, sim)
    group = f"g{uuid.uuid4().hex[:6]}"
    ids = [f"clearway-test-{uuid.uuid4().hex[:10]}" for _ in range(2)]
    listeners = [Listener(db.factory, ingest=seals.ingest, economy=ECONOMY, host=BROKER[0], port=BROKER[1],
                          prefix=prefix, client_id=cid, spool=tmp_path / f"{cid}.db", share=group, batch_wait=0.01) for cid in ids]
    threads = [threading.Thread(target=lst.run, kwargs={"idle_exit": 30}, daemon=True) for lst in listeners]
    for t in threads:
        t.start()
    for lst in listeners:
        assert lst.connected.wait(10)
    events = [e for sim in sims for e in synthetic.events_of(sim)]
    pub = Publisher(host=BROKER[0], port=BROKER[1], prefix=prefix)
    for e in events:
        pub.send(e["seal_id"], e)
    pub.close()
    # a swapped-in seal that nobody affixed has no key: its reports are refused, the journey alerted
    unique = {(e["seal_id"], e["seq"]) for sim in sims for e in synthetic.events_of(sim)
              if e["seal_id"] == sim.journey.seal_id}
    assert wait_for(lambda: _count(db) >= len(unique), 90), (_count(db), len(unique))
    for lst in listeners:
        lst.stop()
    for t in threads:
        t.join(10)
    assert all(lst.stats.messages > 0 for lst in listeners)  # both took a share
    assert sum(lst.stats.messages for lst in listeners) == len(events)
    with db.factory() as s:
        raised = sorted((a.seal_id, a.rule) for a in s.scalars(select(SealAlert)))
    expected = sorted((sim.journey.seal_id, rule) for sim in sims for rule in sim.rules)
    assert raised == expected
    for cid in ids:  # forget the sessions
        c = paho.Client(paho.CallbackAPIVersion.VERSION2, client_id=cid, protocol=paho.MQTTv5)
        c.connect(*BROKER, clean_start=True)
        c.disconnect()


def test_a_listener_serves_one_economy_and_refuses_events_of_another_economys_journeys(db, officer, prefix,
                                                                                       client_id):
    tampered = now_journey(22, kind="wire_cut", prefix="E1")  # an AU journey
    affix(db.factory, officer, tampered)
    events = synthetic.events_of(tampered)
    listener = Listener(db.factory, ingest=seals.ingest, economy="NZ", host=BROKER[0], port=BROKER[1], prefix=prefix,
                        client_id=client_id, batch_wait=0.02)
    thread = threading.Thread(target=listener.run, kwargs={"idle_exit": 30}, daemon=True)
    thread.start()
    assert listener.connected.wait(10)
    pub = Publisher(host=BROKER[0], port=BROKER[1], prefix=prefix)
    pub.send(tampered.journey.seal_id, events)
    pub.close()
    assert wait_for(lambda: _count(db, SealEventRefusal) >= len(events)), _count(db, SealEventRefusal)
    listener.stop()
    thread.join(10)
    with db.factory() as s:
        refused = list(s.scalars(select(SealEventRefusal)))
        assert list(s.scalars(select(SealAlert))) == []
    assert _count(db) == 0
    assert {(r.economy, r.source) for r in refused} == {("NZ", "mqtt")}
    assert refused[0].reason == (f"seal_id: {tampered.journey.seal_id} travels on a journey of AU; its events "
                                 f"are accepted only from AU, not from NZ")
