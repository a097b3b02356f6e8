"""/officer/: the queue of declarations that need a human, one declaration's case file, and the control an
officer records on it. The same flows as the API: workbench.queue / case_file, clearance.inspect (which
releases once what is due is paid or secured, and whose result is the fraud model's training row)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from clearway.auth.users import SignedIn
from clearway.errors import ClearwayError
from clearway.flows import clearance, workbench
from clearway.risk.schemas import InspectionIn
from clearway.validation import parse
from clearway.web.forms import nested
from clearway.web.session import require_page_user
from clearway.web.templating import render

router = APIRouter(prefix="/officer", include_in_schema=False)
Customs = Annotated[SignedIn, Depends(require_page_user("officer", "admin"))]
Officer = Annotated[SignedIn, Depends(require_page_user("officer"))]


def waited(span: timedelta) -> str:
    """3 d 04 h, 5 h 07 min, 12 min: how long a declaration has waited, at a glance."""
    minutes = int(span.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} d {hours:02d} h"
    return f"{hours} h {mins:02d} min" if hours else f"{mins} min"


@router.get("/", response_class=HTMLResponse)
def queue_page(request: Request, signed: Customs, office: str = "") -> Response:
    with request.app.state.ctx.uow() as session:
        entries = workbench.queue(session, principal=signed.principal, office=office.strip() or None)
    return render(request, "officer/queue.html", {"entries": entries, "office": office.strip().upper(),
                                                  "waited": waited})


def _case(request: Request, signed: SignedIn, mrn: str, *, errors: dict[str, str] | None = None,
          form: dict | None = None, status: int = 200) -> Response:
    try:
        with request.app.state.ctx.uow() as session:
            view = workbench.case_file(session, principal=signed.principal, mrn=mrn)
            return render(request, "officer/case.html", view | {"errors": errors or {}, "form": form or {},
                                                                "waited": waited}, status=status)
    except ClearwayError as exc:
        return render(request, "officer/missing.html", {"detail": exc.detail}, status=exc.status)


@router.get("/declarations/{mrn}", response_class=HTMLResponse)
def case_page(request: Request, signed: Customs, mrn: str) -> Response:
    return _case(request, signed, mrn)


@router.post("/declarations/{mrn}/inspection")
async def record_control(request: Request, signed: Officer, mrn: str) -> Response:
    """The officer's control: document check or examination, compliant or not, findings, revised value or
    classification, extra duty; then release (once paid or secured) or reject."""
    form = await request.form()
    return await run_in_threadpool(_record_control, request, signed, mrn, form)


def _record_control(request: Request, signed: SignedIn, mrn: str, form: FormData) -> Response:
    data = nested(form.multi_items(), lines=["findings"])
    shown = {k: str(v) for k, v in form.items() if k != "csrf"}
    try:
        body = parse(InspectionIn, data)
        with request.app.state.ctx.uow() as session:
            clearance.inspect(session, principal=signed.principal, mrn=mrn, body=body)
    except ClearwayError as exc:
        errors = {e.path: e.reason for e in exc.errors} or {"form": exc.detail}
        return _case(request, signed, mrn, errors=errors, form=shown, status=exc.status)
    return RedirectResponse(f"/officer/declarations/{mrn}?recorded=1", status_code=303)
