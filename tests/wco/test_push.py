"""Automatic push of WCO response messages (RES) to a declarant's callback: a real HTTP receiver on 127.0.0.1
(allowed by CLEARWAY_WCO_CALLBACK_HOSTS) that fails the first N attempts; the clock is fixed by the test, so
the doubling waits are exact and nothing depends on how fast the machine is. Delivery is at least once, each
message carrying its id (Webhook-Id), in the order of its declaration's events."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Iterator

import httpx
import pytest
from sqlalchemy import select

from clearway import xmlsafe
from clearway.db import utcnow
from clearway.declarations.models import Declaration
from clearway.flows import wco as wco_flow
from clearway.flows.wco_pusher import Pusher
from clearway.wco import schema
from clearway.wco import service as wco
from clearway.wco.ns import RES
from clearway.wco.profile import uk_example
from tests.wco.support import XML, instance, move

NAME = "customs-declarations/TT_IM001d/TT_IM001d.xml"
PARTY = "GB603202734852"  # the Declarant/ID (EORI) of TT_IM001d
PROFILE = uk_example()
HOSTS = ("127.0.0.1",)


class Receiver:
    """A broker's endpoint: answers 503 to the first `failures` POSTs, then 204; keeps what it accepted."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.attempts = 0
        self.accepted: list[tuple[str, bytes]] = []  # (Webhook-Id, body)
        self.lock = threading.Lock()
        self.got = threading.Condition(self.lock)
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with receiver.lock:
                    receiver.attempts += 1
                    ok = receiver.attempts > receiver.failures
                    if ok:
                        receiver.accepted.append((self.headers["Webhook-Id"], body))
                        receiver.got.notify_all()
                self.send_response(204 if ok else 503)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/clearway/res"

    def codes(self) -> list[str]:
        return [xmlsafe.parse(body).getroot().findtext(f"{{{RES}}}Response/{{{RES}}}FunctionCode")
                for _, body in self.accepted]

    def wait_for(self, count: int, timeout: float = 120) -> bool:
        with self.got:
            return self.got.wait_for(lambda: len(self.accepted) >= count, timeout=timeout)


@pytest.fixture
def receiver(request: pytest.FixtureRequest) -> Iterator[Receiver]:
    r = Receiver(getattr(request, "param", 0))
    thread = threading.Thread(target=r.server.serve_forever, daemon=True)
    thread.start()
    yield r
    r.server.shutdown()
    thread.join(timeout=10)


@pytest.fixture
def broker(keys, monkeypatch):
    monkeypatch.setenv("CLEARWAY_WCO_CALLBACK_HOSTS", "127.0.0.1")
    return keys.client(keys.create("declarant", "AU", PARTY))


def _deliveries(db, mrn: str) -> list:
    with db.factory() as session:
        row = session.scalars(select(Declaration).where(Declaration.mrn == mrn)).one()
        return wco.deliveries_of(session, declaration_id=row.id)


@pytest.mark.parametrize("receiver", [3], indirect=True)
def test_a_message_refused_three_times_arrives_once_after_doubling_waits_and_the_order_is_kept(db, broker, receiver):
    assert broker.put("/api/v1/wco/callback", json={"url": receiver.url}).status_code == 200
    mrn = broker.post("/api/v1/declarations", content=instance(NAME), headers=XML).json()["mrn"]
    start = utcnow() + timedelta(seconds=1)
    waits = [timedelta(0), timedelta(seconds=30), timedelta(seconds=60), timedelta(seconds=120)]
    clock, rounds = start, []
    with httpx.Client(timeout=10) as client:
        for wait in waits:
            clock += wait
            # One second before the retry is due nothing is sent: the wait is the stored next attempt.
            early = wco_flow.push(db.factory, now=clock - timedelta(seconds=1), profile=PROFILE, client=client,
                                  allowed_hosts=HOSTS) if wait else None
            assert early is None or (early.delivered, early.failed) == (0, 0)
            rounds.append(wco_flow.push(db.factory, now=clock, profile=PROFILE, client=client, allowed_hosts=HOSTS))
            first, second = _deliveries(db, mrn)
            if len(rounds) < 4:  # refused: the next try after 30 s, then 1 min, 2 min; the second waits behind
                assert (first.attempts, first.delivered_at, first.last_error) == (len(rounds), None, "HTTP 503")
                assert first.next_at == clock + timedelta(seconds=30) * 2 ** (len(rounds) - 1)
                assert (second.attempts, second.delivered_at) == (0, None)
    assert [(r.scheduled, r.delivered, r.failed) for r in rounds] == [(2, 0, 1), (0, 0, 1), (0, 0, 1), (0, 2, 0)]
    first, second = _deliveries(db, mrn)
    assert (first.attempts, first.delivered_at, first.last_error) == (4, clock, None)
    assert (second.attempts, second.delivered_at) == (1, clock)
    assert receiver.attempts == 5 and receiver.codes() == ["02", "01"]  # received, then accepted

    # Later events of the declaration follow in their order; nothing delivered is sent again.
    move(db, mrn, ("assessed", None), ("lane_selected", "red lane selected"), ("under_control", None),
          ("released", None))
    with httpx.Client(timeout=10) as client:
        later = wco_flow.push(db.factory, now=utcnow() + timedelta(seconds=1), profile=PROFILE, client=client,
                              allowed_hosts=HOSTS)
        again = wco_flow.push(db.factory, now=utcnow() + timedelta(days=1), profile=PROFILE, client=client,
                              allowed_hosts=HOSTS)
    assert (later.scheduled, later.delivered, later.failed) == (2, 2, 0)
    assert (again.scheduled, again.delivered, again.failed) == (0, 0, 0)
    assert receiver.codes() == ["02", "01", "05", "09"]
    ids = [message_id for message_id, _ in receiver.accepted]
    assert len(set(ids)) == 4  # a receiver de-duplicates on this id: it is the message's FunctionalReferenceID
    for message_id, body in receiver.accepted:
        tree = xmlsafe.parse(body)
        assert schema.response_errors(tree) == []
        assert tree.getroot().findtext(f"{{{RES}}}Response/{{{RES}}}FunctionalReferenceID") == message_id


