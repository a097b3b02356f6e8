"""Self-service payment: references, payments, guarantees, deferred accounts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from clearway.api.answers import json_answer
from clearway.api.idempotent import IDEMPOTENT, IdempotentRoute
from clearway.api.deps import Ctx, Who, require
from clearway.auth.core import Principal
from clearway.flows import clearance
from clearway.payments import service
from clearway.payments.core import at_currency_precision
from clearway.payments.schemas import (AccountLineOut, AccountOut, GuaranteeOut, PaymentOut, ReferenceOut,
                                       SecurityOut, StatementOut)
from clearway.tariff.schemas import AccountIn, GuaranteeIn, PaymentIn, ReferenceIn, SecurityIn

router = APIRouter(prefix="/api/v1", tags=["payments"], route_class=IdempotentRoute)
Officer = Annotated[Principal, Depends(require("officer", "admin"))]


@router.post("/declarations/{mrn}/payment-reference", dependencies=[IDEMPOTENT], status_code=201,
             response_model=ReferenceOut)
def reference(mrn: str, who: Who, ctx: Ctx, body: ReferenceIn | None = None) -> Response:
    with ctx.uow() as session:
        ref = clearance.payment_reference(session, principal=who, mrn=mrn,
                                          provider=(body or ReferenceIn()).provider)
        return json_answer(ReferenceOut(provider=ref.provider, reference=ref.reference,
                                        amount=at_currency_precision(ref.amount, ref.currency), currency=ref.currency,
                                        instructions=ref.instructions), status=201)


@router.post("/declarations/{mrn}/payments", dependencies=[IDEMPOTENT], status_code=201, response_model=PaymentOut)
def pay(mrn: str, body: PaymentIn, who: Who, ctx: Ctx) -> Response:
    with ctx.uow() as session:
        row, p, out = clearance.pay(session, principal=who, mrn=mrn, amount=body.amount, currency=body.currency,
                                    method=body.method, reference=body.reference)
        return json_answer(PaymentOut(receipt=p.receipt, amount=at_currency_precision(p.amount, p.currency),
                                      currency=p.currency, method=p.method, status=row.status,
                                      release_code=out["release_code"], outstanding=out["outstanding"]), status=201)


@router.post("/declarations/{mrn}/security", dependencies=[IDEMPOTENT], status_code=201)
def secure(mrn: str, body: SecurityIn, who: Who, ctx: Ctx) -> SecurityOut:
    """Release against a guarantee before the duties are paid or finally determined (TFA Art. 7.3)."""
    with ctx.uow() as session:
        row, _, out = clearance.secure(session, principal=who, mrn=mrn, guarantee=body.guarantee)
        return SecurityOut(guarantee=body.guarantee.upper(), secured=out["secured"], status=row.status,
                           release_code=out["release_code"])


@router.post("/payments/deferred-accounts", dependencies=[IDEMPOTENT], status_code=201)
def open_account(body: AccountIn, who: Officer, ctx: Ctx) -> AccountOut:
    with ctx.uow() as session:
        acc = service.open_account(session, principal=who, holder=body.holder, currency=body.currency,
                                   credit_limit=body.credit_limit)
        return AccountOut(number=acc.number, holder=acc.holder, economy=acc.economy, currency=acc.currency,
                          credit_limit=at_currency_precision(acc.credit_limit, acc.currency))


@router.get("/payments/deferred-accounts")
def accounts(who: Who, ctx: Ctx) -> list[AccountLineOut]:
    """The deferred accounts the caller may read: the same rule decides each statement and each payment."""
    with ctx.uow() as session:
        return [AccountLineOut(number=a.number, holder=a.holder, economy=a.economy, currency=a.currency,
                               credit_limit=at_currency_precision(a.credit_limit, a.currency), available=service.available(session, a))
                for a in service.list_accounts(session, principal=who)]


@router.get("/payments/deferred-accounts/{number}/statement")
def account_statement(number: str, who: Who, ctx: Ctx,
                      period: Annotated[str, Query(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]) -> StatementOut:
    with ctx.uow() as session:
        return StatementOut.model_validate(service.statement(session, principal=who, number=number, period=period))


@router.post("/payments/guarantees", dependencies=[IDEMPOTENT], status_code=201)
def guarantee(body: GuaranteeIn, who: Officer, ctx: Ctx) -> GuaranteeOut:
    with ctx.uow() as session:
        g = service.register_guarantee(session, principal=who, holder=body.holder, currency=body.currency,
                                       amount=body.amount, number=body.number)
        return GuaranteeOut(number=g.number, holder=g.holder, currency=g.currency, amount=at_currency_precision(g.amount, g.currency))
