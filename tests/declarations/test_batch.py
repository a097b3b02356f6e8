"""Lodging fast and in batches, over real HTTP and the command line, on both backends: the least answer
(RFC 7240 `Prefer: return=minimal`), JSON Lines batches where each line is lodged or refused on its own and
a refused line leaves nothing, and `clearway submit --batch`."""

from __future__ import annotations

import json

from sqlalchemy import select

from clearway.audit.models import AuditEvent
from clearway.declarations.core import mrn_is_valid
from clearway.declarations.models import DeclarationItem, StatusEvent
from clearway.flows import preparing
from tests.cli_support import run
from tests.declarations.support import PARTY, count, doc


def test_prefer_return_minimal_answers_mrn_and_status_only(db, broker):
    r = broker.post("/api/v1/declarations", json=doc(), headers={"Prefer": "respond-async, return=minimal"})
    assert r.status_code == 201, r.text
    assert r.headers["preference-applied"] == "return=minimal"
    body = r.json()
    assert set(body) == {"id", "mrn", "status"} and body["status"] == "accepted" and mrn_is_valid(body["mrn"])
    assert r.headers["location"] == f"/api/v1/declarations/{body['mrn']}"
    again = broker.post("/api/v1/declarations", json=doc(), headers={"Prefer": 'return="minimal"'})
    assert (again.status_code, again.json()["mrn"]) == (200, body["mrn"])
    # RFC 7240 section 2: preferences may come in several Prefer headers.
    two = broker.post("/api/v1/declarations", json=doc(lrn="TWO-1"),
                      headers=[("Prefer", "respond-async"), ("Prefer", "return=minimal")])
    assert two.status_code == 201 and set(two.json()) == {"id", "mrn", "status"}
    full = broker.post("/api/v1/declarations", json=doc(lrn="FULL-1"))
    assert full.status_code == 201 and full.json()["history"][0]["to_status"] == "accepted"
    assert "preference-applied" not in full.headers
    # The rows written as SQL read back through the models as any other declaration.
    read = broker.get(f"/api/v1/declarations/{body['mrn']}").json()
    assert read["declaration"]["lrn"] == doc()["lrn"] and len(read["history"]) == 1
    assert count(db, DeclarationItem) == 3 * len(doc()["items"]) and count(db, StatusEvent) == 3


def test_a_batch_lodges_or_refuses_each_line_alone_in_order(db, broker):
    lines = [json.dumps(doc(lrn="B-1")),
             "{not json",
             json.dumps(doc(lrn="B-2", currency="XYZ")),
             "",
             json.dumps(doc(lrn="B-1")),  # the same again: idempotent
             json.dumps(doc(lrn="B-1", office="AUMEL")),  # the same LRN, other content
             json.dumps(doc(lrn="B-3", consignee={"name": "Bad\u202eName"})),
             json.dumps(doc(lrn="B-4"))]
    r = broker.post("/api/v1/declarations/batch", content="\n".join(lines).encode(),
                    headers={"Content-Type": "application/x-ndjson"})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/x-ndjson")
    results = [json.loads(x) for x in r.text.splitlines()]
    assert [(x["line"], x["outcome"]) for x in results] == [
        (1, "accepted"), (2, "refused"), (3, "refused"), (5, "already lodged"), (6, "refused"), (7, "refused"),
        (8, "accepted")]
    assert results[0]["mrn"] == results[3]["mrn"] and mrn_is_valid(results[6]["mrn"])
    assert results[2]["status"] == 422 and any(e["path"] == "currency" for e in results[2]["errors"])
    assert results[4]["status"] == 409 and results[5]["status"] == 422
    # Nothing of a refused line is stored: two declarations, and the audit events of those two alone.
    with db.factory() as s:
        audited = set(s.scalars(select(AuditEvent.entity_id).where(AuditEvent.entity_type == "declaration")))
    assert count(db) == 2 and audited == {results[0]["mrn"], results[6]["mrn"]}


def test_a_batch_over_ten_thousand_lines_is_refused_whole(db, broker):
    r = broker.post("/api/v1/declarations/batch", content=b"{}\n" * 10_001)
    assert r.status_code == 422 and "at most 10000" in r.json()["detail"]
    assert count(db) == 0


def test_submit_batch_locally_and_over_http(db, keys, tmp_path):
    key = keys.create("declarant", "AU", PARTY)
    path = tmp_path / "batch.jsonl"
    path.write_text("".join(json.dumps(doc(lrn=f"C-{i}")) + "\n" for i in range(3)) + "[1]\n")
    done = run(db, "submit", str(path), "--key", key, "--batch")
    assert done.returncode == 1 and "4 declarations: 3 accepted, 0 already lodged, 1 refused" in done.stdout
    assert count(db) == 3
    again = run(db, "submit", str(path), "--key", key, "--batch", "--url", keys.server_url)
    assert again.returncode == 1 and "4 declarations: 0 accepted, 3 already lodged, 1 refused" in again.stdout
    assert "line 4" in again.stdout and count(db) == 3


def test_a_batch_too_long_or_empty_is_refused_whole_before_any_line_is_lodged(db, broker, monkeypatch):
    from clearway.api import declarations_batch

    monkeypatch.setattr(declarations_batch, "MAX_LINES", 3)
    body = "\n".join(json.dumps(doc(lrn=f"L-{i}")) for i in range(4)).encode()
    r = broker.post("/api/v1/declarations/batch", content=body, headers={"Content-Type": "application/x-ndjson"})
    assert r.status_code in (400, 422) and "at most 3" in r.text and count(db) == 0
    r = broker.post("/api/v1/declarations/batch", content=b"\n  \n", headers={"Content-Type": "application/x-ndjson"})
    assert r.status_code in (400, 422) and "empty" in r.text and count(db) == 0
    lines = declarations_batch.lines_of(b'{"a": 1}\n\n[1]\n{bad\n')  # numbered as sent, read where made ready
    assert lines == [(1, b'{"a": 1}'), (3, b"[1]"), (4, b"{bad")]
    docs = [(n, preparing.document(raw)) for n, raw in lines]
    assert [(n, d if isinstance(d, dict) else d.split(":")[0]) for n, d in docs] == [
        (1, {"a": 1}), (3, "not a JSON object (one declaration per line)"), (4, "not JSON")]
