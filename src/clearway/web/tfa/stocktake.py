"""/tfa pages: the economies x measures heat map, one economy's stock-take, one measure's economies, matches and
gaps. Public reading (the same service calls as /api/v1/tfa); editing is in web/tfa/edit.py."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from clearway.db import utcnow
from clearway.errors import ClearwayError
from clearway.reference import economies
from clearway.tfa import core, measures, service
from clearway.web.tfa import charts
from clearway.web.templating import render

router = APIRouter(prefix="/tfa", include_in_schema=False)
STATUS = {"not_started": "not started", "in_progress": "in progress", "implemented": "implemented"}


def level_class(level: int | None) -> str:
    if level is None:
        return "l-none"
    return "l4" if level >= 100 else "l3" if level >= 60 else "l2" if level >= 30 else "l1" if level > 0 else "l0"


def _refused(request: Request, exc: ClearwayError) -> Response:
    return render(request, "refused.html", {"message": exc.one_line(), "status": exc.status}, status=exc.status)


def _names() -> dict[str, str]:
    return {code: e.name for code, e in economies.all_economies().items()}


@router.get("", response_class=HTMLResponse)
def heat_map(request: Request) -> Response:
    with request.app.state.ctx.uow() as session:
        codes, ids, grid = service.heat_map(session)
        illustrative = any(r.illustrative for r in service.commitments(session))
    return render(request, "tfa/heatmap.html", {
        "codes": codes, "measures": [measures.get(m) for m in ids], "grid": grid, "level_class": level_class,
        "names": _names(), "status": STATUS, "illustrative": illustrative})


@router.get("/economies/{economy}", response_class=HTMLResponse)
def economy_page(request: Request, economy: str) -> Response:
    today = utcnow().date()
    try:
        with request.app.state.ctx.uow() as session:
            take = service.stocktake(session, economy=economy, today=today)
    except ClearwayError as exc:
        return _refused(request, exc)
    rates = take["rates"]
    chart = charts.bars(f"Implementation rate by category, {take['economy']}",
                        [(f"Category {r.category}" if r.category != "all" else "All measures", r.rate) for r in rates])
    entered = {r.measure: r for r in take["rows"]}
    return render(request, "tfa/economy.html", {
        **take, "name": _names()[take["economy"]], "chart": chart, "entered": entered, "status": STATUS,
        "measures": measures.all_measures(), "due": {r.measure: core.due_date(service.to_core(r)) for r in take["rows"]},
        "illustrative": any(r.illustrative for r in take["rows"])})


@router.get("/measures/{measure}", response_class=HTMLResponse)
def measure_page(request: Request, measure: str) -> Response:
    try:
        with request.app.state.ctx.uow() as session:
            rows = service.needing(session, measure=measure)
    except ClearwayError as exc:
        return _refused(request, exc)
    found = measures.get(measure)
    return render(request, "tfa/measure.html", {
        "measure": found, "rows": rows, "names": _names(), "status": STATUS,
        "due": {r.economy: core.due_date(service.to_core(r)) for r in rows}, "today": utcnow().date(),
        "illustrative": any(r.illustrative for r in rows)})


@router.get("/matches", response_class=HTMLResponse)
def matches_page(request: Request, economy: Annotated[str, Query()] = "") -> Response:
    today = utcnow().date()
    ranking = None
    if economy:
        try:
            with request.app.state.ctx.uow() as session:
                ranking = service.ranking(session, economy=economy, today=today)
        except ClearwayError as exc:
            return _refused(request, exc)
    with request.app.state.ctx.uow() as session:
        rows = service.commitments(session)
        illustrative = any(r.illustrative for r in rows) or any(p.illustrative for p in service.projects(session))
    return render(request, "tfa/matches.html", {
        "ranking": ranking, "economy": economy.upper(), "choices": sorted({r.economy for r in rows}), "names": _names(),
        "today": today, "measures": measures.all_measures(), "illustrative": illustrative})


@router.get("/gaps", response_class=HTMLResponse)
def gaps_page(request: Request) -> Response:
    today = utcnow().date()
    with request.app.state.ctx.uow() as session:
        found = service.gaps(session, today=today)
        illustrative = any(r.illustrative for r in service.commitments(session))
    return render(request, "tfa/gaps.html", {"gaps": found, "measures": measures.all_measures(), "names": _names(),
                                             "today": today, "illustrative": illustrative})
