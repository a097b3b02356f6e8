"""The paper fallback: a printable ePhyto with its verification code, and a page where anyone holding the
paper checks the code against the certificate this installation holds (and its current status)."""

from __future__ import annotations

import re

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from clearway.certificates import printing, records, sps
from clearway.certificates.models import Certificate
from clearway.web.templating import templates

templates.env.filters.update(date_text=printing.date_text, measure_text=printing.measure_text)
templates.env.globals.update(duration_text=printing.duration_text, conveyance_text=printing.conveyance_text)
router = APIRouter(include_in_schema=False)


def _normal(code: str) -> str:
    raw = re.sub(r"[^A-Z2-7]", "", code.upper())
    return "-".join(raw[i:i + 4] for i in range(0, len(raw), 4))


def _find(request: Request, code: str, how: str) -> Certificate | None:
    """The certificate with this code; that someone printed it or checks its printed code is recorded (the
    paper it touched counts against the paperless-trade indicator)."""
    with request.app.state.ctx.uow() as session:
        row = records.touched_paper(session, code=_normal(code), how=how)
        if row is not None:
            session.expunge(row)
        return row


@router.get("/certificates/verify", response_class=HTMLResponse)
def verify_page(request: Request, code: str = "") -> HTMLResponse:
    row = _find(request, code, "checked") if code.strip() else None
    return templates.TemplateResponse(request, "certificate_verify.html",
                                      {"code": code, "row": row, "asked": bool(code.strip())},
                                      status_code=200 if row or not code.strip() else 404)


@router.get("/certificates/print/{code}", response_class=HTMLResponse)
def printable(request: Request, code: str) -> HTMLResponse:
    """The printable certificate; the verification code in the address is what grants access to it."""
    row = _find(request, code, "printed")
    if row is None:
        return templates.TemplateResponse(request, "certificate_verify.html",
                                          {"code": code, "row": None, "asked": True}, status_code=404)
    verify_url = str(request.url_for("verify_page").include_query_params(code=row.verification_code))
    return templates.TemplateResponse(request, "certificate_print.html", {
        "row": row, "s": row.summary, "type_name": sps.TYPE_NAMES.get(row.type_code, str(row.type_code)),
        "verify_url": verify_url})
