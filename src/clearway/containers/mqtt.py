"""Seal events over MQTT: the listener that stores them, and a publisher for simulators and gateways.

Devices publish JSON to `{prefix}/seals/{seal_id}/events` (QoS 1): one event object, or a list of events
(a gateway's batch). The listener keeps a persistent session (MQTT 5, clean start off, a session expiry), so
the broker queues what arrives while it is down. Each message is acknowledged only once it is written to a
local spool (SQLite, synchronous), and leaves the spool only after the database transaction that stores it
has committed. A crash before the acknowledgement means the broker sends the message again; a crash
after it leaves the message in the spool for the next start. Ingest is idempotent per (seal, sequence
number), so whatever is taken twice is dropped: nothing is lost and nothing is stored twice.

A listener serves one economy (the installation's): the broker cannot tell who published a message, so
every event it takes is the economy's gateways' word, and events about journeys of another economy are
refused like any malformed event, with the reason counted."""

from __future__ import annotations

import logging
import queue
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from sqlalchemy.orm import Session, sessionmaker

from clearway.containers.detection import Memo
from clearway.containers.ingest import Ingest, Outcome, refuse
from clearway.containers.thresholds import DetectorConfig, configured
from clearway.containers.spool import Spool
from clearway.db import transaction

log = logging.getLogger("clearway.seals.mqtt")
SESSION_EXPIRY = 7 * 24 * 3600  # the broker keeps our subscription and queue this long while we are away


def topic_for(prefix: str, seal_id: str) -> str:
    return f"{prefix}/seals/{seal_id}/events"


def seal_of(prefix: str, topic: str) -> str | None:
    head, tail = f"{prefix}/seals/", "/events"
    if topic.startswith(head) and topic.endswith(tail):
        middle = topic[len(head):-len(tail)]
        return middle if middle and "/" not in middle else None
    return None


@dataclass
class Stats:
    messages: int = 0
    outcome: Outcome = field(default_factory=Outcome)
    batches: int = 0
    first_at: float | None = None  # monotonic time of the first message taken, and of the last commit
    last_at: float | None = None
    busy: float = 0.0  # seconds spent storing (parse, transaction, acknowledgements)


