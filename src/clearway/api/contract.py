"""The OpenAPI document as the API answers (issue 17: a truthful contract). FastAPI's own document is
post-processed once, generically, so that every route (today's and those added later) is covered:

- the Bearer key is a security scheme, required by every operation whose handler depends on the caller
  (clearway.api.deps.principal); public operations carry no `security`;
- every refusal an operation can give is documented as `application/problem+json` with the ProblemDetails
  schema (FastAPI's HTTPValidationError 422 is replaced: the API never answers it);
- schemas that two domains name alike get the domain's name in front (DashboardChangeOut, TfaChangeOut)
  instead of FastAPI's module paths, and an optional body is documented as its model (not `anyOf` null);
- the main request bodies carry their examples from examples/;
- a schema that is one of several objects (a RootModel of a union, e.g. DeclarationLodged: the full answer or,
  with `Prefer: return=minimal`, the minimal one) also lists their members, those all of them have as required,
  so that a client generator that reads `properties` alone (openapi-python-generator) still gets a model that
  takes either answer; validators check the `anyOf`. An operation taking `Prefer` documents `Preference-Applied`.

Which refusals an operation documents follows from what the server does, not from a list per route:
422 and 429 on every operation (the text guard reads every path and query; the rate limit counts every
keyed request), 400 (malformed JSON, a body refused whole) and 413 on every operation with a body, 401 and 403 on keyed
operations, 404 on operations with a path parameter, 409 on operations that change state, 503 (the database
unreachable, with Retry-After) on every operation but the liveness probe. A route that
refuses in another way names the status in its `responses=` and gets the problem content here."""

from __future__ import annotations

import json
from http import HTTPStatus
import re
from pathlib import Path
from typing import Any

from fastapi import FastAPI, routing
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute

from clearway.api.deps import principal
from clearway.errors import TYPES

PROBLEM = "application/problem+json"
SCHEME = "bearer"
EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
# Request body schemas documented with an example file from examples/ (the ones the README and guides use).
BODY_EXAMPLES: dict[str, tuple[str, ...]] = {
    "DeclarationIn": ("declaration-au-oranges.json", "tariff-au-tshirts.json", "tariff-jp-wine.json"),
    "QuoteIn": ("tariff-au-tshirts.json", "tariff-jp-wine.json"),
}
_CHANGES = ("post", "put", "patch", "delete")
_DOMAIN_PATH = re.compile(r"^clearway__(?P<domain>[a-z_]+?)__(?:[a-z_]+__)*(?P<name>[A-Za-z0-9_]+)$")


def problem_schemas() -> dict[str, Any]:
    return {
        "FieldProblem": {
            "type": "object", "title": "FieldProblem", "required": ["path", "reason"],
            "properties": {"path": {"type": "string", "description": "the field, e.g. items[0].hs_code"},
                           "reason": {"type": "string"}},
        },
        "ProblemDetails": {
            "type": "object", "title": "ProblemDetails",
            "description": "RFC 9457 problem details. `type` names the kind of refusal (/problems lists them); "
                           "a domain may add members of its own (e.g. `allowed`).",
            "required": ["type", "title", "status", "detail"],
            "properties": {
                "type": {"type": "string", "description": "/problems/<kind>",
                         "enum": sorted({t.uri for t in TYPES} | {"about:blank"})},
                "title": {"type": "string"},
                "status": {"type": "integer", "minimum": 400, "maximum": 599},
                "detail": {"type": "string"},
                "instance": {"type": "string", "description": "the path of the request"},
                "errors": {"type": "array", "items": {"$ref": "#/components/schemas/FieldProblem"}},
            },
            "additionalProperties": True,
        },
    }


def _kinds(status: int) -> str:
    return ", ".join(f"`{t.uri}`" for t in TYPES if t.status == status)


def _problem_response(status: int, description: str | None = None) -> dict[str, Any]:
    text = description or HTTPStatus(status).phrase
    if _kinds(status):
        text += f" (problem type {_kinds(status)})"
    return {"description": text,
            "content": {PROBLEM: {"schema": {"$ref": "#/components/schemas/ProblemDetails"}}}}


def _calls(dependant: Any) -> Any:
    for dep in dependant.dependencies:
        yield dep.call
        yield from _calls(dep)


def _routes(app: FastAPI) -> dict[tuple[str, str], Any]:
    """(path, method) -> the route as served (FastAPI's route context: prefix, dependencies and all)."""
    found = {}
    for context in routing.iter_route_contexts(app.routes):
        if isinstance(context.original_route, APIRoute) and context.include_in_schema:
            for method in context.methods:
                found[(context.path_format, method.lower())] = context
    return found


def _refusals(route: Any, method: str, op: dict[str, Any], keyed: bool) -> set[int]:
    statuses = {422, 429}
    if route.path_format != "/healthz":
        statuses.add(503)  # the database unreachable or restarting (clearway.api.problems: Retry-After)
    body = op.get("requestBody")
    if body:
        statuses |= {400, 413}  # malformed JSON, or a body the domain refuses as a whole (bad-request)
    if keyed:
        statuses |= {401, 403}
    if "{" in route.path_format:
        statuses.add(404)
    if method in _CHANGES:
        statuses.add(409)
    return statuses


def _rename_duplicates(doc: dict[str, Any]) -> None:
    """FastAPI names two models of one name by their module paths (clearway__tfa__schemas__ChangeOut): name
    them DomainName, and fix every reference."""
    schemas = doc.get("components", {}).get("schemas", {})
    renames = {}
    for name in list(schemas):
        m = _DOMAIN_PATH.match(name)
        if m:
            domain = "".join(part.title() for part in m["domain"].split("_"))
            new = f"{domain}{m['name']}"
            if new in schemas or new in renames.values():
                raise ValueError(f"two schemas would be named {new}")
            renames[name] = new
    if not renames:
        return
    for old, new in renames.items():
        schemas[new] = {**schemas.pop(old), "title": new}
    text = json.dumps(doc)
    for old, new in renames.items():
        text = text.replace(f'"#/components/schemas/{old}"', f'"#/components/schemas/{new}"')
    doc.clear()
    doc.update(json.loads(text))


