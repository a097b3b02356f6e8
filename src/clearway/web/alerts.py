"""Pages for customs officers: the seal alert list, and one alert with its seal's event timeline and track
drawn against the expected corridor (inline SVG, no map tiles: border posts are often offline).

The page asks for an officer's API key once and keeps it in a same-site, HTTP-only cookie."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from clearway.auth.core import Principal
from clearway.containers import access, alert_view, alerts
from clearway.containers.schemas import FINDINGS
from clearway.errors import ClearwayError
from clearway.flows import seals

templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
router = APIRouter(include_in_schema=False)
COOKIE = "clearway_key"


def _who(request: Request) -> Principal | None:
    header = request.headers.get("authorization", "")
    scheme, _, key = header.partition(" ")
    key = key.strip() if scheme.lower() == "bearer" else request.cookies.get(COOKIE, "")
    if not key:
        return None
    who = request.app.state.ctx.principal_for(key)
    return who if who is not None and access.is_customs(who) else None


def _ask_key(request: Request, message: str | None = None, status: int = 401,
             next: str | None = None) -> HTMLResponse:
    return templates.TemplateResponse(request, "alert_key.html", {"message": message,
                                                                   "next": next or request.url.path},
                                      status_code=status)


@router.post("/alerts/key")
def set_key(request: Request, key: Annotated[str, Form()], next: Annotated[str, Form()] = "/alerts") -> Response:
    who = request.app.state.ctx.principal_for(key.strip())
    if who is None or not access.is_customs(who):
        return _ask_key(request, "That key is unknown, revoked, or not a customs officer's.", next=next)
    target = next if next.startswith("/alerts") and not next.startswith("/alerts/key") else "/alerts"
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(COOKIE, key.strip(), httponly=True, samesite="strict", max_age=8 * 3600)
    return response


@router.get("/alerts", response_class=HTMLResponse)
def alert_list(request: Request, status: str = "open") -> Response:
    who = _who(request)
    if who is None:
        return _ask_key(request)
    status = status if status in alerts.STATUSES else "open"
    with request.app.state.ctx.uow() as session:
        rows, _ = alerts.list_alerts(session, principal=who, status=status, limit=500)
        held = alerts.held_declarations(session, rows)
        items = [alerts.render(r, held[r.id]) for r in rows]
    return templates.TemplateResponse(request, "alerts.html", {"items": items, "status": status, "who": who})


@router.get("/alerts/{alert_id}", response_class=HTMLResponse)
def alert_page(request: Request, alert_id: int, error: str | None = None) -> Response:
    who = _who(request)
    if who is None:
        return _ask_key(request)
    with request.app.state.ctx.uow() as session:
        try:
            view = alert_view.page_view(session, principal=who, alert_id=alert_id)
        except ClearwayError as exc:
            return templates.TemplateResponse(request, "alert_missing.html", {"detail": exc.detail},
                                              status_code=exc.status)
    return templates.TemplateResponse(request, "alert.html", view | {"error": error})


@router.post("/alerts/{alert_id}/close")
def close_from_page(request: Request, alert_id: int, finding: Annotated[str, Form()],
                    note: Annotated[str, Form()] = "") -> Response:
    who = _who(request)
    if who is None:
        return _ask_key(request)
    if finding not in FINDINGS or not note.strip():
        return alert_page(request, alert_id, error="Choose a finding and say in a note what was found.")
    try:
        with request.app.state.ctx.uow() as session:
            seals.close_alert(session, principal=who, alert=alert_id, finding=finding, note=note.strip()[:2000])
    except ClearwayError as exc:
        return alert_page(request, alert_id, error=exc.detail)
    return RedirectResponse(f"/alerts/{alert_id}", status_code=303)
