"""/trader/account: the trader's deferred accounts (credit limit, what is still available, and the statement
of a month: the charges, each with its declaration, on the page or as CSV) and guarantees (amount, available)."""

from __future__ import annotations

import csv
import io
import re
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from clearway.auth.users import SignedIn
from clearway.db import utcnow
from clearway.errors import ClearwayError
from clearway.payments import service as payments
from clearway.payments.core import q
from clearway.web.session import PageRefused, require_page_user
from clearway.web.templating import render

router = APIRouter(prefix="/trader", include_in_schema=False)
Trader = Annotated[SignedIn, Depends(require_page_user("declarant"))]
PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def _period(raw: str) -> str:
    return raw if PERIOD.match(raw) else utcnow().strftime("%Y-%m")


@router.get("/account", response_class=HTMLResponse)
def account_page(request: Request, signed: Trader, period: str = "") -> Response:
    month = _period(period)
    with request.app.state.ctx.uow() as session:
        statements = [payments.statement(session, principal=signed.principal, number=a.number, period=month)
                      for a in payments.list_accounts(session, principal=signed.principal)]
        guarantees = [{"number": g.number, "currency": g.currency, "amount": q(g.amount, g.currency),
                       "available": q(payments.guarantee_available(session, g), g.currency)}
                      for g in payments.list_guarantees(session, principal=signed.principal)]
    return render(request, "trader/account.html", {"statements": statements, "guarantees": guarantees,
                                                   "period": month})


@router.get("/account/{number}/statement.csv")
def statement_csv(request: Request, signed: Trader, number: str, period: str = "") -> Response:
    month = _period(period)
    try:
        with request.app.state.ctx.uow() as session:
            s = payments.statement(session, principal=signed.principal, number=number, period=month)
    except ClearwayError as exc:
        raise PageRefused(exc.status, exc.detail) from None
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["account", "period", "declaration", "charged_at", "amount", "currency"])
    for c in s["charges"]:
        writer.writerow([s["account"], s["period"], c["declaration"], c["charged_at"], c["amount"], s["currency"]])
    writer.writerow([s["account"], s["period"], "TOTAL", "", s["total"], s["currency"]])
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="statement-{s["account"]}-{s["period"]}.csv"'})
