"""Each economy's essential-goods list (priority handling): public to read, its administrator edits it."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Query

from clearway.api.deps import Ctx, Who
from clearway.risk import essential_goods
from clearway.risk.schemas import EssentialChangeIn, EssentialEventOut, EssentialOut

router = APIRouter(prefix="/api/v1/risk/essential-goods", tags=["risk"])
Economy = Annotated[str, Query(min_length=2, max_length=2, description="the APEC economy, e.g. AU")]


@router.get("", response_model=list[EssentialOut], summary="An economy's essential-goods list (published policy)")
def list_essential(ctx: Ctx, economy: Economy) -> list[EssentialOut]:
    with ctx.uow() as session:
        return [EssentialOut(**asdict(e)) for e in essential_goods.entries(session, economy=economy)]


@router.get("/{economy}/{subheading}/history", response_model=list[EssentialEventOut])
def essential_history(economy: str, subheading: str, ctx: Ctx) -> list[EssentialEventOut]:
    with ctx.uow() as session:
        return [EssentialEventOut(**e) for e in essential_goods.history(session, economy=economy,
                                                                         subheading=subheading)]


def _change(economy: str, subheading: str, body: EssentialChangeIn, who, ctx, included: bool) -> EssentialOut:
    with ctx.uow() as session:
        row = essential_goods.change(session, principal=who, economy=economy.upper(), subheading=subheading,
                                     included=included, reason=body.reason)
        entry = next(e for e in essential_goods.entries(session, economy=row.economy) if e.subheading == subheading)
        return EssentialOut(**asdict(entry))


@router.put("/{economy}/{subheading}", response_model=EssentialOut, summary="Add a subheading (admin of the economy)")
def add_essential(economy: str, subheading: str, body: EssentialChangeIn, who: Who, ctx: Ctx) -> EssentialOut:
    return _change(economy, subheading, body, who, ctx, True)


@router.delete("/{economy}/{subheading}", response_model=EssentialOut,
               summary="Remove a subheading (admin of the economy)")
def remove_essential(economy: str, subheading: str, body: EssentialChangeIn, who: Who, ctx: Ctx) -> EssentialOut:
    return _change(economy, subheading, body, who, ctx, False)