class Listener:
    """Subscribe; spool each message durably, then acknowledge it; store from the spool in batches."""

    def __init__(self, factory: sessionmaker[Session], *, ingest: Ingest, economy: str, host: str = "127.0.0.1",
                 port: int = 1883, prefix: str = "clearway", client_id: str = "clearway-seals-listener",
                 batch_size: int = 5000, batch_wait: float = 0.05, cfg: DetectorConfig | None = None,
                 actor: str = "mqtt-listener", spool: str | Path | None = None, share: str | None = None) -> None:
        self.factory, self.host, self.port, self.prefix = factory, host, port, prefix
        self.ingest = ingest  # flows.seals.ingest: store, detect, hold (see containers.ingest.Ingest)
        self.memo = Memo()  # the journeys' reports read in earlier batches: each batch reads only what is new
        self.economy = economy
        self.batch_size, self.batch_wait = batch_size, batch_wait
        self.cfg = cfg or configured()
        self.actor = actor
        self.share = share
        self.stats = Stats()
        self.spool = Spool(spool or Path(tempfile.gettempdir()) / f"clearway-spool-{client_id}.db")
        self.inbox: queue.Queue[mqtt.MQTTMessage] = queue.Queue()
        self.connected = threading.Event()
        self.stopping = threading.Event()
        self.activity = time.monotonic()
        self._topic = topic_for(prefix, "+")
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5,
                                  manual_ack=True)
        self.client.on_connect = self._on_connect
        self.client.on_message = self._on_message
        self.client.on_subscribe = self._on_subscribe
        self.client.on_disconnect = self._on_disconnect

    def _on_connect(self, client: mqtt.Client, _u: Any, _f: Any, reason: Any, _p: Any) -> None:
        if reason.is_failure:
            log.error("MQTT connect refused: %s", reason)
            return
        topic = topic_for(self.prefix, "+")
        if self.share:  # a shared subscription: the broker spreads the messages over the group's listeners
            topic = f"$share/{self.share}/{topic}"
        self._topic = topic
        client.subscribe(topic, qos=1)

    def _on_subscribe(self, _c: Any, _u: Any, _mid: Any, reasons: Any, _p: Any) -> None:
        if any(r.is_failure for r in reasons):
            log.error("the broker refused the subscription to %s: %s", self._topic, reasons)
            return
        self.connected.set()  # from here on the session exists: nothing published to it is missed
        log.info("subscribed to %s on %s:%s", self._topic, self.host, self.port)

    def _on_disconnect(self, _c: Any, _u: Any, _f: Any, reason: Any, _p: Any) -> None:
        self.connected.clear()
        if not self.stopping.is_set():
            log.warning("MQTT disconnected (%s): reconnecting", reason)

    def _on_message(self, _c: Any, _u: Any, msg: mqtt.MQTTMessage) -> None:
        self.inbox.put(msg)

    def start(self) -> None:
        props = Properties(PacketTypes.CONNECT)
        props.SessionExpiryInterval = SESSION_EXPIRY
        props.ReceiveMaximum = 65535
        self.client.reconnect_delay_set(0.2, 5)
        self.client.connect(self.host, self.port, keepalive=30, clean_start=False, properties=props)
        self.client.loop_start()

    def stop(self) -> None:
        self.stopping.set()

    def _spooler(self) -> None:
        """Move messages from the network into the spool, and acknowledge them once they are on disk."""
        while not self.stopping.is_set():
            try:
                batch = [self.inbox.get(timeout=0.1)]
            except queue.Empty:
                continue
            while len(batch) < 20_000:
                try:
                    batch.append(self.inbox.get_nowait())
                except queue.Empty:
                    break
            self.spool.put([(m.topic, m.payload) for m in batch])
            for m in batch:
                if m.qos > 0:
                    self.client.ack(m.mid, m.qos)
            self.activity = time.monotonic()

    def run(self, *, idle_exit: float | None = None, max_events: int | None = None) -> Stats:
        """Store until stopped (or idle for `idle_exit` seconds, or `max_events` received). What a killed
        listener had spooled but not stored is stored first on the next start."""
        self.start()
        spooler = threading.Thread(target=self._spooler, name="seal-spooler", daemon=True)
        spooler.start()
        self.activity = time.monotonic()
        try:
            while not self.stopping.is_set():
                rows = self._collect()
                if rows:
                    self._store(rows)
                    self.spool.done(rows[-1][0])
                    self.activity = time.monotonic()
                else:
                    if idle_exit is not None and time.monotonic() - self.activity > idle_exit \
                            and self.inbox.empty():
                        break
                    time.sleep(self.batch_wait)
                if max_events is not None and self.stats.outcome.received >= max_events:
                    break
        finally:
            self.stopping.set()
            spooler.join(5)
            self.client.disconnect()
            self.client.loop_stop()
            self.spool.close()
        return self.stats

    def _collect(self) -> list[tuple[int, str, bytes]]:
        """The oldest spooled messages, up to about `batch_size` events (a gateway's message carries many)."""
        rows = self.spool.take(self.batch_size)
        size = 0
        for kept, (_id, _topic, payload) in enumerate(rows, 1):
            size += _count(payload)
            if size >= self.batch_size:
                return rows[:kept]
        return rows

    def _store(self, batch: list[tuple[int, str, bytes]]) -> None:
        t0 = time.monotonic()
        if self.stats.first_at is None:
            self.stats.first_at = t0
        events: list[Any] = []
        rejects: list[tuple[str, str, str | None]] = []
        for _id, topic, body in batch:
            seal = seal_of(self.prefix, topic)
            text = body[:500].decode("utf-8", "replace")
            if seal is None:
                rejects.append((f"topic {topic!r} is not {topic_for(self.prefix, '<seal_id>')}", text, None))
                continue
            try:
                payload = orjson.loads(body)
            except orjson.JSONDecodeError as exc:
                rejects.append((f"the message is not JSON: {exc}", text, seal))
                continue
            for item in payload if isinstance(payload, list) else [payload]:
                if isinstance(item, dict):
                    given = item.get("seal_id")
                    if given is None:
                        item = {**item, "seal_id": seal}
                    elif given != seal:
                        rejects.append((f"seal_id: {given} differs from the topic's seal {seal}",
                                        orjson.dumps(item).decode()[:500], seal))
                        continue
                events.append(item)
        while True:
            try:
                with transaction(self.factory) as session:
                    out = self.ingest(session, events=events, source="mqtt", actor=self.actor, cfg=self.cfg,
                                      economy=self.economy, memo=self.memo)
                    for reason, text, seal in rejects:
                        refuse(session, source="mqtt", economy=self.economy, reason=reason, payload=text,
                                      seal_id=seal)
                break
            except Exception:  # noqa: BLE001 - the database is away: the spool keeps them, try again
                self.memo.clear()  # what this batch read of its own rows was not committed
                if self.stopping.is_set():
                    raise
                log.exception("storing %d seal events failed; retrying", len(events))
                time.sleep(1.0)
        out.refused += len(rejects)
        self.stats.outcome.add(out)
        self.stats.messages += len(batch)
        self.stats.batches += 1
        self.stats.last_at = time.monotonic()
        self.stats.busy += self.stats.last_at - t0


def _count(payload: bytes) -> int:
    # a cheap estimate of the events in a message: a list carries many
    return max(1, payload.count(b'"seq"')) if payload[:1] == b"[" else 1


class Publisher:
    """Publish events with QoS 1 and wait until the broker has them all."""

    def __init__(self, *, host: str = "127.0.0.1", port: int = 1883, prefix: str = "clearway",
                 client_id: str = "") -> None:
        self.prefix = prefix
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5)
        self.client.max_inflight_messages_set(1000)
        self.client.max_queued_messages_set(0)
        self.client.connect(host, port, keepalive=30)
        self.client.loop_start()
        self.pending: list[mqtt.MQTTMessageInfo] = []

    def send(self, seal_id: str, payload: Any) -> None:
        info = self.client.publish(topic_for(self.prefix, seal_id), orjson.dumps(payload), qos=1)
        self.pending.append(info)
        if len(self.pending) >= 5000:
            self.flush()

    def send_raw(self, topic: str, payload: bytes) -> None:
        self.pending.append(self.client.publish(topic, payload, qos=1))

    def flush(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        for info in self.pending:
            info.wait_for_publish(max(0.1, deadline - time.monotonic()))
            if not info.is_published():
                raise TimeoutError("the MQTT broker did not acknowledge every event in time")
        self.pending = []

    def close(self) -> None:
        self.flush()
        self.client.disconnect()
        self.client.loop_stop()
