"""Issue 9: seals and their events belong to the economy of the journey, over HTTP and MQTT alike; event
times far off the server's clock are refused; one access rule decides both the list and the single read of
refused events; the alert list takes the `status=all` its page uses. On SQLite and PostgreSQL."""

from __future__ import annotations

import random

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from clearway.containers import bounds, synthetic
from clearway.containers.models import SealAlert, SealEvent, SealEventRefusal
from clearway.containers.schemas import EventIn
from clearway.controls.models import Finding
from clearway.db import transaction
from clearway.flows.seals import ingest, seals_check as check_declaration
from tests.containers.support import ECONOMY, affix, lodge, now_journey
from tests.support import example

BOX = "MSCU1234566"
NOW = datetime(2026, 12, 2, 6, 0, tzinfo=UTC)  # a fixed server clock for the pure rows below


def _seal(route=("AUMEL", "AUSYD"), **kw):
    body = {"manufacturer": "ACME", "serial": "0001", "container": BOX, "loading_office": route[0],
            "destination_office": route[1], "departure": "2026-11-28T00:00:00Z",
            "arrival_from": "2026-11-28T12:00:00Z", "arrival_to": "2026-11-28T20:00:00Z", "device_key": "ab" * 32}
    return body | kw


def test_an_officer_seals_only_journeys_from_or_to_an_office_of_their_economy(db, server, keys):
    reason = ("the loading and destination offices are offices of TH: an officer of AU seals only journeys "
              "from or to an office of AU")
    with keys.client(keys.create("officer", "AU")) as c:
        r = c.post("/api/v1/seals", json=_seal(("THBKK", "THLCH")))
        assert r.status_code == 422, r.text
        assert r.json()["errors"] == [{"path": "loading_office", "reason": reason}]
        assert c.get("/api/v1/seals").json()["items"] == []
    with keys.client(keys.create("admin", "NZ")) as c:  # an admin of another economy neither
        assert c.post("/api/v1/seals", json=_seal()).json()["errors"][0]["path"] == "loading_office"
    with keys.client(keys.create("officer", "TH")) as c:  # Thai officers seal Thai and cross-border journeys
        assert c.post("/api/v1/seals", json=_seal(("THBKK", "THLCH"))).json()["economy"] == "TH"
        crossing = c.post("/api/v1/seals", json=_seal(("MYPKG", "THLCH"), serial="0002", container="CSQU3054383"))
        assert crossing.status_code == 201 and crossing.json()["economy"] == "TH"


def test_events_sent_by_another_economy_are_refused_and_hold_nothing(db, server, keys, declarant):
    decl_id, _ = lodge(db.factory, declarant, BOX, "L-econ")
    sim = now_journey(3, kind="wire_cut", container=BOX)
    events = synthetic.events_of(sim)
    seal_id = sim.journey.seal_id
    swap = {**events[0], "seal_id": "EVIL-1", "seq": 1, "container": BOX}  # another seal naming the container
    au, nz = keys.create("officer", "AU"), keys.create("officer", "NZ")
    with keys.client(au) as c:
        assert c.post("/api/v1/seals", json=synthetic.seal_request(sim)).status_code == 201
    with keys.client(nz) as c:
        r = c.post("/api/v1/seal-events", json=events + [swap]).json()
        assert (r["stored"], r["refused"], r["alerts"]) == (0, len(events) + 1, [])
        assert r["refusals"][0]["reason"] == (f"seal_id: {seal_id} travels on a journey of AU; its events are "
                                              f"accepted only from AU, not from NZ")
        assert r["refusals"][-1]["reason"] == (f"container: {BOX} travels on a journey of AU; its events are "
                                               f"accepted only from AU, not from NZ")
        assert c.get("/api/v1/alerts").json()["items"] == []
    with db.factory() as s:
        assert s.scalars(select(SealEvent)).all() == [] and s.scalars(select(SealAlert)).all() == []
        assert s.scalars(select(Finding).where(Finding.declaration_id == decl_id)).all() == []
    with keys.client(au) as c:  # the journey's own economy is heard
        r = c.post("/api/v1/seal-events", json=events).json()
        assert r["stored"] == len(events) and len(r["alerts"]) == 1


