"""Tariff lines: the measures in force for a line on a date, with their sources (public)."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Query

from clearway.api.deps import Ctx
from clearway.db import utcnow
from clearway.tariff import service
from clearway.tariff.schemas import TariffLineOut

router = APIRouter(prefix="/api/v1/tariff", tags=["tariff"])


@router.get("/{economy}/lines/{code}", response_model=TariffLineOut)
def line(economy: str, code: str, ctx: Ctx,
         on: date | None = Query(None, alias="date", description="YYYY-MM-DD (default today)")) -> dict[str, Any]:
    with ctx.uow() as session:
        return service.line_info(session, economy=economy.upper(), code=code, on=on or utcnow().date())
