"""Two nodes (Thailand exports on its own SQLite database, Australia imports on the test backend) and a
hub, all over real HTTP: issue in one, receive in the other, with repeats and crashes in between."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from clearway.certificates import exchange, hub_store, nppo
from clearway.certificates.hub_client import HubClient, HubUnavailable
from clearway.certificates.models import Certificate, Delivery, HubEnvelope, Receipt
from clearway.config import Settings
from clearway.db import make_engine, migrate, transaction
from clearway.flows import hub_exchange
from tests.certificates.factories import ephyto
from tests.support import free_port, serve_app, start_server


class World:
    def __init__(self, tmp: Path, db, server) -> None:
        from clearway.certificates.hub_server import create_hub_app

        self.hub_factory = hub_store.sessions(f"sqlite:///{tmp / 'hub.db'}")
        base, self._hub, self._hub_thread = serve_app(create_hub_app(factory=self.hub_factory))
        self.hub_url = base + "/hub/DeliveryService"
        self.tokens = {c: hub_store.add_nppo(self.hub_factory, country=c) for c in ("TH", "AU", "VN")}
        url_a = f"sqlite:///{tmp / 'node-th.db'}"
        migrate(make_engine(url_a))
        self.node_a, self._a, self._a_thread = start_server(Settings(data_dir=tmp, database_url=url_a))
        self.factory_a = self.node_a.app.state.ctx.factory
        self.factory_b, self.node_b = db.factory, server
        with transaction(self.factory_a) as session:
            self.th_cert = nppo.create_key(session, economy="TH", party_id="NPPO-TH", actor="test").cert_pem
            from clearway.auth.service import create_key

            self.th_key, _ = create_key(session, role="nppo", economy="TH", party_id="NPPO-TH", actor="test")

    def client(self, country: str, **kw) -> HubClient:
        return HubClient(self.hub_url, self.tokens[country], base_delay=0.01, **kw)

    def node_a_http(self) -> httpx.Client:
        return httpx.Client(base_url=self.node_a.url, headers={"Authorization": f"Bearer {self.th_key}"}, timeout=30)

    def close(self) -> None:
        for srv, thread in ((self._hub, self._hub_thread), (self._a, self._a_thread)):
            srv.should_exit = True
            thread.join(timeout=10)


@pytest.fixture
def world(tmp_path, db, server, keys):
    w = World(tmp_path, db, server)
    with keys.client(keys.create("admin", "AU")) as admin:  # Australia trusts Thailand's NPPO certificate
        assert admin.post("/api/v1/certificates/nppo-certificates",
                          json={"economy": "TH", "certificate_pem": w.th_cert}).status_code == 201
    w.au_officer = keys.client(keys.create("officer", "AU"))
    yield w
    w.au_officer.close()
    w.close()


def _count(factory, model, *where) -> int:
    with factory() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def test_issued_in_thailand_received_in_australia_through_the_hub(world):
    with world.node_a_http() as th:
        assert th.post("/api/v1/certificates/ephyto", json=ephyto()).status_code == 201
    with world.client("TH") as hub_th, world.client("AU") as hub_au:
        assert exchange.send_pending(world.factory_a, hub_th) == {"sent": 1, "retry": 0, "failed": 0}
        with world.factory_a() as s:
            d = s.scalars(select(Delivery)).one()
            assert (d.state, d.hub_tracking) == ("sent", "PendingDelivery") and d.hub_delivery_number
        assert [e.NPPOCertificateNumber for e in hub_au.import_headers()] == ["TH2026-000123"]
        assert hub_exchange.pull(world.factory_b, hub_au, economy="AU") == {"accepted": 1, "warnings": 0, "refused": 0}
        assert exchange.track(world.factory_a, hub_th) == 1
        with world.factory_a() as s:
            assert s.scalars(select(Delivery)).one().hub_tracking == "Delivered"
        assert hub_au.pull() == []  # acknowledged: not offered again
    got = world.au_officer.get("/api/v1/certificates/ephyto/TH2026-000123").json()
    assert (got["direction"], got["status"], got["exporting_economy"]) == ("received", "issued", "TH")
    assert got["signature_verified"] is True
    assert got["summary"]["consignee"]["name"] == "Oz Fruit Importers Pty Ltd"
    with world.node_a_http() as th:
        sent_code = th.get("/api/v1/certificates/ephyto/TH2026-000123").json()["verification_code"]
    assert got["verification_code"] == sent_code  # the very same signed bytes


def test_a_repeated_send_and_a_restart_mid_exchange_deliver_once(world):
    with world.node_a_http() as th:
        assert th.post("/api/v1/certificates/ephyto", json=ephyto()).status_code == 201
    with world.client("TH") as hub_th:
        exchange.send_pending(world.factory_a, hub_th)
        # The node "crashed" before recording the hub's answer: the delivery is pending again.
        with transaction(world.factory_a) as s:
            d = s.scalars(select(Delivery)).one()
            first = d.hub_delivery_number
            d.state, d.hub_delivery_number = "pending", None
        exchange.send_pending(world.factory_a, hub_th)
        with world.factory_a() as s:
            assert s.scalars(select(Delivery)).one().hub_delivery_number == first
    assert _count(world.hub_factory, HubEnvelope) == 1

    class CrashOnFirstAck(HubClient):
        crashed = False

        def acknowledge(self, number: str) -> None:
            if not CrashOnFirstAck.crashed:
                CrashOnFirstAck.crashed = True
                raise HubUnavailable("node restarted before acknowledging")
            super().acknowledge(number)

    with CrashOnFirstAck(world.hub_url, world.tokens["AU"], base_delay=0.01) as hub_au:
        with pytest.raises(HubUnavailable):
            hub_exchange.pull(world.factory_b, hub_au, economy="AU")
        assert _count(world.factory_b, Certificate) == 1  # stored, not yet acknowledged
        assert len(hub_au.pull()) == 1  # still pending at the hub: nothing lost
        assert hub_exchange.pull(world.factory_b, hub_au, economy="AU")["accepted"] == 1
        assert hub_au.pull() == []
    assert _count(world.factory_b, Certificate) == 1 and _count(world.factory_b, Receipt) == 1
    with world.factory_b() as s:
        assert s.scalars(select(Receipt)).one().acknowledged_at is not None


def test_withdrawal_and_replacement_reach_the_importer(world):
    with world.node_a_http() as th:
        th.post("/api/v1/certificates/ephyto", json=ephyto())
        r = th.post("/api/v1/certificates/ephyto/TH2026-000123/replace",
                    json={"reason": "quantity corrected", "certificate": ephyto(number="TH2026-000124")})
        assert r.status_code == 201
        assert th.post("/api/v1/certificates/ephyto/TH2026-000124/withdraw",
                       json={"reason": "shipment cancelled"}).status_code == 200
    with world.client("TH") as hub_th, world.client("AU") as hub_au:
        assert exchange.send_pending(world.factory_a, hub_th)["sent"] == 3
        assert hub_exchange.pull(world.factory_b, hub_au, economy="AU")["accepted"] == 3
    old = world.au_officer.get("/api/v1/certificates/ephyto/TH2026-000123").json()
    new = world.au_officer.get("/api/v1/certificates/ephyto/TH2026-000124").json()
    assert (old["status"], old["replaced_by"]) == ("replaced", "TH2026-000124")
    assert (new["status"], new["status_code"], new["replaces"]) == ("withdrawn", 40, "TH2026-000123")


def test_an_untrusted_sender_is_refused_and_told_so(world):
    with transaction(world.factory_a) as s:  # a Vietnamese NPPO Australia has never registered
        nppo.create_key(s, economy="VN", party_id="NPPO-VN", actor="test")
        from clearway.auth.service import create_key

        vn_key, _ = create_key(s, role="nppo", economy="VN", party_id="NPPO-VN", actor="test")
    with httpx.Client(base_url=world.node_a.url, headers={"Authorization": f"Bearer {vn_key}"}) as vn:
        r = vn.post("/api/v1/certificates/ephyto", json=ephyto(number="VN-1", origin="VN", issuer="PPD Vietnam"))
        assert r.status_code == 201, r.text
    with world.client("VN") as hub_vn, world.client("AU") as hub_au:
        exchange.send_pending(world.factory_a, hub_vn)
        assert hub_exchange.pull(world.factory_b, hub_au, economy="AU") == {"accepted": 0, "warnings": 0, "refused": 1}
        exchange.track(world.factory_a, hub_vn)
    with world.factory_a() as s:
        d = s.scalars(select(Delivery)).one()
        assert d.hub_tracking == "DeliveredNotReadable" and "no NPPO certificate is registered for VN" in d.last_error
    assert _count(world.factory_b, Certificate) == 0


def test_hub_refusals_and_retries(world, tmp_path):
    with world.node_a_http() as th:
        th.post("/api/v1/certificates/ephyto", json=ephyto(destination="NZ"))  # NZ is not on the hub
    with world.client("TH") as hub_th:
        assert exchange.send_pending(world.factory_a, hub_th)["failed"] == 1
    with world.factory_a() as s:
        d = s.scalars(select(Delivery)).one()
        assert d.state == "failed" and "NZ is not an active NPPO" in d.last_error
    with transaction(world.factory_a) as s:
        s.scalars(select(Delivery)).one().state = "pending"
    sleeps: list[float] = []
    dead = HubClient(f"http://127.0.0.1:{free_port()}/hub/DeliveryService", "x", attempts=3, sleep=sleeps.append)
    with dead:
        assert exchange.send_pending(world.factory_a, dead) == {"sent": 0, "retry": 1, "failed": 0}
    assert len(sleeps) == 2 and sleeps[1] > sleeps[0]  # exponential backoff between attempts
    with world.factory_a() as s:
        d = s.scalars(select(Delivery)).one()
        assert d.state == "pending" and d.attempts == 2 and "did not answer" in d.last_error
        assert d.next_attempt_at > d.updated_at  # not retried before its backoff
    with pytest.raises(Exception, match="does not know"):
        HubClient(world.hub_url, "hub_wrong").pull()
    with world.client("AU") as hub_au:  # AU may not send as TH
        from clearway.certificates.soap import Envelope, SoapFault

        with pytest.raises(SoapFault, match="cannot send as TH"):
            hub_au.deliver(Envelope("TH", "AU", 851, 70, "X-1", Content="<x/>"))
    bad = httpx.post(world.hub_url, content=b'<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>',
                     headers={"Authorization": f"Bearer {world.tokens['AU']}"})
    assert bad.status_code == 500 and b"HubWebException" in bad.content and b"DOCTYPE" in bad.content
    wsdl = httpx.get(world.hub_url, params={"wsdl": ""})
    assert b'name="DeliveryService"' in wsdl.content and world.hub_url.encode() in wsdl.content


def test_the_importing_node_pulls_through_its_api(world, monkeypatch, keys):
    with world.node_a_http() as th:
        th.post("/api/v1/certificates/ephyto", json=ephyto())
    with world.client("TH") as hub_th:
        exchange.send_pending(world.factory_a, hub_th)
    with keys.client(keys.create("admin", "AU")) as admin:
        assert admin.post("/api/v1/certificates/exchange").status_code == 409  # no hub configured
        monkeypatch.setenv("CLEARWAY_HUB_URL", world.hub_url)
        monkeypatch.setenv("CLEARWAY_HUB_TOKEN", world.tokens["AU"])
        report = admin.post("/api/v1/certificates/exchange").json()
    assert report["received"] == {"accepted": 1, "warnings": 0, "refused": 0}
    assert world.au_officer.get("/api/v1/certificates/ephyto/TH2026-000123").json()["direction"] == "received"


def test_a_pull_is_batched_under_the_message_limit(world):
    from clearway.certificates.soap import Envelope

    big = "<x>" + "y" * 400_000 + "</x>"
    with world.client("TH") as hub_th, world.client("AU") as hub_au:
        for i in range(8):
            hub_th.deliver(Envelope("TH", "AU", 851, 70, f"BIG-{i}", Content=big))
        first = hub_au.pull()
        assert 1 <= len(first) < 8
        for env in first:
            hub_au.acknowledge_failed(env.hubDeliveryNumber, "test")
        assert len(first) + len(hub_au.pull()) <= 8
