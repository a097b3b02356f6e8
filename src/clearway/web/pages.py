"""Public pages: the front door and the HS finder. Other domains add their own page modules."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from clearway.api.deps import Context, context
from clearway.errors import ClearwayError
from clearway.flows import release
from clearway.reference import search_index
from clearway.reference.hs import nomenclature
from clearway.release import core as release_core
from clearway.tariff.service import schedule_for
from clearway.web.session import current
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
            found = search_index.search(session, q, 25)
        names = nomenclature().names_matching(q, [e.code for e, _ in found])
        results = [(e, names[e.code]) for e, _ in found]
    return templates.TemplateResponse(request, "hs.html", {"q": q, "results": results})


@router.get("/release/verify", response_class=HTMLResponse)
def release_verify_page(request: Request, ctx: Annotated[Context, Depends(context)], code: str = "") -> HTMLResponse:
    """Public: anyone holding a release notice checks its code (the QR code on the notice opens this page)."""
    found, problem = None, None
    if code.strip():
        try:
            with ctx.uow() as session:
                rel, row = release.check(session, code)
                found = {"code": release_core.display(rel.code), "mrn": row.mrn, "economy": row.economy,
                         "office": row.office, "released_at": rel.released_at, "status": row.status}
        except ClearwayError as exc:
            problem = exc.detail
    return templates.TemplateResponse(request, "release_verify.html", {"code": code, "found": found, "problem": problem},
                                      status_code=404 if problem else 200)


@router.get("/hs/suggest")
def hs_suggest(request: Request, ctx: Annotated[Context, Depends(context)], q: str = "") -> list[dict]:
    """The HS finder as you type (the lodging form's script): subheadings for the words or digits typed, each
    with the trade names it was found by and the national tariff lines of the signed-in trader's economy under
    it."""
    signed, q = current(request), q.strip()[:200]
    if not q:
        return []
    with ctx.uow() as session:
        if q.isdigit():
            found = [e for e in (nomenclature().get(c) for c in nomenclature().suggest(q[:6], 8)) if e]
        else:
            found = [e for e, _ in search_index.search(session, q, 8)]
        try:
            lines = schedule_for(session, signed.principal.economy) if signed else None
        except ClearwayError:
            lines = None  # no schedule for the economy: subheadings only
        names = nomenclature().names_matching(q, [e.code for e in found])
        return [{"code": e.code, "description": e.description, "names": names[e.code],
                 "lines": lines.children(e.code)[:20] if lines else []} for e in found]


@router.get("/healthz")
def health() -> dict[str, str]:
    return {"status": "ok"}
