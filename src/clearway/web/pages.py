"""Public pages: the front door and the HS finder. Other domains add their own page modules."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from clearway.api.deps import Context, context
from clearway.reference import search_index
from clearway.web.templating import templates

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> HTMLResponse:
    return templates.TemplateResponse(request, "home.html", {})


@router.get("/hs", response_class=HTMLResponse)
def hs_page(request: Request, ctx: Annotated[Context, Depends(context)], q: str = "") -> HTMLResponse:
    results = []
    if q.strip():
        with ctx.uow() as session:
            results = search_index.search(session, q, 25)
    return templates.TemplateResponse(request, "hs.html", {"q": q, "results": results})


@router.get("/healthz")
def health() -> dict[str, str]:
    return {"status": "ok"}