def _same_model(responses: dict[str, Any]) -> None:
    """A second success status without content (200 "lodged before" beside 201 "created") answers the same
    model as the first: say so."""
    typed = [r["content"] for code, r in responses.items()
             if code.startswith("2") and "application/json" in r.get("content", {})]
    for code, response in responses.items():
        if code.startswith("2") and code != "204" and not response.get("content") and typed:
            response["content"] = typed[0]


def _refs(node: Any) -> Any:
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield node["$ref"].rsplit("/", 1)[-1]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def _drop_unreferenced(doc: dict[str, Any]) -> None:
    """Schemas no operation reaches (a model whose schema a field writes out in full) are left out."""
    schemas = doc["components"]["schemas"]
    reached, todo = set(), list(_refs(doc.get("paths", {})))
    while todo:
        name = todo.pop()
        if name not in reached and name in schemas:
            reached.add(name)
            todo.extend(_refs(schemas[name]))
    for name in set(schemas) - reached:
        del schemas[name]


def _optional_body(op: dict[str, Any]) -> None:
    """An optional body (`X | None`) is documented as X with `required: false`, not as anyOf X or null."""
    content = op.get("requestBody", {}).get("content", {}).get("application/json")
    schema = (content or {}).get("schema", {})
    refs = [s for s in schema.get("anyOf", []) if s != {"type": "null"}]
    if len(refs) == 1 and len(schema["anyOf"]) == 2:
        content["schema"] = refs[0]
        op["requestBody"]["required"] = False


def _examples(op: dict[str, Any]) -> None:
    content = op.get("requestBody", {}).get("content", {}).get("application/json")
    ref = ((content or {}).get("schema") or {}).get("$ref", "")
    files = BODY_EXAMPLES.get(ref.rsplit("/", 1)[-1], ())
    found = {}
    for name in files:
        path = EXAMPLES / name
        if path.is_file():  # an installed package has no examples/: the document is then without them
            found[path.stem] = {"summary": f"examples/{name}", "value": json.loads(path.read_text())}
    if found:
        content["examples"] = found


def _alternatives_as_properties(schemas: dict[str, Any]) -> None:
    """A named `anyOf` of object schemas gets their members as its own `properties` (the first's first, each
    member as the first alternative having it describes it) and `required` what every alternative requires."""
    for schema in schemas.values():
        alternatives = schema.get("anyOf", [])
        if not alternatives or "properties" in schema or not all("$ref" in a for a in alternatives):
            continue
        targets = [schemas.get(a["$ref"].rsplit("/", 1)[-1], {}) for a in alternatives]
        if not all(t.get("type") == "object" and t.get("properties") for t in targets):
            continue
        properties: dict[str, Any] = {}
        for target in targets:
            for name, prop in target["properties"].items():
                properties.setdefault(name, prop)
        required = [n for n in targets[0].get("required", []) if all(n in t.get("required", []) for t in targets)]
        schema.update({"type": "object", "properties": properties, "required": required})


def _preference_applied(op: dict[str, Any]) -> None:
    """An operation honouring `Prefer` (RFC 7240) says in its successes when it did (section 3)."""
    if not any(p.get("in") == "header" and p.get("name", "").lower() == "prefer" for p in op.get("parameters", [])):
        return
    for code, response in op["responses"].items():
        if code.startswith("2"):
            response.setdefault("headers", {})["Preference-Applied"] = {
                "description": "`return=minimal` when the answer is the minimal one (RFC 7240 section 3)",
                "schema": {"type": "string"}}


def document(app: FastAPI) -> dict[str, Any]:
    doc = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes,
                      tags=app.openapi_tags, servers=app.servers)
    components = doc.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    schemas.update(problem_schemas())
    components["securitySchemes"] = {SCHEME: {
        "type": "http", "scheme": "bearer",
        "description": "An API key: `Authorization: Bearer <key>` (keys are issued by an administrator)."}}
    routes = _routes(app)
    for path, operations in doc.get("paths", {}).items():
        for method, op in operations.items():
            route = routes.get((path, method))
            if route is None:
                continue
            keyed = any(call is principal for call in _calls(route.dependant))
            if keyed:
                op["security"] = [{SCHEME: []}]
            responses = op.setdefault("responses", {})
            wanted = _refusals(route, method, op, keyed) | {int(s) for s in responses if s[0] in "45"}
            for status in sorted(wanted):
                given = responses.get(str(status), {})
                if given.get("content") and status != 422:
                    continue  # the route says what it answers (a readiness probe's 503 is its checks)
                description = given.get("description") if status != 422 else None
                responses[str(status)] = _problem_response(status, description)
            _same_model(responses)
            # Successes first, in FastAPI's order (the route's own status first: client generators take the
            # first), then the refusals by status.
            op["responses"] = {**{k: v for k, v in responses.items() if not k.startswith(("4", "5"))},
                               **dict(sorted((k, v) for k, v in responses.items() if k.startswith(("4", "5"))))}
            _optional_body(op)
            _examples(op)
            _preference_applied(op)
    _rename_duplicates(doc)
    _alternatives_as_properties(doc["components"]["schemas"])
    _drop_unreferenced(doc)
    return doc


def install(app: FastAPI) -> None:
    """Serve the post-processed document at /openapi.json (and to /docs, /redoc)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
