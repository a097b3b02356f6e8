"""The Border Management Dashboard's figures: indicators (public, aggregate), entered indicators (admins
keep them, every change kept), and publications from other installations (the regional view)."""

from __future__ import annotations

from typing import Annotated, Any

import csv
import io

from fastapi import APIRouter, Path, Query, Response

from clearway.api.idempotent import IDEMPOTENT, IdempotentRoute
from clearway.api.deps import Ctx, Who
from clearway.dashboard import service
from clearway.dashboard.core import KEY_PATTERN, PILLARS, csv_rows
from clearway.dashboard.schemas import (ChangeOut, EnteredIn, EnteredOut, IndicatorOut, PublicationIn, PublicationOut,
                                        RegionalFiguresOut)
from clearway.errors import NotFound
from clearway.flows import indicators
from clearway.validation import DateOrTime

router = APIRouter(prefix="/api/v1/dashboard", tags=["dashboard"], route_class=IdempotentRoute)

Economy = Annotated[str | None, Query(pattern="^[A-Z]{2}$", description="default: all economies here")]
AsOf = Annotated[DateOrTime | None, Query(description="the window's end: a time, or a date (to its end); default now. "
                                                      "The window is the six months to it")]


@router.get("/indicators", response_model=list[IndicatorOut])
def list_indicators(ctx: Ctx, economy: Economy = None,
                    pillar: Annotated[str | None, Query(pattern="^(" + "|".join(PILLARS) + ")$")] = None,
                    as_of: AsOf = None) -> Any:
    """Every indicator (computed live over the last six months, or entered with its source and date)."""
    with ctx.uow() as session:
        found = indicators.indicators(session, economy=economy, now=indicators.window_end(as_of))
    return [i.as_dict() for i in found if pillar is None or i.pillar == pillar]


@router.get("/indicators/{key}.csv", response_class=Response,
            responses={200: {"content": {"text/csv": {}}, "description": "one row per label, a column per series"}})
def indicator_csv(key: Annotated[str, Path(pattern=KEY_PATTERN)], ctx: Ctx, economy: Economy = None,
                  as_of: AsOf = None) -> Response:
    """One indicator's figures as CSV (the data table beside its chart on the dashboard)."""
    with ctx.uow() as session:
        found = [i for i in indicators.indicators(session, economy=economy, now=indicators.window_end(as_of))
                 if i.key == key]
    if not found:
        raise NotFound(f"no indicator {key!r}")
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(csv_rows(found[0]))
    return Response(buf.getvalue(), media_type="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{key}.csv"'})


@router.put("/entered/{key}", response_model=EnteredOut)
def enter(key: Annotated[str, Path(pattern=KEY_PATTERN)], body: EnteredIn, who: Who, ctx: Ctx) -> Any:
    """Set an entered indicator (admin). The same value again changes nothing and adds no history."""
    with ctx.uow() as session:
        row, _ = service.enter(session, principal=who, key=key, body=body)
        return EnteredOut.model_validate(row, from_attributes=True)


@router.get("/entered/{key}/history", response_model=list[ChangeOut])
def history(key: Annotated[str, Path(pattern=KEY_PATTERN)], who: Who, ctx: Ctx, economy: Economy = None) -> Any:
    with ctx.uow() as session:
        rows = service.history(session, principal=who, economy=economy or who.economy, key=key)
        return [ChangeOut.model_validate(r, from_attributes=True) for r in rows]


@router.post("/publications", dependencies=[IDEMPOTENT], response_model=PublicationOut)
def publish(body: PublicationIn, who: Who, ctx: Ctx) -> Any:
    """Receive an installation's aggregate figures for a period (on the regional installation)."""
    with ctx.uow() as session:
        row, replaced, unchanged = service.receive(session, principal=who, body=body)
        return PublicationOut(economy=row.economy, period=row.period, received_at=row.received_at,
                              replaced=replaced, unchanged=unchanged)


@router.get("/region", response_model=list[RegionalFiguresOut])
def region(ctx: Ctx) -> Any:
    """The latest figures each economy published here, side by side (aggregates only)."""
    with ctx.uow() as session:
        return [{"economy": p.economy, "period": p.period, "received_at": p.received_at.isoformat(),
                 **p.figures} for p in service.publications(session)]
