"""Idempotency-Key over real HTTP, on SQLite and PostgreSQL: a retry answers the first answer and stores
nothing twice; another body under the same key is refused; keys are per API key; bad keys are refused."""

import json
from pathlib import Path
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import func, select

from clearway.db import transaction
from clearway.declarations.models import Declaration
from clearway.idempotency import core, service
from clearway.idempotency.models import IdempotencyKey
from clearway.payments.models import DeferredAccount, Payment
from tests.support import example
from tests.tariff.support import DECLARANT, lodge

DUE = "491.13"  # the AU T-shirts example (see tests/tariff/test_clearance_api.py)
KEY = "Idempotency-Key"


@pytest.fixture
def people(server, keys):
    clients = {name: keys.client(keys.create(role, economy, party)) for name, (role, economy, party) in {
        "declarant": ("declarant", "AU", DECLARANT), "other": ("declarant", "AU", "AU-ABN-99999999999"),
        "officer": ("officer", "AU", None)}.items()}
    yield clients
    for c in clients.values():
        c.close()


def _count(db, stmt):
    with db.factory() as s:
        return s.scalar(stmt)


def test_a_retried_payment_answers_the_original_receipt_and_pays_once(people, db):
    declarant = people["declarant"]
    mrn = lodge(declarant)
    assert declarant.post(f"/api/v1/declarations/{mrn}/assessment").status_code == 201
    ref = declarant.post(f"/api/v1/declarations/{mrn}/payment-reference").json()["reference"]
    pay = {"currency": "AUD", "method": "bank_transfer", "reference": ref, "amount": DUE}
    url = f"/api/v1/declarations/{mrn}/payments"

    first = declarant.post(url, json=pay, headers={KEY: "pay-491-13"})
    assert first.status_code == 201, first.text
    assert first.headers.get("idempotent-replayed") is None
    again = declarant.post(url, json=pay, headers={KEY: "pay-491-13"})
    assert again.status_code == 201, again.text
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json() and again.json()["receipt"] and again.json()["status"] == "released"
    assert again.headers["content-type"] == first.headers["content-type"]
    assert _count(db, select(func.count()).select_from(Payment)) == 1
    # Without the key, the same bank reference and amount is the same payment sent again (issue 18's faults):
    # the first receipt, still one payment; another amount on that reference is refused, the duties are paid.
    resent = declarant.post(url, json=pay)
    assert (resent.status_code, resent.json()["receipt"]) == (201, first.json()["receipt"])
    assert resent.headers.get("idempotent-replayed") is None
    assert declarant.post(url, json={**pay, "amount": "1.00"}).status_code == 409
    assert _count(db, select(func.count()).select_from(Payment)) == 1


def test_a_declaration_lodged_twice_with_one_key_has_one_mrn_and_one_row(people, db):
    body = {**example("tariff-au-tshirts.json"), "lrn": "ACME-IDEM-1"}
    first = people["declarant"].post("/api/v1/declarations", json=body, headers={KEY: '"lodge-ACME-IDEM-1"'})
    again = people["declarant"].post("/api/v1/declarations", json=body, headers={KEY: '"lodge-ACME-IDEM-1"'})
    assert (first.status_code, again.status_code) == (201, 201), again.text
    assert again.json()["mrn"] == first.json()["mrn"] and again.headers["location"] == first.headers["location"]
    assert again.headers["idempotent-replayed"] == "true"
    assert _count(db, select(func.count()).select_from(Declaration).where(Declaration.lrn == "ACME-IDEM-1")) == 1


def test_the_same_key_with_another_body_is_refused_naming_the_header(people, db):
    body = {**example("tariff-au-tshirts.json"), "lrn": "ACME-IDEM-2"}
    assert people["declarant"].post("/api/v1/declarations", json=body, headers={KEY: "k-2"}).status_code == 201
    other = people["declarant"].post("/api/v1/declarations", json={**body, "lrn": "ACME-IDEM-3"},
                                     headers={KEY: "k-2"})
    assert other.status_code == 422 and other.headers["content-type"] == "application/problem+json"
    assert other.json()["errors"] == [{"path": KEY, "reason": "used before with another request"}]
    assert "POST /api/v1/declarations" in other.json()["detail"]
    assert _count(db, select(func.count()).select_from(Declaration).where(Declaration.lrn == "ACME-IDEM-3")) == 0


