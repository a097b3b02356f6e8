"""The public Border Management Dashboard: one page per pillar, each chart drawn as SVG on the server with
its title, units, a data table and a CSV download; the regional view of the economies that publish here;
and the administrator's page to set entered indicators (signed in, every change kept)."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from clearway.api.deps import Context, context
from clearway.auth.users import SignedIn
from clearway.dashboard import charts, service
from clearway.dashboard.core import ENTERED, PILLARS, csv_rows, regional_tables
from clearway.dashboard.schemas import EnteredIn
from clearway.errors import ClearwayError, NotFound
from clearway.flows import indicators
from clearway.reference import economies
from clearway.web.session import require_page_user
from clearway.web.templating import render

router = APIRouter(include_in_schema=False)
Ctx = Annotated[Context, Depends(context)]
Economy = Annotated[str | None, Query(pattern="^[A-Z]{2}$")]
Admin = Annotated[SignedIn, Depends(require_page_user("admin"))]


def _found(ctx: Context, economy: str | None, pillar: str, as_of: date | None = None):
    if pillar not in PILLARS:
        raise NotFound(f"no dashboard pillar {pillar!r}; the pillars: {', '.join(PILLARS)}")
    with ctx.uow() as session:
        return [i for i in indicators.indicators(session, economy=economy, now=indicators.window_end(as_of))
                if i.pillar == pillar]


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
        pubs = service.publications(session)
        rows = [(p.economy, p.period, p.figures["indicators"]) for p in pubs]
        side_by_side = regional_tables([(p.economy, p.figures) for p in pubs])
    keys: dict[str, str] = {}
    cells: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for economy, period, inds in rows:
        for ind in inds:
            keys.setdefault(ind["key"], f"{ind['title']} ({ind['unit']})")
            cells[(ind["key"], economy)] = _at_period(ind, period)
    return render(request, "dashboard_region.html", {
        "published": [{"economy": e, "period": p} for e, p, _ in rows], "keys": keys, "cells": cells,
        "pillars": PILLARS, "tables": side_by_side,
        "svgs": {i.key: charts.svg(i) for i in side_by_side}, "rows": {i.key: csv_rows(i) for i in side_by_side}})


@router.get("/dashboard/region/{key}.csv", response_class=Response)
def region_csv(key: str, ctx: Ctx) -> Response:
    """One regional figure (workforce share or TFA rate) as CSV: a row per year or category, a column per economy."""
    with ctx.uow() as session:
        found = [i for i in regional_tables([(p.economy, p.figures) for p in service.publications(session)])
                 if i.key == key]
    if not found:
        raise NotFound(f"no regional figure {key!r}")
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(csv_rows(found[0]))
    return Response(buf.getvalue(), media_type="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{key}.csv"'})


def _admin_page(request: Request, signed: SignedIn, economy: str | None, *, errors: dict[str, str] | None = None,
                form: dict | None = None, status: int = 200) -> Response:
    chosen = economy or signed.principal.economy
    with request.app.state.ctx.uow() as db:
        rows = service.entered(db, economy=chosen)
        changes = {r.key: service.history(db, principal=signed.principal, economy=chosen, key=r.key) for r in rows}
        return render(request, "dashboard_admin.html", {
            "pillars": PILLARS, "economy": chosen, "rows": rows, "changes": changes, "expected": ENTERED,
            "economies": economies.all_economies(), "errors": errors or {}, "form": form or {}}, status=status)


@router.get("/dashboard/admin", response_class=HTMLResponse)
def admin_page(request: Request, signed: Admin, economy: Economy = None) -> Response:
    """Entered indicators of one economy, each with every change (who, when), and the form to set one."""
    return _admin_page(request, signed, economy)


@router.post("/dashboard/admin")
def admin_enter(request: Request, signed: Admin, key: Annotated[str, Form()] = "",
                value: Annotated[str, Form()] = "", unit: Annotated[str, Form()] = "",
                source: Annotated[str, Form()] = "", as_of: Annotated[str, Form()] = "",
                economy: Annotated[str, Form()] = "", pillar: Annotated[str, Form()] = "",
                title: Annotated[str, Form()] = "") -> Response:
    form = {"key": key, "value": value, "unit": unit, "source": source, "as_of": as_of, "economy": economy,
            "pillar": pillar, "title": title}
    try:
        body = EnteredIn.model_validate({k: v for k, v in form.items() if k != "key" and v.strip()})
        with request.app.state.ctx.uow() as db:
            service.enter(db, principal=signed.principal, key=key.strip(), body=body)
    except ValidationError as exc:
        errors = {str(e["loc"][0]) if e["loc"] else "form": e["msg"] for e in exc.errors()}
        return _admin_page(request, signed, economy or None, errors=errors, form=form, status=422)
    except ClearwayError as exc:
        errors = {e.path: e.reason for e in exc.errors} or {"form": exc.detail}
        return _admin_page(request, signed, economy or None, errors=errors, form=form, status=exc.status)
    return RedirectResponse(f"/dashboard/admin?economy={body.economy or signed.principal.economy}", status_code=303)


@router.get("/dashboard/{pillar}", response_class=HTMLResponse)
def pillar_page(request: Request, pillar: str, ctx: Ctx, economy: Economy = None,
                as_of: Annotated[date | None, Query(description="the window's last day; default today")] = None,
                ) -> HTMLResponse:
    found = _found(ctx, economy, pillar, as_of)
    shown = [{"ind": i, "svg": charts.svg(i) if i.chart != "none" else "", "rows": csv_rows(i)} for i in found]
    params = {k: v for k, v in (("economy", economy), ("as_of", as_of and as_of.isoformat())) if v}
    return render(request, "dashboard.html", {
        "pillar": pillar, "pillars": PILLARS, "economy": economy, "shown": shown,
        "query": ("?" + urlencode(params)) if params else ""})
