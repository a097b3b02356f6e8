"""/nppo/: the NPPO desk. The same calls as the certificates API: flows.ephyto.issue / replace / withdraw
(which check again every declaration citing the number), certificates.service for reading, the hub exchange
of certificates.exchange."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from clearway.auth.users import SignedIn
from clearway.certificates import exchange, service as certificates, sps
from clearway.certificates.hub_client import HubClient
from clearway.certificates.schemas import TRANSPORT_MODES, EPhytoIn, WithdrawalIn
from clearway.config import get_settings
from clearway.errors import ClearwayError, Conflict, FieldError, Invalid
from clearway.flows import ephyto
from clearway.reference import economies
from clearway.validation import parse
from clearway.web.nppo.form import (PRODUCT_FIELDS, PRODUCT_ROWS, TREATMENT_FIELDS, TREATMENT_ROWS, ephyto_data,
                                    from_summary, shown)
from clearway.web.session import require_page_user
from clearway.web.templating import render

router = APIRouter(prefix="/nppo", include_in_schema=False)
Nppo = Annotated[SignedIn, Depends(require_page_user("nppo"))]


def _errors(exc: ClearwayError) -> dict[str, str]:
    return {e.path: e.reason for e in exc.errors} or {"form": exc.detail}


@router.get("/", response_class=HTMLResponse)
def desk(request: Request, signed: Nppo, status: str = "", direction: str = "") -> Response:
    with request.app.state.ctx.uow() as session:
        rows, _ = certificates.list_certificates(
            session, principal=signed.principal, status=status if status in ("issued", "replaced", "withdrawn") else None,
            direction=direction if direction in ("issued", "received") else None, limit=500)
        items = [(r, certificates.last_delivery(session, r)) for r in reversed(rows)]
        return render(request, "nppo/desk.html", {"items": items, "status": status, "direction": direction,
                                                  "hub": bool(get_settings().hub_url)})


def _form_page(request: Request, signed: SignedIn, *, form: dict[str, str], errors: dict[str, str] | None = None,
               findings: list[Any] | None = None, replacing: str | None = None, status: int = 200) -> Response:
    rows = max(PRODUCT_ROWS, 1 + max([int(k.split("]")[0][9:]) for k in form if k.startswith("products[")] or [0]))
    return render(request, "nppo/issue.html", {
        "form": {"origin": signed.principal.economy} | form, "errors": errors or {}, "findings": findings,
        "replacing": replacing, "product_rows": rows, "treatment_rows": TREATMENT_ROWS,
        "product_fields": PRODUCT_FIELDS, "treatment_fields": TREATMENT_FIELDS, "modes": list(TRANSPORT_MODES),
        "economies": [(e.code, f"{e.code} {e.name}") for e in economies.all_economies().values()]}, status=status)


@router.get("/issue", response_class=HTMLResponse)
def issue_form(request: Request, signed: Nppo) -> Response:
    return _form_page(request, signed, form={})


async def _checked(request: Request, signed: SignedIn) -> tuple[Any, EPhytoIn | None, list[Any] | None]:
    """The form, the certificate it describes, and, when the NPPO asked to check it first, the findings."""
    form = await request.form()
    cert = parse(EPhytoIn, ephyto_data(form))
    findings = None
    if form.get("action") == "check":
        findings = await run_in_threadpool(certificates.check_draft, principal=signed.principal, cert=cert)
    return form, cert, findings


@router.post("/issue")
async def issue(request: Request, signed: Nppo) -> Response:
    form = await request.form()
    try:
        _, cert, findings = await _checked(request, signed)
        if findings is not None:
            return _form_page(request, signed, form=shown(form), findings=findings)
        number = await run_in_threadpool(_issue, request, signed, cert)
    except ClearwayError as exc:
        return _form_page(request, signed, form=shown(form), errors=_errors(exc), status=exc.status)
    return RedirectResponse(f"/nppo/certificates/{number}?exporter={signed.principal.economy}&issued=1",
                            status_code=303)


def _issue(request: Request, signed: SignedIn, cert: EPhytoIn, replacing: str | None = None,
           reason: str = "") -> str:
    """Issue (or replace) in one unit of work, off the event loop: building and signing take CPU."""
    with request.app.state.ctx.uow() as session:
        if replacing is None:
            row, _, _ = ephyto.issue(session, principal=signed.principal, cert=cert)
        else:
            _, row = ephyto.replace(session, principal=signed.principal, number=replacing, cert=cert, reason=reason)
        return row.number


def _certificate_page(request: Request, signed: SignedIn, number: str, *, exporter: str = "",
                      errors: dict[str, str] | None = None, status: int = 200) -> Response:
    try:
        with request.app.state.ctx.uow() as session:
            row = certificates.get(session, principal=signed.principal, number=number, exporter=exporter or None)
            delivery = certificates.last_delivery(session, row)
            return render(request, "nppo/certificate.html", {
                "row": row, "s": row.summary, "delivery": delivery, "errors": errors or {},
                "type_name": sps.TYPE_NAMES.get(row.type_code, str(row.type_code)),
                "mine": row.direction == "issued" and row.exporting_economy == signed.principal.economy},
                status=status)
    except ClearwayError as exc:
        return render(request, "officer/missing.html", {"detail": exc.detail}, status=exc.status)


@router.get("/certificates/{number}", response_class=HTMLResponse)
def certificate_page(request: Request, signed: Nppo, number: str, exporter: str = "") -> Response:
    """One certificate; `exporter` tells apart two economies' certificates of the same number."""
    return _certificate_page(request, signed, number, exporter=exporter.strip().upper()[:2])


