"""/gender pages: the regional comparison of women's participation in customs, and one administration's trends,
self-assessment scores per principle over time and (to its own customs, signed in) its open actions."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from clearway.db import utcnow
from clearway.errors import ClearwayError
from clearway.reference import economies
from clearway.web import session as pages_session
from clearway.web.tfa import charts
from clearway.web.templating import render
from clearway.workforce import core, service
from clearway.workforce.principles import indicators, principles, scale

router = APIRouter(prefix="/gender", include_in_schema=False)


@router.get("", response_class=HTMLResponse)
def regional(request: Request) -> Response:
    with request.app.state.ctx.uow() as session:
        rows = service.metrics(session)
    latest = {}
    for r in rows:  # ordered by economy, year: the last one per economy is its latest year
        latest[r.economy] = (r, core.published(service.to_core(r))[0])
    names = {c: e.name for c, e in economies.all_economies().items()}
    return render(request, "tfa/gender_regional.html", {
        "latest": latest, "names": names, "labels": core.SHARE_LABELS, "kinds": core.SHARES,
        "overall": charts.bars("Women among all staff, latest year reported",
                               [(f"{names[e]} ({r.year})", s["overall"]) for e, (r, s) in latest.items()]),
        "leadership": charts.bars("Women in leadership, latest year reported",
                                  [(f"{names[e]} ({r.year})", s["leadership"]) for e, (r, s) in latest.items()]),
        "illustrative": any(r.illustrative for r in rows)})


@router.get("/{economy}", response_class=HTMLResponse)
def administration(request: Request, economy: str) -> Response:
    today = utcnow().date()
    signed = pages_session.current(request)
    try:
        with request.app.state.ctx.uow() as session:
            rows = service.metrics(session, economy=economy)
            code = economy.strip().upper()
            scores = service.scores(session, economy=code)
            own = service.own_customs(signed.principal if signed else None, code)
            ratings = service.ratings(session, principal=signed.principal, economy=code) if own else []
    except ClearwayError as exc:
        return render(request, "refused.html", {"message": exc.one_line(), "status": exc.status}, status=exc.status)
    # The public sees the published shares (small groups left out); the administration's customs see all.
    shares = [(r.year, core.visible(service.to_core(r), own=own)[0]) for r in rows]
    years = [str(y) for y, _ in shares]
    trend = charts.lines(f"Women's participation in customs, {code}", years,
                         {core.SHARE_LABELS[k]: [s[k] for _, s in shares] for k in core.SHARES})
    days = [d.isoformat() for d in scores]
    parts = {p.code: f"{p.code} {p.name}" for p in principles()}
    score_chart = charts.lines(f"Self-assessment score per principle, {code}", days,
                               {parts[p]: [scores[d].get(p) for d in scores] for p in parts})
    actions = core.open_actions([service.to_rating(r) for r in ratings], today=today)
    return render(request, "tfa/gender_economy.html", {
        "economy": code, "name": economies.get(code).name, "shares": shares, "labels": core.SHARE_LABELS,
        "kinds": core.SHARES, "trend": trend, "latest": rows[-1] if rows else None,
        "grade_shares": core.visible(service.to_core(rows[-1]), own=own)[1] if rows else {},
        "scores": scores, "principles": principles(), "score_chart": score_chart, "own": own, "signed": signed,
        "actions": actions, "today": today, "indicators": indicators(), "scale": scale(),
        "illustrative": any(r.illustrative for r in rows)})
