"""/officer/accounts: the economy's deferred payment accounts (balance, credit limit, monthly statement) and
guarantees (TFA Art. 7.3), and opening or registering them. The same payments services as the API."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from clearway.auth.users import SignedIn
from clearway.db import utcnow
from clearway.errors import ClearwayError, FieldError, Invalid
from clearway.payments import service as payments
from clearway.payments.core import at_currency_precision
from clearway.tariff.schemas import AccountIn, GuaranteeIn
from clearway.validation import parse
from clearway.web.forms import nested
from clearway.web.session import require_page_user
from clearway.web.templating import render

router = APIRouter(prefix="/officer", include_in_schema=False)
Customs = Annotated[SignedIn, Depends(require_page_user("officer", "admin"))]


def _page(request: Request, signed: SignedIn, *, errors: dict | None = None, form: dict | None = None,
          status: int = 200) -> Response:
    who = signed.principal
    with request.app.state.ctx.uow() as session:
        # amounts at their currency's precision: NUMERIC(24,6) reads back with six places on PostgreSQL
        accounts = [{"number": a.number, "holder": a.holder, "currency": a.currency,
                     "credit_limit": at_currency_precision(a.credit_limit, a.currency), "available": payments.available(session, a)}
                    for a in payments.list_accounts(session, principal=who)]
        guarantees = [{"number": g.number, "holder": g.holder, "currency": g.currency,
                       "amount": at_currency_precision(g.amount, g.currency),
                       "available": at_currency_precision(payments.guarantee_available(session, g), g.currency)}
                      for g in payments.list_guarantees(session, principal=who)]
    return render(request, "officer/accounts.html", {
        "accounts": accounts, "guarantees": guarantees, "period": utcnow().strftime("%Y-%m"),
        "errors": errors or {}, "form": form or {}}, status=status)


@router.get("/accounts", response_class=HTMLResponse)
def accounts_page(request: Request, signed: Customs) -> Response:
    return _page(request, signed)


@router.post("/accounts")
async def open_account(request: Request, signed: Customs) -> Response:
    form = await request.form()
    return await run_in_threadpool(_open_account, request, signed, form)


def _open_account(request: Request, signed: SignedIn, form: FormData) -> Response:
    try:
        body = parse(AccountIn, nested(form.multi_items()))
        with request.app.state.ctx.uow() as session:
            payments.open_account(session, principal=signed.principal, holder=body.holder, currency=body.currency,
                                  credit_limit=body.credit_limit)
    except ClearwayError as exc:
        return _page(request, signed, errors={f"account.{e.path}": e.reason for e in exc.errors} or {"form": exc.detail},
                     form={f"account.{k}": str(v) for k, v in form.items() if k != "csrf"}, status=exc.status)
    return RedirectResponse("/officer/accounts", status_code=303)


@router.post("/guarantees")
async def register_guarantee(request: Request, signed: Customs) -> Response:
    form = await request.form()
    return await run_in_threadpool(_register_guarantee, request, signed, form)


def _register_guarantee(request: Request, signed: SignedIn, form: FormData) -> Response:
    try:
        body = parse(GuaranteeIn, nested(form.multi_items()))
        with request.app.state.ctx.uow() as session:
            payments.register_guarantee(session, principal=signed.principal, holder=body.holder,
                                        currency=body.currency, amount=body.amount, number=body.number)
    except ClearwayError as exc:
        return _page(request, signed, errors={f"guarantee.{e.path}": e.reason for e in exc.errors} or {"form": exc.detail},
                     form={f"guarantee.{k}": str(v) for k, v in form.items() if k != "csrf"}, status=exc.status)
    return RedirectResponse("/officer/accounts", status_code=303)


@router.get("/accounts/{number}", response_class=HTMLResponse)
def statement_page(request: Request, signed: Customs, number: str, period: str = "") -> Response:
    period = period or utcnow().strftime("%Y-%m")
    try:
        if len(period) != 7 or period[4] != "-" or not (period[:4] + period[5:]).isdigit() \
                or not 1 <= int(period[5:]) <= 12:
            raise Invalid("the period is a month", errors=[FieldError("period", "must be YYYY-MM")])
        with request.app.state.ctx.uow() as session:
            statement = payments.statement(session, principal=signed.principal, number=number, period=period)
    except ClearwayError as exc:
        return render(request, "officer/missing.html", {"detail": exc.one_line()}, status=exc.status)
    return render(request, "officer/statement.html", {"s": statement})