def test_keys_are_per_api_key_another_partys_same_key_is_another_key(people, db):
    mine = {**example("tariff-au-tshirts.json"), "lrn": "ACME-IDEM-4"}
    theirs = {**mine, "declarant": {**mine["declarant"], "id": "AU-ABN-99999999999"}}
    a = people["declarant"].post("/api/v1/declarations", json=mine, headers={KEY: "shared"})
    b = people["other"].post("/api/v1/declarations", json=theirs, headers={KEY: "shared"})
    assert (a.status_code, b.status_code) == (201, 201), b.text
    assert a.json()["mrn"] != b.json()["mrn"] and "idempotent-replayed" not in b.headers
    assert _count(db, select(func.count()).select_from(Declaration)) == 2


def test_a_refused_request_frees_its_key_for_the_corrected_retry(people, db):
    declarant = people["declarant"]
    mrn = lodge(declarant)
    declarant.post(f"/api/v1/declarations/{mrn}/assessment")
    ref = declarant.post(f"/api/v1/declarations/{mrn}/payment-reference").json()["reference"]
    pay = {"currency": "AUD", "method": "bank_transfer", "reference": ref}
    url = f"/api/v1/declarations/{mrn}/payments"
    under = declarant.post(url, json={**pay, "amount": "491.12"}, headers={KEY: "pay-try"})
    assert under.status_code == 422 and "under-payment" in under.json()["detail"]
    right = declarant.post(url, json={**pay, "amount": DUE}, headers={KEY: "pay-try"})
    assert right.status_code == 201 and "idempotent-replayed" not in right.headers, right.text
    assert _count(db, select(func.count()).select_from(Payment)) == 1


@pytest.mark.parametrize("value,reason", [
    (b"", "is empty"),
    (b"k" * 256, "at most 255"),
    ("cl\u00e9".encode(), "outside printable ASCII"),
])
def test_bad_keys_are_refused_400_naming_the_header(people, db, value, reason):
    body = {**example("tariff-au-tshirts.json"), "lrn": "ACME-IDEM-5"}
    r = people["declarant"].post("/api/v1/declarations", json=body, headers={KEY: value})
    assert r.status_code == 400 and r.headers["content-type"] == "application/problem+json", r.text
    [error] = r.json()["errors"]
    assert error["path"] == KEY and reason in error["reason"]
    assert _count(db, select(func.count()).select_from(Declaration)) == 0


def test_concurrent_requests_with_one_key_store_one_account(people, db, server):
    # Opening a deferred account has no reference of its own: without the key, each request opens one.
    body = json.dumps({"holder": DECLARANT, "credit_limit": "700.00"}).encode()
    officer_key = people["officer"].headers["authorization"]

    def post(_: int) -> httpx.Response:
        with httpx.Client(base_url=server.url, timeout=60) as c:
            return c.post("/api/v1/payments/deferred-accounts", content=body,
                          headers={"Authorization": officer_key, "Content-Type": "application/json", KEY: "acc-1"})

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(post, range(8)))
    statuses = sorted(a.status_code for a in answers)
    assert set(statuses) <= {201, 409} and 201 in statuses, [a.text for a in answers]
    created = {a.json()["number"] for a in answers if a.status_code == 201}
    assert len(created) == 1
    for a in answers:
        if a.status_code == 409:
            assert a.json()["errors"] == [{"path": KEY, "reason": "request in flight"}]
    assert _count(db, select(func.count()).select_from(DeferredAccount)) == 1
    # Once the first is done, every retry hears its answer.
    late = post(9)
    assert late.status_code == 201 and late.json()["number"] in created and late.headers["idempotent-replayed"]


def test_openapi_declares_the_header_on_creating_posts_only(http):
    paths = http.get("/openapi.json").json()["paths"]

    def header_on(path: str, method: str) -> bool:
        return any(p["in"] == "header" and p["name"] == KEY for p in paths[path][method].get("parameters", []))

    assert header_on("/api/v1/declarations/{mrn}/payments", "post")
    assert header_on("/api/v1/declarations", "post")
    assert header_on("/api/v1/declarations/batch", "post")
    assert not header_on("/api/v1/declarations", "get")
    assert not header_on("/api/v1/declarations/{mrn}/cancel", "post")


