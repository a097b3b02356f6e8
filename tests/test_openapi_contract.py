"""The OpenAPI document says what the API answers (issue 17): Bearer security on every keyed operation and on
no public one, every refusal as problem details, one schema per name with every reference resolving, typed
answers, examples from examples/; and the problem types it names are served, and are what refusals carry."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from clearway.app import create_app
from clearway.config import Settings
from clearway.errors import TYPES
from tests.support import example
from tests.test_access_matrix import MATRIX

PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def document() -> dict:
    app = create_app(Settings(data_dir=Path("/nonexistent"), database_url="sqlite://"))
    return json.loads(json.dumps(app.openapi()))


def operations(document: dict):
    for path, item in document["paths"].items():
        for method, op in item.items():
            yield method.upper(), path, op


def refs(node):
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield node["$ref"]
        for value in node.values():
            yield from refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from refs(value)


def test_bearer_security_on_keyed_operations_and_none_on_public_ones(document):
    assert document["components"]["securitySchemes"] == {"bearer": {
        "type": "http", "scheme": "bearer", "description": document["components"]["securitySchemes"]["bearer"][
            "description"]}}
    seen = 0
    for method, path, op in operations(document):
        rule = MATRIX[f"{method} {path}"]
        if rule.kind == "public":
            assert "security" not in op, f"{method} {path} is public"
            assert "401" not in op["responses"], f"{method} {path} is public: no 401"
        else:
            assert op.get("security") == [{"bearer": []}], f"{method} {path} needs a key"
            assert {"401", "403"} <= set(op["responses"]), f"{method} {path}"
            seen += 1
    assert seen > 60


def test_every_refusal_is_problem_details_and_fastapis_validation_error_is_gone(document):
    schemas = document["components"]["schemas"]
    assert "HTTPValidationError" not in schemas and "ValidationError" not in schemas
    assert schemas["ProblemDetails"]["required"] == ["type", "title", "status", "detail"]
    assert set(schemas["ProblemDetails"]["properties"]["type"]["enum"]) == {t.uri for t in TYPES} | {"about:blank"}
    for method, path, op in operations(document):
        refusals = {code: r for code, r in op["responses"].items() if code[0] in "45"}
        assert {"422", "429"} <= set(refusals), f"{method} {path}"
        if "requestBody" in op:
            assert "413" in refusals, f"{method} {path}"
        if "{" in path:
            assert "404" in refusals, f"{method} {path}"
        for code, response in refusals.items():
            if (path, code) == ("/readyz", "503"):
                assert response["content"]["application/json"]["schema"]["$ref"].endswith("/ReadyOut")
                continue
            assert response["content"] == {PROBLEM: {"schema": {"$ref": "#/components/schemas/ProblemDetails"}}}, \
                f"{method} {path} {code}"
    assert "HTTPValidationError" not in json.dumps(document)


def test_one_schema_per_name_and_every_reference_resolves(document):
    schemas = document["components"]["schemas"]
    assert len(schemas) > 80
    for name, schema in schemas.items():
        assert "__" not in name, f"{name}: a module path, not a name"
        assert schema.get("title", name) == name, f"{name} is titled {schema.get('title')}"
    found = set(refs(document))
    assert found, "no references at all?"
    for ref in found:
        assert ref.startswith("#/components/schemas/") and ref.rsplit("/", 1)[1] in schemas, ref
    # Every schema is used (nothing left over from FastAPI's defaults), except what only schemas reference.
    used = {ref.rsplit("/", 1)[1] for ref in found}
    assert set(schemas) - used == set()


def test_every_json_answer_is_typed_money_included(document):
    def typed(schema: dict) -> bool:
        if "$ref" in schema:
            return True
        if schema.get("type") == "array":
            return typed(schema.get("items", {}))
        return schema.get("type") == "object" and bool(schema.get("properties"))

    untyped = []
    for method, path, op in operations(document):
        for code, response in op["responses"].items():
            schema = response.get("content", {}).get("application/json", {}).get("schema")
            if code.startswith("2") and schema is not None and not typed(schema):
                untyped.append(f"{method} {path} {code}")
    assert untyped == []
    by_op = {f"{m} {p}": op for m, p, op in operations(document)}
    for name in ("POST /api/v1/declarations/{mrn}/assessment", "GET /api/v1/declarations/{mrn}/assessment"):
        assert by_op[name]["responses"]["2" + ("01" if name.startswith("POST") else "00")]["content"][
            "application/json"]["schema"] == {"$ref": "#/components/schemas/AssessmentOut"}
    for name, model in (("POST /api/v1/declarations/{mrn}/payments", "PaymentOut"),
                        ("POST /api/v1/assessments/quote", "QuoteOut"),
                        ("GET /api/v1/release/{code}", "ReleaseCheckOut")):
        success = next(r for c, r in by_op[name]["responses"].items() if c.startswith("2"))
        assert success["content"]["application/json"]["schema"] == {"$ref": f"#/components/schemas/{model}"}
    money = document["components"]["schemas"]["AssessmentOut"]["properties"]["total_due"]
    assert money["type"] == "string" and "pattern" in money


def test_the_main_request_bodies_carry_the_examples(document):
    body = document["paths"]["/api/v1/declarations"]["post"]["requestBody"]["content"]["application/json"]
    assert body["examples"]["declaration-au-oranges"]["value"] == example("declaration-au-oranges.json")
    assert body["examples"]["tariff-au-tshirts"]["value"] == example("tariff-au-tshirts.json")
    quote = document["paths"]["/api/v1/assessments/quote"]["post"]["requestBody"]["content"]["application/json"]
    assert quote["examples"]["tariff-jp-wine"]["value"] == example("tariff-jp-wine.json")


def test_refusals_carry_their_problem_type_and_each_type_is_documented(db, server, http, keys):
    for kind in TYPES:
        page = http.get(kind.uri)
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        assert f'id="{kind.kind}"' in page.text and kind.title in page.text and str(kind.status) in page.text
    index = http.get("/problems").text
    assert all(f'href="{kind.uri}"' in index for kind in TYPES)
    assert http.get("/problems/no-such-kind").status_code == 404

    def type_of(response) -> str:
        assert response.headers["content-type"] == PROBLEM, response.text
        return response.json()["type"]

    client = keys.client(keys.create("declarant", "AU", "AU-ABN-11222333444"))
    assert type_of(http.get("/api/v1/declarations")) == "/problems/unauthorized"
    assert type_of(client.get("/api/v1/declarations/26AUSYD000000420")) == "/problems/not-found"
    assert type_of(client.post("/api/v1/declarations", content=b"{", headers={"content-type": "application/json"})) \
        == "/problems/malformed-json"
    bad = example("declaration-au-oranges.json")
    bad["items"][0]["hs_code"] = "999999"
    assert type_of(client.post("/api/v1/declarations", json=bad)) == "/problems/invalid-input"
    assert type_of(client.get("/api/v1/alerts")) == "/problems/forbidden"
    lodged = client.post("/api/v1/declarations", json=example("declaration-au-oranges.json"))
    assert lodged.status_code == 201, lodged.text
    other = {**example("declaration-au-oranges.json"), "currency": "NZD"}
    assert type_of(client.post("/api/v1/declarations", json=other)) == "/problems/conflict"
    assert type_of(client.post("/api/v1/declarations", content=b"x" * (server.app.state.settings.max_body_bytes + 1),
                               headers={"content-type": "application/json"})) == "/problems/content-too-large"

