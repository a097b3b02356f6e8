"""APEC's environmental goods: the tariff commitment check (public) and the list's editions (the
installation's administrator loads a new one)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool

from clearway.api.idempotent import IDEMPOTENT, IdempotentRoute
from clearway.api.deps import Context, Ctx, Who
from clearway.auth.core import Principal
from clearway.db import utcnow
from clearway.errors import FieldError, Invalid
from clearway.flows import green_check
from clearway.green import render, service
from clearway.green.schemas import EditionOut, TariffCheckOut

router = APIRouter(prefix="/api/v1/green", tags=["green"], route_class=IdempotentRoute)


@router.get("/tariff-check", response_model=TariffCheckOut,
            summary="Applied tariffs on the APEC List of Environmental Goods against the 5% commitment")
def tariff_check(ctx: Ctx, economy: Annotated[str, Query(min_length=2, max_length=2, description="e.g. JP")],
                 on: Annotated[date | None, Query(alias="date", description="YYYY-MM-DD (default today)")] = None
                 ) -> TariffCheckOut:
    with ctx.uow() as session:
        return render.tariff_check(green_check.tariff_check(session, economy=economy, on=on or utcnow().date()))


@router.get("/list/editions", response_model=list[EditionOut], summary="Editions of the list, newest first")
def editions(ctx: Ctx) -> list[EditionOut]:
    with ctx.uow() as session:
        return [EditionOut(**e) for e in service.editions(session)]


_CSV = {"requestBody": {"required": True, "content": {"text/csv": {"schema": {"type": "string"}}}}}


@router.post("/list/editions", dependencies=[IDEMPOTENT], response_model=EditionOut, status_code=201,
             openapi_extra=_CSV,
             summary="Put a new edition of the list in force (CSV: hs2022, description[, hs2012, notes])")
async def load_edition(request: Request, who: Who, ctx: Ctx,
                       name: Annotated[str | None, Query(max_length=200, description="the edition's name")] = None,
                       reason: Annotated[str | None, Query(description="where the edition comes from")] = None
                       ) -> EditionOut:
    # name and reason are checked by the service after who may load (a wrong role hears 403, not 422)
    try:
        text = (await request.body()).decode("utf-8")
    except UnicodeDecodeError:
        raise Invalid("the list is not UTF-8 text", errors=[FieldError("(body)", "is not UTF-8")]) from None
    return await run_in_threadpool(_load, ctx, who, name or "", text, reason or "")


def _load(ctx: Context, who: Principal, name: str, text: str, reason: str) -> EditionOut:
    with ctx.uow() as session:
        row = service.load(session, principal=who, actor=who.actor, name=name, text=text, reason=reason)
        return EditionOut(id=row.id, name=row.name, subheadings=row.subheadings, reason=row.reason,
                          loaded_at=row.loaded_at, actor=row.actor)
