"""/gender/XX/edit: the admin of economy XX, signed in, enters a year's head counts or rates one indicator of the
self-assessment. The same service calls as PUT /api/v1/workforce/...; refusals are shown beside their fields."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from clearway.auth.core import administers
from clearway.auth.users import SignedIn
from clearway.errors import ClearwayError, FieldError, Invalid
from clearway.reference import economies
from clearway.validation import parse
from clearway.web.session import PageRefused, require_page_user
from clearway.web.templating import render
from clearway.workforce import service
from clearway.workforce.principles import indicators, scale
from clearway.workforce.schemas import MetricsIn, RatingIn

router = APIRouter(prefix="/gender", include_in_schema=False)
Admin = Annotated[SignedIn, Depends(require_page_user("admin"))]


COUNTS = tuple(f for f in MetricsIn.model_fields if f != "grades")


def _own(signed: SignedIn, economy: str) -> str:
    code = economies.checked(economy)
    if not administers(signed.principal, code):
        raise PageRefused(403, f"Only the admin of {code} edits {code}'s entries; you administer "
                               f"{signed.principal.economy}.")
    return code


def _page(request: Request, economy: str, *, form: dict | None = None, errors: dict | None = None,
          status: int = 200) -> Response:
    return render(request, "tfa/gender_edit.html", {
        "economy": economy, "name": economies.get(economy).name, "form": form or {}, "errors": errors or {},
        "counts": COUNTS, "indicator_options": [(c, f"{c} {i.text}") for c, i in indicators().items()],
        "scale_options": [(str(n), f"{n} {words}") for n, words in scale().items()]}, status=status)


def _errors(exc: ClearwayError, prefix: str) -> dict[str, str]:
    return {f"{prefix}{e.path}": e.reason for e in exc.errors} or {f"{prefix}form": exc.detail}


@router.get("/{economy}/edit", response_class=HTMLResponse)
def edit_page(request: Request, economy: str, signed: Admin) -> Response:
    return _page(request, _own(signed, economy))


@router.post("/{economy}/metrics", response_class=HTMLResponse)
async def save_metrics(request: Request, economy: str, signed: Admin) -> Response:
    code = _own(signed, economy)
    form = {k: str(v) for k, v in (await request.form()).items() if k != "csrf"}
    return await run_in_threadpool(_save_metrics, request, signed, code, form)


def _save_metrics(request: Request, signed: SignedIn, code: str, form: dict[str, str]) -> Response:
    try:
        year = form.get("year", "").strip()
        if not year.isdigit():
            raise Invalid("bad year", errors=[FieldError("year", "must be a year, e.g. 2025")])
        body = parse(MetricsIn, {k: form[k].strip() for k in COUNTS if form.get(k, "").strip()})
        with request.app.state.ctx.uow() as session:
            service.put_metrics(session, principal=signed.principal, actor=signed.principal.actor, economy=code,
                                year=int(year), body=body)
    except ClearwayError as exc:
        return _page(request, code, form=form, errors=_errors(exc, "m-"), status=exc.status)
    return RedirectResponse(f"/gender/{code}?saved={year}#trends", status_code=303)


@router.post("/{economy}/ratings", response_class=HTMLResponse)
async def save_rating(request: Request, economy: str, signed: Admin) -> Response:
    code = _own(signed, economy)
    form = {k: str(v) for k, v in (await request.form()).items() if k != "csrf"}
    return await run_in_threadpool(_save_rating, request, signed, code, form)


def _save_rating(request: Request, signed: SignedIn, code: str, form: dict[str, str]) -> Response:
    try:
        try:
            day = date.fromisoformat(form.get("assessed_on", ""))
        except ValueError:
            raise Invalid("bad date", errors=[FieldError("assessed_on", "must be a date, YYYY-MM-DD")]) from None
        cells = {k: form[k].strip() for k in RatingIn.model_fields if form.get(k, "").strip()}
        body = parse(RatingIn, cells)
        with request.app.state.ctx.uow() as session:
            service.put_rating(session, principal=signed.principal, actor=signed.principal.actor, economy=code,
                               assessed_on=day, indicator=form.get("indicator", ""), body=body)
    except ClearwayError as exc:
        return _page(request, code, form=form, errors=_errors(exc, "r-"), status=exc.status)
    return RedirectResponse(f"/gender/{code}?saved={day.isoformat()}#scores", status_code=303)