def test_another_economy_cannot_squat_a_seal_before_it_is_affixed(db, server, keys):
    sim = now_journey(5, kind="wire_cut", prefix="Q")
    events = synthetic.events_of(sim)
    with keys.client(keys.create("officer", "NZ")) as c:  # no journey yet: nothing to verify them with, refused
        honest = [{**e, "status": "sealed"} for e in events]
        r = c.post("/api/v1/seal-events", json=honest).json()
        assert (r["stored"], r["refused"]) == (0, len(events))
    with keys.client(keys.create("officer", "AU")) as c:
        seal = c.post("/api/v1/seals", json=synthetic.seal_request(sim)).json()
        r = c.post("/api/v1/seal-events", json=events).json()
        assert (r["stored"], r["duplicates"], len(r["alerts"])) == (len(events), 0, 1)
        timeline = c.get(f"/api/v1/seals/{seal['id']}/events").json()
    assert "wire_cut" in {e["status"] for e in timeline} and len(timeline) == len(events)


@pytest.mark.parametrize("field,value,words", [
    ("device_time", "1970-01-01T00:00:00Z", "device_time: 1970-01-01T00:00:00Z is more than 30 days before"),
    ("device_time", "9999-12-31T00:00:00Z", "device_time: 9999-12-31T00:00:00Z is more than 12 hours after"),
    ("device_time", "2026-12-02T18:01:00Z", "device_time: 2026-12-02T18:01:00Z is more than 12 hours after"),
    ("received_at", "2026-12-02T06:06:00Z", "received_at: 2026-12-02T06:06:00Z is more than 5 minutes after"),
    ("received_at", "1970-01-01T00:00:00Z", "received_at: 1970-01-01T00:00:00Z is more than 30 days before"),
    ("device_time", "2026-12-02T17:59:00Z", None),  # a device clock hours fast is the clock rule's business
    ("received_at", "2026-11-03T06:01:00Z", None),
])
def test_event_time_bounds(field, value, words):
    event = EventIn.model_validate({"seal_id": "ACME-1", "seq": 1, "device_time": "2026-12-02T05:00:00Z",
                                    "lat": 0, "lon": 0, "status": "sealed", "battery": 50, field: value})
    found = bounds.problem(event, now=NOW)
    assert (found or "").startswith(words or "") and (found is None) == (words is None)
    if words:
        assert found.endswith("the server's time 2026-12-02T06:00:00Z")


def test_the_server_sets_received_at_and_refuses_times_far_off_its_clock(db, server, keys, officer):
    sim = now_journey(2)
    affix(db.factory, officer, sim)
    good = synthetic.events_of(sim)[:2]
    far = [{**good[0], "seq": 90, "device_time": "1970-01-01T00:00:00Z"},
           {**good[0], "seq": 91, "device_time": "9999-12-31T23:59:59Z"},
           {**good[0], "seq": 92, "received_at": "9999-12-31T23:59:59Z"}]
    with keys.client(keys.create("officer", ECONOMY)) as c:
        r = c.post("/api/v1/seal-events", json=[{k: v for k, v in good[0].items() if k != "received_at"}] + far)
        body = r.json()
    assert r.status_code == 200 and body["stored"] == 1 and body["refused"] == 3
    assert [x["reason"].split(":")[0] for x in body["refusals"]] == ["device_time", "device_time", "received_at"]
    # a gateway's stamp a little ahead of the server is the server's time (a journey under way at NOW)
    then = synthetic.make(random.Random(3), start=NOW.timestamp() - 7200, route=("AUMEL", "AUSYD"), seal_prefix="N",
                          container="CSQU3054383")
    affix(db.factory, officer, then)
    with transaction(db.factory) as s:
        ahead = {**synthetic.events_of(then)[1], "received_at": (NOW + timedelta(minutes=3)).isoformat()}
        assert ingest(s, events=[ahead], source="local", actor="t", economy=ECONOMY, now=NOW).stored == 1
    with db.factory() as s:
        stored = {(e.seal_id, e.seq): e for e in s.scalars(select(SealEvent))}
        refused = {r.economy for r in s.scalars(select(SealEventRefusal))}
    assert stored[(ahead["seal_id"], ahead["seq"])].received_at == NOW
    assert stored[(good[0]["seal_id"], good[0]["seq"])].received_at > datetime.now(UTC) - timedelta(minutes=5)
    assert refused == {ECONOMY}


