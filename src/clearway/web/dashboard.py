"""The public Border Management Dashboard: one page per pillar, each chart drawn as SVG on the server with
its title, units, a data table and a CSV download; the regional view of the economies that publish here."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from clearway.api.deps import Context, context
from clearway.dashboard import charts, service
from clearway.dashboard.core import PILLARS, csv_rows
from clearway.errors import NotFound
from clearway.flows import indicators

templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
router = APIRouter(include_in_schema=False)
Ctx = Annotated[Context, Depends(context)]
Economy = Annotated[str | None, Query(pattern="^[A-Z]{2}$")]


def _found(ctx: Context, economy: str | None, pillar: str):
    if pillar not in PILLARS:
        raise NotFound(f"no dashboard pillar {pillar!r}; the pillars: {', '.join(PILLARS)}")
    with ctx.uow() as session:
        return [i for i in indicators.indicators(session, economy=economy) if i.pillar == pillar]


@router.get("/dashboard")
def dashboard(economy: Economy = None) -> RedirectResponse:
    return RedirectResponse("/dashboard/policy" + (f"?economy={economy}" if economy else ""), status_code=307)


def _at_period(ind: dict, period: str) -> list[tuple[str, str]]:
    """Each series' figure for the published period (a month label), else its latest figure."""
    shown = []
    for series in ind["series"]:
        points = dict(series["points"])
        value = points.get(period) if period in points else next(
            (v for _, v in reversed(series["points"]) if v is not None), None)
        if value is not None:
            shown.append((series["name"], value))
    return shown


@router.get("/dashboard/region", response_class=HTMLResponse)
def region(request: Request, ctx: Ctx) -> HTMLResponse:
    with ctx.uow() as session:
        rows = [(p.economy, p.period, p.figures["indicators"]) for p in service.publications(session)]
    keys: dict[str, str] = {}
    cells: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for economy, period, inds in rows:
        for ind in inds:
            keys.setdefault(ind["key"], f"{ind['title']} ({ind['unit']})")
            cells[(ind["key"], economy)] = _at_period(ind, period)
    return templates.TemplateResponse(request, "dashboard_region.html", {
        "published": [{"economy": e, "period": p} for e, p, _ in rows], "keys": keys, "cells": cells,
        "pillars": PILLARS})


@router.get("/dashboard/{pillar}", response_class=HTMLResponse)
def pillar_page(request: Request, pillar: str, ctx: Ctx, economy: Economy = None) -> HTMLResponse:
    found = _found(ctx, economy, pillar)
    shown = [{"ind": i, "svg": charts.svg(i) if i.chart != "none" else "", "rows": csv_rows(i)} for i in found]
    return templates.TemplateResponse(request, "dashboard.html", {
        "pillar": pillar, "pillars": PILLARS, "economy": economy, "shown": shown,
        "query": f"?economy={economy}" if economy else ""})


@router.get("/dashboard/{pillar}/{key}.csv")
def indicator_csv(pillar: str, key: str, ctx: Ctx, economy: Economy = None) -> Response:
    found = [i for i in _found(ctx, economy, pillar) if i.key == key]
    if not found:
        raise NotFound(f"no indicator {key!r} on the {pillar} page")
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(csv_rows(found[0]))
    return Response(buf.getvalue(), media_type="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{pillar}-{key}.csv"'})