@router.post("/certificates/{number}/withdraw")
def withdraw(request: Request, signed: Nppo, number: str, reason: Annotated[str, Form()] = "") -> Response:
    try:
        body = parse(WithdrawalIn, {"reason": reason.strip()} if reason.strip() else {})
        with request.app.state.ctx.uow() as session:
            ephyto.withdraw(session, principal=signed.principal, number=number, reason=body.reason)
    except ClearwayError as exc:
        return _certificate_page(request, signed, number, exporter=signed.principal.economy, errors=_errors(exc),
                                 status=exc.status)
    return RedirectResponse(f"/nppo/certificates/{number}?exporter={signed.principal.economy}", status_code=303)


@router.get("/certificates/{number}/replace", response_class=HTMLResponse)
def replace_form(request: Request, signed: Nppo, number: str) -> Response:
    try:
        with request.app.state.ctx.uow() as session:
            row = certificates.get(session, principal=signed.principal, number=number,
                                   exporter=signed.principal.economy)
            values = from_summary(row.summary)
    except ClearwayError as exc:
        return render(request, "officer/missing.html", {"detail": exc.detail}, status=exc.status)
    return _form_page(request, signed, form=values, replacing=number)


@router.post("/certificates/{number}/replace")
async def replace(request: Request, signed: Nppo, number: str) -> Response:
    form = await request.form()
    try:
        reason = str(form.get("reason", "")).strip()
        if not reason:
            raise Invalid("say why the certificate is replaced", errors=[FieldError("reason", "is required")])
        _, cert, findings = await _checked(request, signed)
        if findings is not None:
            return _form_page(request, signed, form=shown(form), findings=findings, replacing=number)
        new_number = await run_in_threadpool(_issue, request, signed, cert, number, reason)
    except ClearwayError as exc:
        return _form_page(request, signed, form=shown(form), errors=_errors(exc), replacing=number, status=exc.status)
    return RedirectResponse(f"/nppo/certificates/{new_number}?exporter={signed.principal.economy}&issued=1",
                            status_code=303)


@router.post("/exchange")
def run_exchange(request: Request, signed: Nppo) -> Response:
    """Exchange with the hub now, as POST /api/v1/certificates/exchange does: send, track, pull."""
    settings = get_settings()
    try:
        if not settings.hub_url or not settings.hub_token:
            raise Conflict("no hub configured: set CLEARWAY_HUB_URL and CLEARWAY_HUB_TOKEN")
        with HubClient(settings.hub_url, settings.hub_token) as client:
            report = exchange.run_once(request.app.state.ctx.factory, client, economy=signed.principal.economy)
    except ClearwayError as exc:
        report = {"error": exc.detail}
    return render(request, "nppo/exchanged.html", {"report": report})
