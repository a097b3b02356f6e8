"""Answers built without FastAPI's second pass: the body is serialised once (pydantic-core or orjson) and
sent as it is. And the client's RFC 7240 preference: `Prefer: return=minimal` asks for the least answer."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import Response
from pydantic import BaseModel


def wants_minimal(prefer: str | None) -> bool:
    """RFC 7240 section 4.2: `Prefer: return=minimal` (among other comma-separated preferences, any case,
    the value optionally quoted)."""
    if not prefer:
        return False
    for preference in prefer.split(","):
        name, _, value = preference.split(";")[0].strip().partition("=")
        if name.strip().lower() == "return" and value.strip().strip('"').lower() == "minimal":
            return True
    return False


def json_answer(body: BaseModel | dict[str, Any], *, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """The body encoded by the route itself, in its worker thread. A plain (`def`) route that returns a model
    has FastAPI validate and encode it in a second trip to the thread pool: about 0.1-0.2 ms of CPU a request
    (issues 16 and 18). The route keeps its response_model, which documents the answer."""
    content = body.model_dump_json().encode() if isinstance(body, BaseModel) else orjson.dumps(body)
    return Response(content, status_code=status, media_type="application/json", headers=headers)


def minimal_answer(body: BaseModel, *, status: int, headers: dict[str, str]) -> Response:
    """The least answer, saying that the preference was honoured (RFC 7240 section 3). A route that answers it
    documents both answers: its response_model is a RootModel of the full answer or the minimal one (e.g.
    DeclarationLodged), which the OpenAPI document names (clearway.api.contract)."""
    return json_answer(body, status=status, headers={**headers, "Preference-Applied": "return=minimal"})
