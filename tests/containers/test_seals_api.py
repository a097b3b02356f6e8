"""Seals and seal events over real HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from clearway.containers import signing, synthetic
from clearway.containers.models import SealEvent, SealEventRefusal
from clearway.containers import iso6346
from clearway.containers import service as containers
from clearway.containers.schemas import SealIn
from clearway.db import transaction
from tests.containers.support import ECONOMY, now_journey, seal_body
from tests.support import example


def test_affix_read_remove(db, server, keys):
    with keys.client(keys.create("officer", ECONOMY)) as c:
        r = c.post("/api/v1/seals", json=seal_body())
        assert r.status_code == 201, r.text
        seal = r.json()
        assert seal["seal_id"] == "ACME-0001" and seal["status"] == "affixed"
        assert seal["places"][0]["name"] == "AUSYD" and seal["places"][0]["radius_km"] == 1.0
        assert seal["device_key_registered"] is True and "device_key" not in seal  # the secret is never shown
        assert r.headers["location"] == f"/api/v1/seals/{seal['id']}"
        again = c.post("/api/v1/seals", json=seal_body(container="CSQU3054383"))
        assert again.status_code == 409 and "already affixed" in again.json()["detail"]
        r = c.post(f"/api/v1/seals/{seal['id']}/remove", json={"reason": "arrived, opened by officer"})
        assert r.status_code == 200 and r.json()["status"] == "removed"
        assert r.json()["removal_reason"] == "arrived, opened by officer"
        r = c.post(f"/api/v1/seals/{seal['id']}/remove", json={"reason": "twice"})
        assert r.status_code == 409
        assert c.get(f"/api/v1/seals/{seal['id']}").json()["status"] == "removed"
        # the device may now go on another journey
        assert c.post("/api/v1/seals", json=seal_body(container="CSQU3054383")).status_code == 201


def test_affix_refusals_name_the_field(db, server, keys):
    with keys.client(keys.create("officer", ECONOMY)) as c:
        r = c.post("/api/v1/seals", json=seal_body(container="MSCU1234567", destination_office="XXXXX",
                                                    arrival_to="2026-11-28T01:00:00Z"))
        assert r.status_code == 422
        errors = {e["path"]: e["reason"] for e in r.json()["errors"]}
        assert errors["container"] == "check digit 7 is wrong: for MSCU123456 it should be 6"
        assert "not a known customs office" in errors["destination_office"]
        assert errors["arrival_to"] == "must be after arrival_from"
        assert c.get("/api/v1/seals").json()["items"] == []
        # a seal's device key is mandatory: without it its events could not be told from anyone's
        body = seal_body()
        del body["device_key"]
        r = c.post("/api/v1/seals", json=body)
        assert r.status_code == 422 and r.json()["errors"] == [{"path": "device_key", "reason": "is required"}]
        r = c.post("/api/v1/seals", json=seal_body(device_key="abc"))
        assert r.status_code == 422
        assert r.json()["errors"] == [{"path": "device_key", "reason": (
            "must be 64 hexadecimal digits (the device's 32-byte secret)")}]
        assert c.get("/api/v1/seals").json()["items"] == []
    with keys.client(keys.create("declarant", ECONOMY, "AU-ABN-1")) as c:
        assert c.post("/api/v1/seals", json=seal_body()).status_code == 403


def test_event_batches_are_idempotent_and_placed_by_sequence(db, server, keys):
    sim = now_journey(1)
    events = synthetic.events_of(sim)
    key = keys.create("officer", ECONOMY)
    with keys.client(key) as c:
        assert c.post("/api/v1/seals", json=synthetic.seal_request(sim)).status_code == 201
        half = len(events) // 2
        # second half first (out of order), with a repeat inside the batch
        r = c.post("/api/v1/seal-events", json={"events": events[half:] + events[half:half + 3]})
        assert r.status_code == 200, r.text
        body = r.json()
        assert body == {"received": len(events) - half + 3, "stored": len(events) - half, "duplicates": 3,
                        "refused": 0, "refusals": [], "alerts": []}
        r = c.post("/api/v1/seal-events", json=events)  # everything again: only the first half is new
        assert r.json()["stored"] == half and r.json()["duplicates"] == len(events) - half
        assert r.json()["alerts"] == []  # an honest journey
        seal_id = c.get("/api/v1/seals").json()["items"][0]["id"]
        timeline = c.get(f"/api/v1/seals/{seal_id}/events").json()
    assert [e["seq"] for e in timeline] == sorted(e["seq"] for e in events)
    with db.factory() as s:
        assert s.scalar(select(func.count()).select_from(SealEvent)) == len(events)


def test_malformed_events_are_refused_with_their_reason_and_counted(db, server, keys):
    sim = now_journey(2)
    good = synthetic.events_of(sim)[:3]
    bad = [
        "not an object",
        {**good[0], "seq": 99, "lat": 123.0},
        {**good[0], "seq": 100, "device_time": "2026-11-28T10:00:00"},
        {**good[0], "seq": 101, "status": "melted"},
        {**good[0], "seq": 102, "container": "MSCU1234567"},
        {k: v for k, v in good[0].items() if k != "seq"},
        {**good[0], "seq": "7"},
    ]
    with keys.client(keys.create("officer", ECONOMY)) as c:
        assert c.post("/api/v1/seals", json=synthetic.seal_request(sim)).status_code == 201
        r = c.post("/api/v1/seal-events", json=good + bad)
        body = r.json()
        assert r.status_code == 200 and body["stored"] == 3 and body["refused"] == len(bad)
        reasons = {x["index"]: x["reason"] for x in body["refusals"]}
        assert reasons[3] == "an event must be a JSON object"
        assert reasons[4].startswith("lat: ")
        assert "timezone" in reasons[5]
        assert reasons[6].startswith("status: ")
        assert reasons[7] == "container: check digit 7 is wrong: for MSCU123456 it should be 6"
        assert reasons[8] == "seq: is required"
        assert reasons[9] == "seq: must be a whole number"
        counts = c.get("/api/v1/seal-events/refusals").json()
        assert counts["total"] == len(bad) and counts["by_source"] == {"http": len(bad)}
        assert counts["by_reason"]["seq: is required"] == 1
        r = c.post("/api/v1/seal-events", json={"events": "nope"})
        assert r.status_code == 422 and r.json()["errors"][0]["path"] == "events"
    with db.factory() as s:
        assert s.scalar(select(func.count()).select_from(SealEvent)) == 3
        assert s.scalar(select(func.count()).select_from(SealEventRefusal)) == len(bad)


def test_a_declarant_key_cannot_post_events(db, server, keys):
    with keys.client(keys.create("declarant", ECONOMY, "AU-ABN-1")) as c:
        assert c.post("/api/v1/seal-events", json=[]).status_code == 403


def test_a_declaration_with_a_wrong_check_digit_is_refused_naming_the_right_one(db, server, keys):
    import copy


    doc = copy.deepcopy(example("declaration-au-oranges.json"))
    doc["transport"]["containers"] = ["MSCU 123456-6", "MSCU1234567"]
    with keys.client(keys.create("declarant", ECONOMY, "AU-ABN-11222333444")) as c:
        r = c.post("/api/v1/declarations", json=doc)
    assert r.status_code == 422
    assert {"path": "transport.containers[1]",
            "reason": "check digit 7 is wrong: for MSCU123456 it should be 6"} in r.json()["errors"]
    assert all(e["path"] != "transport.containers[0]" for e in r.json()["errors"])


def test_a_large_batch_of_many_seals_goes_through(db, server, keys, officer):
    now = datetime.now(UTC)
    seals = 500  # more than one chunk (detection.CHUNK) of journeys
    with transaction(db.factory) as session:
        for i in range(seals):
            box = "BULU" + f"{i:06d}"
            box += str(iso6346.check_digit(box))
            containers.affix(session, principal=officer, seal=SealIn.model_validate(seal_body(
                serial=f"{i:05d}", manufacturer="BULK", container=box,
                departure=(now - timedelta(hours=2)).isoformat(), arrival_from=(now + timedelta(hours=2)).isoformat(),
                arrival_to=(now + timedelta(hours=8)).isoformat(),
                device_key=signing.simulated_key(f"BULK-{i:05d}").hex())))
    def at(minutes: float) -> str:
        return (now - timedelta(minutes=minutes)).isoformat()

    # honest journeys waiting at the loading office (Melbourne), a report a minute
    events = [signing.sign_event({"seal_id": f"BULK-{i:05d}", "seq": s, "device_time": at(100 - s),
                                  "received_at": at(100 - s - 0.1), "lat": -37.8136, "lon": 144.9631,
                                  "status": "sealed", "battery": 80}, signing.simulated_key(f"BULK-{i:05d}"))
              for i in range(seals) for s in range(40)]  # 20,000 events of 500 seals
    with keys.client(keys.create("officer", ECONOMY)) as c:
        r = c.post("/api/v1/seal-events", json=events)
        assert r.status_code == 200, r.text[:300]
        assert r.json()["stored"] == len(events) and r.json()["alerts"] == []
        again = c.post("/api/v1/seal-events", json=events).json()
    assert again["stored"] == 0 and again["duplicates"] == len(events)
