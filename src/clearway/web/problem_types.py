"""Public: the problem types the API answers with (RFC 9457 `type`), one page listing them all and one per type,
so that a refusal's `type` (/problems/<kind>) leads a developer to what it means."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from clearway.errors import BY_KIND, TYPES, NotFound
from clearway.web.templating import templates

router = APIRouter(include_in_schema=False)


@router.get("/problems", response_class=HTMLResponse)
def problem_types(request: Request) -> HTMLResponse:
    return templates.TemplateResponse(request, "problems.html", {"types": TYPES, "one": None})


@router.get("/problems/{kind}", response_class=HTMLResponse)
def problem_type(request: Request, kind: str) -> HTMLResponse:
    found = BY_KIND.get(kind)
    if found is None:
        raise NotFound(f"no problem type {kind!r}: /problems lists them")
    return templates.TemplateResponse(request, "problems.html", {"types": [found], "one": found})
