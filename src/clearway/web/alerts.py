"""Pages for customs officers: the seal alert list, and one alert with its seal's event timeline and track
drawn against the expected corridor (inline SVG, no map tiles: border posts are often offline).

Officers (and admins) sign in at /login; the pages take them from the session (web/session.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from clearway.auth.users import SignedIn
from clearway.containers import alert_view, alerts
from clearway.containers.schemas import FINDINGS
from clearway.errors import ClearwayError
from clearway.web.session import require_page_user
from clearway.web.templating import render

router = APIRouter(include_in_schema=False)
Customs = Annotated[SignedIn, Depends(require_page_user("officer", "admin"))]


@router.get("/alerts", response_class=HTMLResponse)
def alert_list(request: Request, signed: Customs, status: str = "open") -> Response:
    who = signed.principal
    status = status if status in alerts.STATUSES else "open"
    with request.app.state.ctx.uow() as session:
        rows, _ = alerts.list_alerts(session, principal=who, status=status, limit=500)
        held = alerts.held_declarations(session, rows)
        items = [alerts.render(r, held[r.id]) for r in rows]
    return render(request, "alerts.html", {"items": items, "status": status, "who": who})


@router.get("/alerts/{alert_id}", response_class=HTMLResponse)
def alert_page(request: Request, signed: Customs, alert_id: int, error: str | None = None) -> Response:
    who = signed.principal
    with request.app.state.ctx.uow() as session:
        try:
            view = alert_view.page_view(session, principal=who, alert_id=alert_id)
        except ClearwayError as exc:
            return render(request, "alert_missing.html", {"detail": exc.detail}, status=exc.status)
    return render(request, "alert.html", view | {"error": error})


@router.post("/alerts/{alert_id}/close")
def close_from_page(request: Request, signed: Customs, alert_id: int, finding: Annotated[str, Form()],
                    note: Annotated[str, Form()] = "") -> Response:
    who = signed.principal
    if finding not in FINDINGS or not note.strip():
        return alert_page(request, signed, alert_id, error="Choose a finding and say in a note what was found.")
    try:
        with request.app.state.ctx.uow() as session:
            alerts.close(session, principal=who, alert=alert_id, finding=finding, note=note.strip()[:2000])
    except ClearwayError as exc:
        return alert_page(request, signed, alert_id, error=exc.detail)
    return RedirectResponse(f"/alerts/{alert_id}", status_code=303)