def test_expired_keys_are_purged_and_free_again_with_a_fixed_clock(db):
    t0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    day = timedelta(hours=24)
    claim = dict(principal="declarant:AU:X#1", key="k", method="POST", route="POST /api/v1/declarations",
                 fingerprint="F", ttl=day)
    with transaction(db.factory) as s:
        decision, row = service.claim(s, now=t0, **claim)
        assert decision == core.CLAIM
        assert service.mark(s, key_id=row.id, token=row.token)
        assert service.complete(s, key_id=row.id, token=row.token, status=201, headers=[], body=b"{}")
    with transaction(db.factory) as s:
        assert service.claim(s, now=t0 + day - timedelta(seconds=1), **{**claim, "fingerprint": "G"})[0] \
            == core.MISMATCH
        assert service.purge(s, now=t0 + day - timedelta(seconds=1)) == 0
    with transaction(db.factory) as s:
        assert service.purge(s, now=t0 + day) == 1
    assert _count(db, select(func.count()).select_from(IdempotencyKey)) == 0
    with transaction(db.factory) as s:  # after expiry the key serves a new request
        assert service.claim(s, now=t0 + day, **{**claim, "fingerprint": "G"})[0] == core.CLAIM


def test_a_claim_taken_over_after_its_lease_can_no_longer_mark_the_key(db):
    t0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    claim = dict(principal="officer:AU#2", key="k", method="POST", route="POST /api/v1/payments/guarantees",
                 fingerprint="F", ttl=timedelta(hours=24))
    with transaction(db.factory) as s:
        _, first = service.claim(s, now=t0, **claim)
        first_id, first_token = first.id, first.token
    with transaction(db.factory) as s:
        assert service.claim(s, now=t0 + core.LEASE / 2, **claim)[0] == core.IN_FLIGHT
        decision, second = service.claim(s, now=t0 + core.LEASE, **claim)
        assert decision == core.CLAIM and second.id == first_id and second.token != first_token
    with transaction(db.factory) as s:
        assert not service.mark(s, key_id=first_id, token=first_token)
        assert service.mark(s, key_id=first_id, token=second.token)


def test_every_route_that_declares_the_header_honours_it():
    import importlib
    import pkgutil

    import clearway.api
    from clearway.api.idempotent import IdempotentRoute, covered

    declared = []
    for mod in pkgutil.iter_modules(clearway.api.__path__):
        router = getattr(importlib.import_module(f"clearway.api.{mod.name}"), "router", None)
        for route in getattr(router, "routes", []):
            if covered(route):
                declared.append(route.path)
                assert isinstance(route, IdempotentRoute), f"{route.path}: its router needs route_class=IdempotentRoute"
    assert "/api/v1/declarations/{mrn}/payments" in declared and len(declared) >= 20
    assert "/api/v1/declarations" in declared  # (lodging: IDEMPOTENT_HEADER among its documented parameters)


def test_every_route_that_honours_the_header_documents_it_alike():
    """Whether by the dependency or by the parameter a route documents itself (lodging), the OpenAPI document
    names the header on each route that honours it, with the same description and schema."""
    import importlib
    import pkgutil

    import clearway.api
    from clearway.api.idempotent import covered
    from clearway.app import create_app
    from clearway.config import Settings

    paths = create_app(Settings(data_dir=Path("/nonexistent"), database_url="sqlite://")).openapi()["paths"]
    documented = {}
    for mod in pkgutil.iter_modules(clearway.api.__path__):
        router = getattr(importlib.import_module(f"clearway.api.{mod.name}"), "router", None)
        for route in [r for r in getattr(router, "routes", []) if covered(r)]:
            for method in route.methods:
                params = paths[route.path_format][method.lower()].get("parameters", [])
                documented[f"{method} {route.path_format}"] = [p for p in params if p["name"] == KEY]
    assert "POST /api/v1/declarations" in documented and len(documented) >= 20
    first = documented["POST /api/v1/declarations/{mrn}/payments"]
    assert len(first) == 1 and first[0]["in"] == "header" and "retry safe" in first[0]["description"]
    assert all(params == first for params in documented.values())


