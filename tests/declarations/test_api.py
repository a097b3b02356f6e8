"""Lodging, reading, listing, cancelling and amending declarations over real HTTP, on both backends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from clearway.declarations.core import mrn_is_valid
from clearway.declarations.models import Declaration, DeclarationVersion, StatusEvent
from tests.declarations.support import PARTY, count, doc
from tests.support import example


def test_lodge_registers_an_mrn_and_keeps_history(db, broker):
    before = datetime.now(UTC)
    r = broker.post("/api/v1/declarations", json=doc())
    after = datetime.now(UTC)
    assert r.status_code == 201, r.text
    body = r.json()
    assert mrn_is_valid(body["mrn"]) and body["mrn"][2:7] == "AUSYD"
    # the MRN's year is the year of acceptance (read from the answer: a test at midnight on
    # 31 December would otherwise compare with the next year)
    accepted = datetime.fromisoformat(body["accepted_at"].replace("Z", "+00:00"))
    assert body["mrn"][:2] == f"{accepted.year % 100:02d}"
    assert body["status"] == "accepted" and body["version"] == 1
    assert body["declaration"]["items"][0]["value"] == "850"
    assert r.headers["location"] == f"/api/v1/declarations/{body['mrn']}"
    got = broker.get(f"/api/v1/declarations/{body['mrn']}").json()
    assert got["history"] == [{"from_status": None, "to_status": "accepted", "at": got["history"][0]["at"],
                               "actor": got["history"][0]["actor"], "reason": "lodged"}]
    assert got["history"][0]["actor"].startswith(f"declarant:AU:{PARTY}")
    at = datetime.fromisoformat(got["accepted_at"].replace("Z", "+00:00"))
    assert at.tzinfo is not None and before <= at <= after


def test_same_lrn_same_content_is_idempotent_other_content_conflicts(db, broker):
    first = broker.post("/api/v1/declarations", json=doc())
    again = broker.post("/api/v1/declarations", json=doc(freight=120))  # 120 == "120.00"
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["mrn"] == first.json()["mrn"]
    clash = broker.post("/api/v1/declarations", json=doc(freight="121.00"))
    assert clash.status_code == 409
    assert clash.headers["content-type"] == "application/problem+json"
    assert first.json()["mrn"] in clash.json()["detail"] and clash.json()["mrn"] == first.json()["mrn"]
    assert count(db) == 1


def test_lrn_is_unique_per_declarant_not_globally(db, keys, broker):
    other = keys.client(keys.create("declarant", "AU", "AU-ABN-99888777666"))
    d = doc()
    d["declarant"] = {"id": "AU-ABN-99888777666", "name": "Other Brokers"}
    assert broker.post("/api/v1/declarations", json=doc()).status_code == 201
    assert other.post("/api/v1/declarations", json=d).status_code == 201
    assert count(db) == 2


@pytest.mark.parametrize("change,path,words", [
    ({"items": [{**example("declaration-au-oranges.json")["items"][0], "hs_code": "080519"}]},
     "items[0].hs_code", "nearest valid codes: 080510"),
    ({"currency": "XYZ"}, "currency", "ISO 4217"),
    ({"office": "NZAKL"}, "office", "office of NZ, not of AU"),
    ({"office": "ZZZZZ"}, "office", "not a known customs office"),
    ({"exporter": {"name": "X", "country": "QQ"}}, "exporter.country", "ISO 3166-1"),
    ({"items": [{**example("declaration-au-oranges.json")["items"][0], "quantity": "-1"}]},
     "items[0].quantity", "more than 0"),
    ({"items": [{**example("declaration-au-oranges.json")["items"][0], "value": 0}]},
     "items[0].value", "more than 0"),
    ({"items": [{**example("declaration-au-oranges.json")["items"][0], "net_weight_kg": "2000"}]},
     "items[0].net_weight_kg", "above gross"),
    ({"transport": {"mode": "sea", "arrival": "2026-11-28T10:00:00"}}, "transport.arrival", "timezone"),
    ({"transport": {"mode": "sea", "arrival": "tomorrow"}}, "transport.arrival", "date-time"),
    ({"freight": "NaN"}, "freight", ""),
    ({"lrn": ""}, "lrn", ""),
])
def test_bad_fields_are_refused_by_name_and_nothing_is_stored(db, broker, change, path, words):
    r = broker.post("/api/v1/declarations", json=doc(**change))
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    problem = r.json()
    assert problem["status"] == 422 and problem["title"]
    reasons = {e["path"]: e["reason"] for e in problem["errors"]}
    assert path in reasons, reasons
    assert words in reasons[path]
    assert count(db) == 0 and count(db, StatusEvent) == 0


def test_malformed_json_and_oversized_bodies(db, broker):
    r = broker.post("/api/v1/declarations", content=b'{"lrn": "X", ', headers={"content-type": "application/json"})
    assert r.status_code == 400 and r.json()["title"] == "Malformed JSON"
    big = doc(documents=[{"type": "invoice", "reference": "x" * 70}] * 20000)  # ~1.9 MB
    r = broker.post("/api/v1/declarations", json=big)
    assert r.status_code == 413 and "limit" in r.json()["detail"]

    def chunks():  # streamed without a length: refused as it crosses the limit
        yield b'{"lrn": "'
        for _ in range(2000):
            yield b"x" * 1000
    r = broker.post("/api/v1/declarations", content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413
    assert count(db) == 0


def test_keys_roles_and_visibility(db, keys, http, broker):
    assert http.get("/api/v1/declarations").status_code == 401
    assert http.get("/api/v1/declarations", headers={"Authorization": "Bearer cw_nope"}).status_code == 401
    mrn = broker.post("/api/v1/declarations", json=doc()).json()["mrn"]

    stranger = keys.client(keys.create("declarant", "AU", "AU-ABN-55555555555"))
    r = stranger.post("/api/v1/declarations", json=doc(lrn="X-1"))  # declarant.id is not its party
    assert r.status_code == 403 and r.json()["errors"][0]["path"] == "declarant.id"
    assert stranger.get(f"/api/v1/declarations/{mrn}").status_code == 404
    assert stranger.get("/api/v1/declarations").json()["items"] == []

    nz_broker = keys.client(keys.create("declarant", "NZ", PARTY))
    assert nz_broker.post("/api/v1/declarations", json=doc(lrn="X-2")).status_code == 403
    assert nz_broker.get(f"/api/v1/declarations/{mrn}").status_code == 404

    au_officer = keys.client(keys.create("officer", "AU"))
    nz_officer = keys.client(keys.create("officer", "NZ"))
    admin = keys.client(keys.create("admin", "AU"))
    assert au_officer.get(f"/api/v1/declarations/{mrn}").json()["mrn"] == mrn
    assert nz_officer.get(f"/api/v1/declarations/{mrn}").status_code == 404
    assert [d["id"] for d in au_officer.get("/api/v1/declarations").json()["items"]] == [mrn]
    assert nz_officer.get("/api/v1/declarations").json()["items"] == []
    assert admin.get(f"/api/v1/declarations/{mrn}").status_code == 200
    assert au_officer.post("/api/v1/declarations", json=doc(lrn="X-3")).status_code == 403
    assert count(db) == 1
    # reference data is readable by any key
    assert nz_officer.get("/api/v1/reference/hs/080510").json()["chapter"]["code"] == "08"


def test_list_filters_and_pages(db, broker):
    mrns = []
    for i in range(7):
        office = "AUMEL" if i % 2 else "AUSYD"
        mrns.append(broker.post("/api/v1/declarations", json=doc(lrn=f"L-{i}", office=office)).json()["mrn"])
    broker.post(f"/api/v1/declarations/{mrns[0]}/cancel", json={"reason": "duplicate"})
    seen, cursor = [], None
    while True:
        page = broker.get("/api/v1/declarations", params={"limit": 3, **({"after": cursor} if cursor else {})}).json()
        seen += [d["id"] for d in page["items"]]
        cursor = page["next"]
        if not cursor:
            break
    assert seen == list(reversed(mrns))
    mel = broker.get("/api/v1/declarations", params={"office": "AUMEL"}).json()["items"]
    assert {d["id"] for d in mel} == {mrns[i] for i in (1, 3, 5)}
    cancelled = broker.get("/api/v1/declarations", params={"status": "cancelled"}).json()["items"]
    assert [d["id"] for d in cancelled] == [mrns[0]]
    # relative to the acceptance times the server recorded, not to the test's clock
    times = [datetime.fromisoformat(d["accepted_at"]) for d in broker.get(
        "/api/v1/declarations", params={"limit": 50}).json()["items"]]
    future = (max(times) + timedelta(seconds=1)).isoformat()
    assert broker.get("/api/v1/declarations", params={"accepted_from": future}).json()["items"] == []
    past = min(times).isoformat()
    assert len(broker.get("/api/v1/declarations", params={"accepted_from": past, "limit": 50}).json()["items"]) == 7
    r = broker.get("/api/v1/declarations", params={"accepted_from": "2026-01-01T00:00:00"})
    assert r.status_code == 422 and r.json()["errors"][0]["path"] == "query.accepted_from"
    assert broker.get("/api/v1/declarations", params={"status": "lost"}).status_code == 422


def test_cancel_only_before_release(db, broker):
    mrn = broker.post("/api/v1/declarations", json=doc()).json()["mrn"]
    r = broker.post(f"/api/v1/declarations/{mrn}/cancel", json={"reason": "goods not shipped"})
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    assert [h["to_status"] for h in r.json()["history"]] == ["accepted", "cancelled"]
    again = broker.post(f"/api/v1/declarations/{mrn}/cancel")
    assert again.status_code == 409 and "cancelled" in again.json()["detail"]


def test_amendment_keeps_previous_version(db, broker):
    mrn = broker.post("/api/v1/declarations", json=doc()).json()["mrn"]
    r = broker.post(f"/api/v1/declarations/{mrn}/amendments",
                    json={"reason": "freight invoice corrected", "changes": {"freight": "130.00"}})
    assert r.status_code == 201, r.text
    assert r.json()["version"] == 2 and r.json()["declaration"]["freight"] == "130"
    versions = broker.get(f"/api/v1/declarations/{mrn}/versions").json()
    assert [(v["version"], v["declaration"]["freight"]) for v in versions] == [(1, "120"), (2, "130")]
    assert versions[1]["reason"] == "freight invoice corrected"
    # the original request retried after the amendment is still the same lodgement
    assert broker.post("/api/v1/declarations", json=doc()).status_code == 200

    bad = broker.post(f"/api/v1/declarations/{mrn}/amendments",
                      json={"reason": "x", "changes": {"items": [{"hs_code": "999999"}]}})
    assert bad.status_code == 422 and any(e["path"].startswith("changes.items[0]") for e in bad.json()["errors"])
    fixed = broker.post(f"/api/v1/declarations/{mrn}/amendments", json={"reason": "x", "changes": {"lrn": "NEW"}})
    assert fixed.status_code == 422 and fixed.json()["errors"][0]["path"] == "changes.lrn"
    assert count(db, DeclarationVersion) == 2
    broker.post(f"/api/v1/declarations/{mrn}/cancel")
    late = broker.post(f"/api/v1/declarations/{mrn}/amendments", json={"reason": "x", "changes": {"freight": "1"}})
    assert late.status_code == 409


def test_amending_an_assessed_declaration_sends_it_back_for_assessment(db, broker):
    from clearway.db import transaction
    from clearway.declarations import service

    mrn = broker.post("/api/v1/declarations", json=doc()).json()["mrn"]
    with transaction(db.factory) as s:
        row = s.scalars(select(Declaration).where(Declaration.mrn == mrn)).one()
        service.transition(s, row=row, to_status="assessed", actor="test")
    r = broker.post(f"/api/v1/declarations/{mrn}/amendments", json={"reason": "value", "changes": {"insurance": "12"}})
    assert r.json()["status"] == "accepted"
    assert [h["to_status"] for h in r.json()["history"]] == ["accepted", "assessed", "accepted"]


def test_reference_endpoints(db, keys, http):
    c = keys.client(keys.create("officer", "TH"))
    found = c.get("/api/v1/reference/hs", params={"q": "fresh oranges"}).json()
    assert found[0]["code"] == "080510"
    one = c.get("/api/v1/reference/hs/080510").json()
    assert one["heading"]["code"] == "0805" and one["section"]["numeral"] == "II"
    missing = c.get("/api/v1/reference/hs/080519")
    assert missing.status_code == 404 and "080510" in missing.json()["detail"]
    assert len(c.get("/api/v1/reference/economies").json()) == 21
    assert {o["code"] for o in c.get("/api/v1/reference/offices", params={"economy": "TH"}).json()} >= {"THLCH", "THBKK"}
    assert http.get("/api/v1/reference/hs", params={"q": "x"}).status_code == 401


def test_concurrent_lodging_of_one_lrn_stores_it_once(db, keys):
    from concurrent.futures import ThreadPoolExecutor

    key = keys.create("declarant", "AU", PARTY)
    clients = [keys.client(key) for _ in range(8)]
    with ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(lambda c: c.post("/api/v1/declarations", json=doc()), clients))
    assert sorted(r.status_code for r in codes) == [200] * 7 + [201]
    assert len({r.json()["mrn"] for r in codes}) == 1
    assert count(db) == 1


def test_concurrent_lodging_gives_distinct_consecutive_mrns(db, keys):
    from concurrent.futures import ThreadPoolExecutor

    key = keys.create("declarant", "AU", PARTY)
    with ThreadPoolExecutor(6) as pool:
        codes = list(pool.map(lambda i: keys.client(key).post("/api/v1/declarations", json=doc(lrn=f"C-{i}")),
                              range(30)))
    assert all(r.status_code == 201 for r in codes), [r.text for r in codes if r.status_code != 201][:2]
    numbers = sorted(int(r.json()["mrn"][7:15]) for r in codes)
    assert numbers == list(range(1, 31))


def test_an_lrn_lodged_meanwhile_by_another_transaction_answers_that_declaration_and_writes_nothing(
        db, keys, monkeypatch):
    """The moment between lodging's LRN lookup and its insert (two requests of one LRN at once, PostgreSQL): the
    insert writes nothing (ON CONFLICT DO NOTHING, no savepoint) and the answer is the declaration lodged first,
    or 409 when its content differs."""
    from clearway.db import transaction
    from clearway.declarations import service, store
    from clearway.declarations.models import DeclarationItem
    from clearway.declarations.schemas import DeclarationIn
    from clearway.errors import Conflict
    from clearway.validation import parse

    who = keys.principal("declarant", "AU", PARTY)
    monkeypatch.setattr(service, "utcnow", lambda: datetime(2026, 12, 4, 12, tzinfo=UTC))  # one year's counter
    with transaction(db.factory) as s:
        first, created = service.lodge(s, principal=who, decl=parse(DeclarationIn, doc(lrn="RACE-1")))
    assert created
    real, calls = store.by_lrn, []

    def missed_first(*a, **k):  # each lodgement's first lookup ran before the other one committed
        calls.append(a)
        return None if len(calls) == 1 else real(*a, **k)

    # SQLite looks the LRN up before the insert (made to miss it here); PostgreSQL finds it by the insert alone, so
    # this is also how it answers a declaration lodged again.
    if db.backend != "postgresql":
        monkeypatch.setattr(store, "by_lrn", missed_first)
    with transaction(db.factory) as s:
        again, created = service.lodge(s, principal=who, decl=parse(DeclarationIn, doc(lrn="RACE-1")))
        assert (again.id, again.mrn, created) == (first.id, first.mrn, False)
    calls.clear()
    with pytest.raises(Conflict, match=f"with different content; use a new LRN or amend {first.mrn}"), \
            transaction(db.factory) as s:
        service.lodge(s, principal=who, decl=parse(DeclarationIn, doc(lrn="RACE-1", office="AUMEL")))
    with db.factory() as s:
        assert count(db) == 1
        assert len(s.scalars(select(DeclarationItem.id)).all()) == len(doc()["items"])
        assert len(s.scalars(select(StatusEvent.id)).all()) == 1
    with transaction(db.factory) as s:  # the lodgements that did not happen drew no number (it is drawn after the insert)
        nxt, _ = service.lodge(s, principal=who, decl=parse(DeclarationIn, doc(lrn="RACE-2")))
    assert int(nxt.mrn[7:15]) == int(first.mrn[7:15]) + 1
