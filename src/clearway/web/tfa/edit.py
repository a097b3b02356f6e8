"""/tfa/economies/XX/edit: the admin of economy XX, signed in, enters or changes one of XX's commitments.
The same service call as PUT /api/v1/tfa/commitments/XX/MEASURE; refusals are shown beside their fields."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from clearway.auth.core import administers
from clearway.auth.users import SignedIn
from clearway.errors import ClearwayError, FieldError, Invalid, NotFound
from clearway.reference import economies
from clearway.tfa import measures, service
from clearway.tfa.schemas import CommitmentIn
from clearway.validation import parse
from clearway.web.session import PageRefused, require_page_user
from clearway.web.templating import render

router = APIRouter(prefix="/tfa/economies", include_in_schema=False)
Admin = Annotated[SignedIn, Depends(require_page_user("admin"))]
FIELDS = ("category", "indicative_date", "definitive_date", "status", "percent", "priority", "ta_needed", "evidence")


def _own(signed: SignedIn, economy: str) -> str:
    code = economies.checked(economy)
    if not administers(signed.principal, code):
        raise PageRefused(403, f"Only the admin of {code} edits {code}'s entries; you administer "
                               f"{signed.principal.economy}.")
    return code


def _form(request: Request, economy: str, form: dict, errors: dict[str, str], status: int = 200) -> Response:
    return render(request, "tfa/edit.html", {"economy": economy, "name": economies.get(economy).name, "form": form,
                                             "errors": errors,
                                             "measure_options": [(m.id, m.label) for m in measures.all_measures().values()]}, status=status)


@router.get("/{economy}/edit", response_class=HTMLResponse)
def edit_form(request: Request, economy: str, signed: Admin, measure: str = "") -> Response:
    code = _own(signed, economy)
    form: dict = {"measure": measure, "status": "not_started", "percent": "0"}
    if measure:
        try:
            with request.app.state.ctx.uow() as session:
                row = service.commitment(session, economy=code, measure=measure)
            form = {"measure": row.measure, **{f: "" if getattr(row, f) is None else str(getattr(row, f))
                                               for f in FIELDS}}
        except NotFound:
            pass
    return _form(request, code, form, {})


@router.post("/{economy}/edit", response_class=HTMLResponse)
def save(request: Request, economy: str, signed: Admin, measure: Annotated[str, Form()] = "",
         category: Annotated[str, Form()] = "", indicative_date: Annotated[str, Form()] = "",
         definitive_date: Annotated[str, Form()] = "", status: Annotated[str, Form()] = "",
         percent: Annotated[str, Form()] = "", priority: Annotated[str, Form()] = "",
         ta_needed: Annotated[str, Form()] = "", evidence: Annotated[str, Form()] = "") -> Response:
    code = _own(signed, economy)
    form = {"measure": measure, "category": category, "indicative_date": indicative_date,
            "definitive_date": definitive_date, "status": status, "percent": percent, "priority": priority,
            "ta_needed": ta_needed, "evidence": evidence}
    try:
        if not measure:
            raise Invalid("choose a measure", errors=[FieldError("measure", "is required")])
        body = parse(CommitmentIn, {k: v.strip() for k, v in form.items() if k != "measure" and v.strip()})
        with request.app.state.ctx.uow() as session:
            row, _ = service.put_commitment(session, principal=signed.principal, actor=signed.principal.actor,
                                            economy=code, measure=measure, body=body)
            saved = row.measure
    except ClearwayError as exc:
        errors = {e.path: e.reason for e in exc.errors} or {"form": exc.detail}
        return _form(request, code, form, errors, status=exc.status)
    return RedirectResponse(f"/tfa/economies/{code}?saved={saved}#commitments", status_code=303)