def test_a_retried_batch_answers_its_first_stream_and_lodges_nothing_twice(people, db):
    base = example("tariff-au-tshirts.json")
    lines = b"".join(json.dumps({**base, "lrn": f"ACME-BATCH-{n}"}).encode() + b"\n" for n in (1, 2))
    post = dict(content=lines, headers={KEY: "batch-1", "Content-Type": "application/x-ndjson"})
    first = people["declarant"].post("/api/v1/declarations/batch", **post)
    again = people["declarant"].post("/api/v1/declarations/batch", **post)
    assert (first.status_code, again.status_code) == (200, 200), again.text
    assert again.headers["idempotent-replayed"] == "true" and again.content == first.content
    assert [json.loads(x)["outcome"] for x in first.content.splitlines()] == ["accepted", "accepted"]
    assert _count(db, select(func.count()).select_from(Declaration)) == 2


def test_the_work_is_rolled_back_when_its_key_cannot_be_marked(db):
    from clearway.api.deps import Context
    from clearway.api.idempotent import Claim, JoinedContext
    from clearway.db import Counter
    from clearway.errors import Conflict

    t0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    with transaction(db.factory) as s:
        _, row = service.claim(s, principal="officer:AU#3", key="k", method="POST", route="POST /x",
                               fingerprint="F", now=t0, ttl=timedelta(hours=24))
        key_id, token = row.id, row.token
    taken_over = JoinedContext(Context(db.factory), Claim(key_id=key_id, token="someone-else"))
    with pytest.raises(Conflict), taken_over.uow() as s:
        s.add(Counter(name="idem-test", value=1))
    assert _count(db, select(func.count()).select_from(Counter).where(Counter.name == "idem-test")) == 0
    holder = JoinedContext(Context(db.factory), Claim(key_id=key_id, token=token))
    with holder.uow() as s:
        s.add(Counter(name="idem-test", value=1))
    assert holder.claim.marked
    with db.factory() as s:
        assert s.get(IdempotencyKey, key_id).state == "committed"
        assert s.get(Counter, "idem-test").value == 1


@pytest.mark.parametrize("cut_off", ["before the work committed", "after the work committed"])
def test_a_request_cut_off_by_a_crash_is_never_carried_out_twice(keys, server, db, monkeypatch, cut_off):
    # The state a SIGKILL leaves, made by hand: the claim committed, then (or not) the work with its mark,
    # and never the answer.
    from clearway.api import idempotent
    from clearway.auth.service import authenticate
    from clearway.db import utcnow

    key = keys.create("officer", "AU")
    with db.factory() as s:
        actor = authenticate(s, key).actor
    url, body = "/api/v1/payments/deferred-accounts", json.dumps({"holder": DECLARANT, "credit_limit": "700.00"})
    fp = core.fingerprint(method="POST", path=url, query="", content_type="application/json", body=body.encode())
    with transaction(db.factory) as s:
        _, row = service.claim(s, principal=actor, key="cut", method="POST", route="POST " + url, fingerprint=fp,
                               now=utcnow(), ttl=timedelta(hours=24))
        if cut_off == "after the work committed":
            assert service.mark(s, key_id=row.id, token=row.token)
    client = keys.client(key)
    headers = {KEY: "cut", "Content-Type": "application/json"}

    soon = client.post(url, content=body, headers=headers)
    assert soon.status_code == 409 and soon.json()["errors"] == [{"path": KEY, "reason": "request in flight"}]
    later = utcnow() + core.LEASE + timedelta(seconds=1)
    monkeypatch.setattr(idempotent, "clock", lambda: later)
    retry = client.post(url, content=body, headers=headers)
    if cut_off == "before the work committed":  # nothing of it was stored: the retry carries it out, once
        assert retry.status_code == 201 and "idempotent-replayed" not in retry.headers, retry.text
        assert client.post(url, content=body, headers=headers).headers["idempotent-replayed"] == "true"
        assert _count(db, select(func.count()).select_from(DeferredAccount)) == 1
    else:  # done, answer lost: never done again
        assert retry.status_code == 409 and retry.json()["errors"] == [{"path": KEY, "reason": "carried out; answer lost"}]
        assert _count(db, select(func.count()).select_from(DeferredAccount)) == 0
    client.close()
