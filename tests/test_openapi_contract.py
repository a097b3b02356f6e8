"""The OpenAPI document says what the API answers (issue 17): Bearer security on every keyed operation and on
no public one, every refusal as problem details, one schema per name with every reference resolving, typed
answers, examples from examples/; and the problem types it names are served, and are what refusals carry.
A lodgement asked for `Prefer: return=minimal` (RFC 7240, docs/decisions.md) answers what the document says."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema_rs
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
        if schema.get("anyOf"):
            return all(typed(alternative) for alternative in schema["anyOf"])
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



def answer_schema(document: dict, method: str, path: str, status: int) -> jsonschema_rs.Validator:
    """A validator of the JSON answer an operation documents for a status (OpenAPI 3.1 schemas are JSON Schema
    2020-12; the document's components are where its references resolve)."""
    schema = document["paths"][path][method]["responses"][str(status)]["content"]["application/json"]["schema"]
    return jsonschema_rs.Draft202012Validator({**schema, "components": document["components"]})


MINIMAL = {"id": "26AUSYD00000042X", "mrn": "26AUSYD00000042X", "status": "accepted"}


def test_the_lodgement_documents_the_minimal_answer_beside_the_full_one(document):
    schemas = document["components"]["schemas"]
    lodge = document["paths"]["/api/v1/declarations"]["post"]
    assert any(p["name"] == "prefer" and p["in"] == "header" for p in lodge["parameters"])
    assert schemas["DeclarationLodged"]["anyOf"] == [{"$ref": "#/components/schemas/DeclarationOut"},
                                                     {"$ref": "#/components/schemas/DeclarationMinimal"}]
    # the members of both, for generators that read properties alone: what both require is required
    assert schemas["DeclarationLodged"]["required"] == ["id", "mrn", "status"]
    assert set(schemas["DeclarationLodged"]["properties"]) == set(schemas["DeclarationOut"]["properties"])
    assert schemas["DeclarationMinimal"]["required"] == ["id", "mrn", "status"]
    assert schemas["DeclarationMinimal"]["examples"] == [MINIMAL]
    for status in (201, 200):
        response = lodge["responses"][str(status)]
        assert response["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/DeclarationLodged"}
        assert "Preference-Applied" in response["headers"]
        assert answer_schema(document, "post", "/api/v1/declarations", status).is_valid(MINIMAL)
    # Without the minimal alternative the minimal answer is not what the document says (the check can fail).
    dropped = json.loads(json.dumps(document))
    dropped["components"]["schemas"]["DeclarationLodged"]["anyOf"].pop()
    assert not answer_schema(dropped, "post", "/api/v1/declarations", 201).is_valid(MINIMAL)
    # Every operation taking Prefer documents an answer the minimal one fits, and only those (the one today).
    preferring = [f"{m} {p}" for m, p, op in operations(document)
                  if any(x["name"].lower() == "prefer" for x in op.get("parameters", []))]
    assert preferring == ["POST /api/v1/declarations"]


def test_a_minimal_lodgement_answers_what_the_served_document_says(db, server, http, keys):
    document = http.get("/openapi.json").json()
    client = keys.client(keys.create("declarant", "AU", "AU-ABN-11222333444"))
    body = example("declaration-au-oranges.json")
    answers = {}
    for status in (201, 200):  # lodged, then the same lodged before
        r = client.post("/api/v1/declarations", json=body, headers={"Prefer": "return=minimal"})
        assert r.status_code == status, r.text
        assert r.headers["preference-applied"] == "return=minimal"
        assert r.headers["content-type"] == "application/json"
        answers[status] = r.json()
        validator = answer_schema(document, "post", "/api/v1/declarations", status)
        assert validator.is_valid(answers[status]), list(validator.iter_errors(answers[status]))
    assert set(answers[201]) == {"id", "mrn", "status"} and answers[201]["status"] == "accepted"
    assert answers[200] == answers[201] and r.headers["location"] == f"/api/v1/declarations/{answers[201]['mrn']}"
    full = client.post("/api/v1/declarations", json={**body, "lrn": "FULL-1"})
    assert full.status_code == 201 and "preference-applied" not in full.headers
    assert answer_schema(document, "post", "/api/v1/declarations", 201).is_valid(full.json())
    # The minimal answer is no full declaration: only the Minimal alternative takes it.
    out = jsonschema_rs.Draft202012Validator({"$ref": "#/components/schemas/DeclarationOut",
                                              "components": document["components"]})
    assert out.is_valid(full.json()) and not out.is_valid(answers[201])
