"""A slow hub must not stall the node (issue 10): the exchange calls the hub with no transaction open.

The hub here is the real hub app behind a gate that holds the chosen operation until the test lets it
go. While it is held, the exporting node must have no pooled connection checked out for the exchange
and must go on lodging certificates over its API. Waits are bounded by events, not by timings."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import anyio
import pytest
from sqlalchemy import select

from clearway.certificates import exchange, hub_store
from clearway.certificates.hub_client import HubClient
from clearway.certificates.models import Delivery
from clearway.db import transaction
from tests.certificates.factories import ephyto
from tests.support import serve_app

HOLD = 150.0  # the longest the gate holds a call if a test fails before opening it


class Gate:
    """ASGI wrapper: a POST whose SOAPAction ends with `operation` waits until `release` is set."""

    def __init__(self, app: object) -> None:
        self.app, self.operation = app, ""
        self.entered, self.release = threading.Event(), threading.Event()

    async def __call__(self, scope, receive, send) -> None:  # noqa: ANN001
        if scope["type"] == "http" and self.operation:
            action = dict(scope["headers"]).get(b"soapaction", b"").decode().strip('"')
            if action.endswith("/" + self.operation):
                self.entered.set()
                await anyio.to_thread.run_sync(self.release.wait, HOLD)
        await self.app(scope, receive, send)


@pytest.fixture
def slow_hub(tmp_path) -> Iterator[tuple[str, Gate, dict]]:
    from clearway.certificates.hub_server import create_hub_app

    factory = hub_store.sessions(f"sqlite:///{tmp_path / 'hub.db'}")
    gate = Gate(create_hub_app(factory=factory))
    base, server, thread = serve_app(gate)
    tokens = {c: hub_store.add_nppo(factory, country=c) for c in ("TH", "AU")}
    yield base + "/hub/DeliveryService", gate, tokens
    gate.release.set()
    server.should_exit = True
    thread.join(timeout=10)


def _in_thread(fn) -> tuple[threading.Thread, dict]:  # noqa: ANN001
    out: dict = {}

    def run() -> None:
        try:
            out["value"] = fn()
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            out["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, out


@pytest.mark.parametrize("held", ["DeliverEnvelope", "GetEnvelopeTrackingInfo"])
def test_lodging_goes_on_while_the_hub_is_slow_to_answer(db, server, keys, th_key, slow_hub, held):
    url, gate, tokens = slow_hub
    th = keys.client(keys.create("nppo", "TH", "NPPO-TH"))
    assert th.post("/api/v1/certificates/ephyto", json=ephyto()).status_code == 201
    client = HubClient(url, tokens["TH"], attempts=1, timeout=HOLD + 30)
    if held == "GetEnvelopeTrackingInfo":
        assert exchange.send_pending(db.factory, client)["sent"] == 1
    gate.operation = held
    work = (lambda: exchange.send_pending(db.factory, client)) if held == "DeliverEnvelope" else \
        (lambda: exchange.track(db.factory, client))
    exchanging, result = _in_thread(work)
    try:
        assert gate.entered.wait(30), "the exchange never reached the hub"
        # The hub is now holding the call: the exchange must hold no connection (hence no transaction,
        # no SQLite write turn, no PostgreSQL locks) ...
        assert db.engine.pool.checkedout() == 0
        # ... and the node goes on lodging.
        lodging, lodged = _in_thread(lambda: th.post("/api/v1/certificates/ephyto",
                                                     json=ephyto(number="TH2026-000999")).status_code)
        lodging.join(timeout=90)  # generous: a loaded machine, not a timing claim
        assert lodged.get("value") == 201, f"lodging did not complete while the hub was held: {lodged}"
        assert not gate.release.is_set() and exchanging.is_alive()  # the hub was still holding all along
    finally:
        gate.release.set()
        exchanging.join(timeout=HOLD + 30)
        th.close()
    assert "error" not in result, result.get("error")
    assert result["value"] == ({"sent": 1, "retry": 0, "failed": 0} if held == "DeliverEnvelope" else 0)
    with transaction(db.factory) as session:
        states = dict(session.execute(select(Delivery.certificate_id, Delivery.state)).all())
    assert sorted(states.values()) == ["pending", "sent"]  # the one lodged meanwhile waits for the next run