@pytest.mark.parametrize("receiver", [100], indirect=True)
def test_a_callback_that_never_accepts_is_given_up_after_eight_attempts(db, broker, receiver):
    broker.put("/api/v1/wco/callback", json={"url": receiver.url})
    mrn = broker.post("/api/v1/declarations", content=instance(NAME), headers=XML).json()["mrn"]
    clock = utcnow() + timedelta(seconds=1)
    with httpx.Client(timeout=10) as client:
        for _ in range(12):
            wco_flow.push(db.factory, now=clock, profile=PROFILE, client=client, allowed_hosts=HOSTS)
            clock += timedelta(days=1)
    first, second = _deliveries(db, mrn)
    # The first was given up after 8 attempts; it no longer holds back the second, which is tried in turn.
    assert (first.attempts, first.delivered_at, first.last_error) == (wco.MAX_ATTEMPTS, None, "HTTP 503")
    assert second.attempts == 12 - wco.MAX_ATTEMPTS and second.delivered_at is None
    assert receiver.attempts == 12 and receiver.accepted == []


def test_a_callback_must_be_https_unless_its_host_is_allowed(db, keys, monkeypatch):
    monkeypatch.delenv("CLEARWAY_WCO_CALLBACK_HOSTS", raising=False)
    broker = keys.client(keys.create("declarant", "AU", PARTY))
    plain = broker.put("/api/v1/wco/callback", json={"url": "http://127.0.0.1:9/res"})
    assert plain.status_code == 422
    assert plain.json()["errors"][0]["path"] == "url"
    assert "CLEARWAY_WCO_CALLBACK_HOSTS" in plain.json()["errors"][0]["reason"]
    for bad in ("https://user:secret@example.org/res", "https:///res", "https://example.org:port/res"):
        assert broker.put("/api/v1/wco/callback", json={"url": bad}).status_code == 422, bad
    ok = broker.put("/api/v1/wco/callback", json={"url": "https://broker.example.org/res"})
    assert ok.status_code == 200 and ok.json()["url"] == "https://broker.example.org/res"
    monkeypatch.setenv("CLEARWAY_WCO_CALLBACK_HOSTS", "127.0.0.1, localhost")
    assert broker.put("/api/v1/wco/callback", json={"url": "http://127.0.0.1:9/res"}).status_code == 200


def test_a_callback_no_longer_allowed_is_not_called(db, broker, receiver):
    broker.put("/api/v1/wco/callback", json={"url": receiver.url})
    broker.post("/api/v1/declarations", content=instance(NAME), headers=XML)
    with httpx.Client(timeout=10) as client:  # the installation withdrew the permission since
        done = wco_flow.push(db.factory, now=utcnow() + timedelta(seconds=1), profile=PROFILE, client=client,
                             allowed_hosts=())
    assert (done.delivered, done.failed) == (0, 1) and receiver.attempts == 0
    with db.factory() as session:
        (first, _) = wco.deliveries_of(session, declaration_id=session.scalars(select(Declaration.id)).one())
    assert "CLEARWAY_WCO_CALLBACK_HOSTS" in first.last_error


