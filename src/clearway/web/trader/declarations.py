"""/trader/: the trader's declarations (filters and search), each one's page (timeline, findings, assessment,
amount due, payment), and its printable release notice with the verification code as a QR code."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated
from urllib.parse import quote

import segno
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from sqlalchemy.orm import Session

from clearway.auth.users import SignedIn
from clearway.declarations import service as declarations
from clearway.declarations.core import STATUSES
from clearway.errors import ClearwayError
from clearway.flows import clearance, declaration_view
from clearway.payments.core import q
from clearway.validation import range_end, range_start
from clearway.web.session import PageRefused, require_page_user
from clearway.web.templating import render

router = APIRouter(prefix="/trader", include_in_schema=False)
Trader = Annotated[SignedIn, Depends(require_page_user("declarant"))]


def _day(raw: str) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


@router.get("/", response_class=HTMLResponse)
def my_declarations(request: Request, signed: Trader, status: str = "", office: str = "", q: str = "",
                    accepted_from: str = "", accepted_to: str = "", after: int | None = None) -> Response:
    start, end = _day(accepted_from), _day(accepted_to)
    with request.app.state.ctx.uow() as session:
        rows, nxt = declarations.list_declarations(
            session, principal=signed.principal, status=status if status in STATUSES else None,
            office=office if len(office) == 5 else None, search=q, accepted_from=range_start(start) if start else None,
            accepted_to=range_end(end) if end else None, limit=50, after=after)
    return render(request, "trader/declarations.html", {
        "rows": rows, "next": nxt, "statuses": STATUSES,
        "f": {"status": status, "office": office, "q": q, "accepted_from": accepted_from, "accepted_to": accepted_to}})


def _view(request: Request, signed: SignedIn, mrn: str) -> dict:
    with request.app.state.ctx.uow() as session:
        try:
            return declaration_view.page_view(session, principal=signed.principal, mrn=mrn)
        except ClearwayError as exc:
            raise PageRefused(exc.status, exc.detail) from None


@router.get("/declarations/{mrn}", response_class=HTMLResponse)
def declaration_page(request: Request, signed: Trader, mrn: str, lodged: int = 0, error: str = "",
                     reference: str = "") -> Response:
    view = _view(request, signed, mrn)
    return render(request, "trader/declaration.html", view | {"lodged": lodged, "error": error,
                                                              "issued": reference})


def _act(request: Request, mrn: str, step: Callable[[Session], str | None]) -> Response:
    """One step in its own unit of work, then back to the declaration's page (with the refusal, if any)."""
    try:
        with request.app.state.ctx.uow() as session:
            extra = step(session) or ""
    except ClearwayError as exc:
        return RedirectResponse(f"/trader/declarations/{mrn}?error={quote(exc.one_line()[:300])}", status_code=303)
    return RedirectResponse(f"/trader/declarations/{mrn}{extra}", status_code=303)


@router.post("/declarations/{mrn}/assess")
def assess(request: Request, signed: Trader, mrn: str) -> Response:
    def step(session: Session) -> None:
        clearance.assess(session, principal=signed.principal, mrn=mrn)
    return _act(request, mrn, step)


@router.post("/declarations/{mrn}/payment-reference")
def payment_reference(request: Request, signed: Trader, mrn: str,
                      provider: Annotated[str, Form()] = "bank_transfer") -> Response:
    def step(session: Session) -> str:
        ref = clearance.payment_reference(session, principal=signed.principal, mrn=mrn, provider=provider)
        return f"?reference={ref.reference}#pay"
    return _act(request, mrn, step)


@router.post("/declarations/{mrn}/pay")
def pay(request: Request, signed: Trader, mrn: str, method: Annotated[str, Form()],
        reference: Annotated[str, Form()]) -> Response:
    def step(session: Session) -> None:
        due = clearance.view(session, principal=signed.principal, mrn=mrn)
        clearance.pay(session, principal=signed.principal, mrn=mrn, amount=due["outstanding"],
                      currency=due["currency"], method=method, reference=reference)
    return _act(request, mrn, step)


@router.post("/declarations/{mrn}/secure")
def secure(request: Request, signed: Trader, mrn: str, guarantee: Annotated[str, Form()]) -> Response:
    """Release against a guarantee before the duties are paid (TFA Art. 7.3), as POST .../security."""
    def step(session: Session) -> None:
        clearance.secure(session, principal=signed.principal, mrn=mrn, guarantee=guarantee)
    return _act(request, mrn, step)


@router.get("/declarations/{mrn}/release", response_class=HTMLResponse)
def release_notice(request: Request, signed: Trader, mrn: str) -> Response:
    view = _view(request, signed, mrn)
    a = view["assessment"]
    if not a or not a["release_code"]:
        raise PageRefused(404, f"declaration {view['row'].mrn} is not released: there is no release notice yet")
    verify = str(request.url_for("release_verify_page").include_query_params(code=a["release_code"]))
    qr = Markup(segno.make(verify, error="m").svg_inline(scale=4, title=f"QR code: {verify}"))
    return render(request, "trader/release.html", view | {"verify_url": verify, "qr": qr, "money": q})