def test_refused_events_are_read_by_their_economy_alone_in_the_list_and_one_by_one(db, server, keys):
    bad = {"seal_id": "ACME-1", "seq": "x"}
    au, nz = keys.create("officer", "AU"), keys.create("officer", "NZ")
    for key in (au, nz):
        with keys.client(key) as c:
            assert c.post("/api/v1/seal-events", json=[bad]).json()["refused"] == 1
    ids = {}
    for key, economy in ((au, "AU"), (nz, "NZ")):
        with keys.client(key) as c:
            listed = c.get("/api/v1/seal-events/refusals").json()
            assert listed["total"] == 1 and listed["by_source"] == {"http": 1}
            assert [x["economy"] for x in listed["latest"]] == [economy]
            ids[economy] = listed["latest"][0]["id"]
    with keys.client(au) as c:
        assert c.get(f"/api/v1/seal-events/refusals/{ids['AU']}").json()["reason"].startswith("seq: must be a whole")
        assert c.get(f"/api/v1/seal-events/refusals/{ids['NZ']}").status_code == 404
    with keys.client(keys.create("admin", "NZ")) as c:
        assert c.get("/api/v1/seal-events/refusals").json()["total"] == 2
        assert c.get(f"/api/v1/seal-events/refusals/{ids['AU']}").status_code == 200
    with keys.client(keys.create("declarant", "AU", "AU-ABN-1")) as c:
        assert c.get("/api/v1/seal-events/refusals").status_code == 403
        assert c.get(f"/api/v1/seal-events/refusals/{ids['AU']}").status_code == 403


def test_the_alert_list_takes_status_all_as_its_page_does(db, server, keys):
    with keys.client(keys.create("officer", ECONOMY)) as c:
        raised = []
        for i, kind in enumerate(("wire_cut", "detour")):
            sim = now_journey(40 + i, kind=kind, prefix=f"A{i}")
            assert c.post("/api/v1/seals", json=synthetic.seal_request(sim)).status_code == 201
            raised += c.post("/api/v1/seal-events", json=synthetic.events_of(sim)).json()["alerts"]
        assert c.post(f"/api/v1/alerts/{raised[0]}/close",
                      json={"finding": "tampered", "note": "seal cut"}).status_code == 200
        every = c.get("/api/v1/alerts", params={"status": "all"})
        assert every.status_code == 200, every.text
        assert [(a["id"], a["status"]) for a in every.json()["items"]] == [(raised[1], "open"), (raised[0], "closed")]
        assert [a["id"] for a in c.get("/api/v1/alerts", params={"status": "closed"}).json()["items"]] == raised[:1]
        wrong = c.get("/api/v1/alerts", params={"status": "some"})
        assert wrong.status_code == 422 and "status" in wrong.text


def test_an_alert_holds_only_declarations_of_its_own_economy(db, server, keys, declarant):
    import copy

    from clearway.declarations import service as declarations
    from clearway.declarations.schemas import DeclarationIn

    au_id, _ = lodge(db.factory, declarant, BOX, "L-au")
    doc = copy.deepcopy(example("declaration-au-oranges.json"))  # the same container declared in NZ
    doc |= {"lrn": "L-nz", "economy": "NZ", "office": "NZAKL"}
    doc["declarant"]["id"] = doc["importer"]["id"] = "NZ-NZBN-9429000000000"
    doc["importer"]["country"] = "NZ"
    with transaction(db.factory) as s:
        nz_row, _ = declarations.lodge(s, principal=keys.principal("declarant", "NZ", "NZ-NZBN-9429000000000"),
                                       decl=DeclarationIn.model_validate(doc))
    sim = now_journey(3, kind="wire_cut", container=BOX)
    with keys.client(keys.create("officer", "AU")) as c:
        assert c.post("/api/v1/seals", json=synthetic.seal_request(sim)).status_code == 201
        alert = c.post("/api/v1/seal-events", json=synthetic.events_of(sim)).json()["alerts"][0]
    with db.factory() as s:
        held = {f.declaration_id for f in s.scalars(select(Finding).where(Finding.reference == str(alert)))}
    assert held == {au_id}  # NZ customs could neither see nor close an AU alert's hold
    with transaction(db.factory) as s:
        assert check_declaration(s, row=declarations.by_id(s, nz_row.id), actor="flow") == []
