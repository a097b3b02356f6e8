"""No input produces a 500: random JSON, valid declarations with one field replaced by anything,
and raw bytes, posted over HTTP. Whatever is accepted must be valid."""

from __future__ import annotations

import copy
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clearway.declarations import core
from clearway.declarations.schemas import DeclarationIn
from clearway.validation import parse
from tests.support import example

BASE = example("declaration-au-oranges.json")
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12)
PATHS = ["lrn", "type", "economy", "office", "declarant", "declarant.id", "importer", "exporter.country",
         "transport", "transport.mode", "transport.containers", "transport.arrival", "incoterm", "currency",
         "freight", "insurance", "items", "items.0", "items.0.hs_code", "items.0.origin", "items.0.quantity",
         "items.0.value", "items.0.net_weight_kg", "documents", "documents.0.type"]
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))


def replaced(path: str, value):
    doc = copy.deepcopy(BASE)
    *parents, last = path.split(".")
    target = doc
    for p in parents:
        target = target[int(p)] if p.isdigit() else target[p]
    target[int(last) if last.isdigit() else last] = value
    return doc


@pytest.fixture
def client(keys):
    return keys.client(keys.create("declarant", "AU", "AU-ABN-11222333444"))


def check(response, sent=None):
    assert response.status_code < 500, response.text
    if response.status_code in (200, 201):
        assert core.check(parse(DeclarationIn, sent)) == []
    else:
        assert response.headers["content-type"] == "application/problem+json"


def test_field_replaced_by_anything(db, client):
    @FUZZ
    @given(st.sampled_from(PATHS), json_values, st.integers(0, 10**9))
    def run(path, value, n):
        doc = replaced(path, value)
        doc["lrn"] = doc["lrn"] if path == "lrn" else f"F-{n}"
        check(client.post("/api/v1/declarations", json=doc), doc)

    run()


def test_any_json_body(db, client):
    @FUZZ
    @given(json_values)
    def run(value):
        check(client.post("/api/v1/declarations", content=json.dumps(value),
                          headers={"content-type": "application/json"}))

    run()


def test_any_bytes_and_any_path_argument(db, client):
    @FUZZ
    @given(st.binary(max_size=200), st.text(st.characters(codec="utf-8", exclude_categories=["Cc", "Cs"],
                                                          exclude_characters="/?#%"), min_size=1, max_size=20))
    def run(raw, mrn):
        check(client.post("/api/v1/declarations", content=raw, headers={"content-type": "application/json"}))
        assert client.get(f"/api/v1/declarations/{mrn}").status_code < 500
        assert client.post(f"/api/v1/declarations/{mrn}/amendments", content=raw).status_code < 500

    run()