@pytest.mark.parametrize("receiver", [1], indirect=True)
def test_the_background_pusher_delivers_new_messages_by_itself(db, broker, receiver):
    broker.put("/api/v1/wco/callback", json={"url": receiver.url})
    mrn = broker.post("/api/v1/declarations", content=instance(NAME), headers=XML).json()["mrn"]
    # A clock that moves a minute each round: the refused first message is due again at the next round.
    ticks = iter(range(10_000))
    start = utcnow()
    pusher = Pusher(db.factory, profile=PROFILE, allowed_hosts=HOSTS, seconds=0.05,
                    clock=lambda: start + timedelta(minutes=next(ticks)))
    pusher.start()
    try:
        assert receiver.wait_for(2), f"after {pusher.rounds} rounds the receiver has {receiver.codes()}"
    finally:
        pusher.stop()
    assert receiver.codes() == ["02", "01"] and receiver.attempts == 3
    assert [d.attempts for d in _deliveries(db, mrn)] == [2, 1]


def test_clearway_serve_pushes_by_itself(db, keys, receiver, tmp_path):
    """The worker inside `clearway serve` (a real server process): register, lodge, and the receiver hears."""
    port = _free_port()
    env = {"PATH": "/usr/bin:/bin", "COLUMNS": "200", "CLEARWAY_DATA_DIR": str(tmp_path / "data"),
           "CLEARWAY_DATABASE_URL": db.url, "CLEARWAY_WCO_CALLBACK_HOSTS": "127.0.0.1",
           "CLEARWAY_WCO_PUSH_SECONDS": "0.2"}
    stderr = (tmp_path / "stderr.txt").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "clearway", "serve", "--port", str(port), "--no-access-log"],
                            stdout=subprocess.DEVNULL, stderr=stderr, env=env)
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_until_up(proc, url, tmp_path)
        key = keys.create("declarant", "AU", PARTY)
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=60) as client:
            assert client.put("/api/v1/wco/callback", json={"url": receiver.url}).status_code == 200
            assert client.post("/api/v1/declarations", content=instance(NAME), headers=XML).status_code == 201
        assert receiver.wait_for(2), (tmp_path / "stderr.txt").read_text()
    finally:
        proc.terminate()
        proc.wait(timeout=60)
    assert receiver.codes() == ["02", "01"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_until_up(proc: subprocess.Popen, url: str, tmp_path) -> None:
    for _ in range(450):  # up to 90 s for the migrations and the first import
        try:
            httpx.get(f"{url}/api/v1/reference/economies", timeout=2)
            return
        except httpx.TransportError:
            if proc.poll() is not None:
                break
            threading.Event().wait(0.2)
    proc.kill()
    pytest.fail(f"clearway serve did not start: {(tmp_path / 'stderr.txt').read_text()}")


def _env(db, tmp_path, **more: str) -> dict[str, str]:
    return {"PATH": "/usr/bin:/bin", "COLUMNS": "200", "CLEARWAY_DATA_DIR": str(tmp_path / "data"),
            "CLEARWAY_DATABASE_URL": db.url, **more}


def test_clearway_wco_push_once_then_follow(db, broker, receiver, tmp_path):
    broker.put("/api/v1/wco/callback", json={"url": receiver.url})
    mrn = broker.post("/api/v1/declarations", content=instance(NAME), headers=XML).json()["mrn"]
    once = subprocess.run([sys.executable, "-m", "clearway", "wco", "push"], capture_output=True, text=True,
                          env=_env(db, tmp_path, CLEARWAY_WCO_CALLBACK_HOSTS="127.0.0.1"), timeout=180)
    assert once.returncode == 0, once.stderr
    assert once.stdout.strip() == "2 scheduled, 2 delivered, 0 failed"
    assert receiver.codes() == ["02", "01"]
    follow = subprocess.Popen([sys.executable, "-m", "clearway", "wco", "push", "--follow"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              env=_env(db, tmp_path, CLEARWAY_WCO_CALLBACK_HOSTS="127.0.0.1",
                                       CLEARWAY_WCO_PUSH_SECONDS="0.2"))
    try:
        move(db, mrn, ("rejected", "goods not presented"))  # a new message while it follows
        assert receiver.wait_for(3), "the follower delivered nothing"
    finally:
        follow.terminate()
        follow.wait(timeout=60)
    assert receiver.codes() == ["02", "01", "03"] and receiver.attempts == 3
