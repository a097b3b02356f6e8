"""/admin/essential-goods: the economy's administrator adds or removes HS 2022 subheadings of its
essential-goods list, with a reason (the same risk.essential_goods service as the API and
`clearway risk essential ...`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from clearway.auth.users import SignedIn
from clearway.errors import ClearwayError
from clearway.risk import essential_goods
from clearway.web.session import require_page_user
from clearway.web.templating import render

router = APIRouter(prefix="/admin", include_in_schema=False)
Admin = Annotated[SignedIn, Depends(require_page_user("admin"))]


def _page(request: Request, signed: SignedIn, *, errors: dict[str, str] | None = None, form: dict | None = None,
          status: int = 200) -> Response:
    economy = signed.principal.economy
    with request.app.state.ctx.uow() as db:
        entries = essential_goods.entries(db, economy=economy)
    return render(request, "admin/essential.html", {"economy": economy, "entries": entries,
                                                    "errors": errors or {}, "form": form or {}}, status=status)


@router.get("/essential-goods", response_class=HTMLResponse)
def essential_page(request: Request, signed: Admin) -> Response:
    return _page(request, signed)


@router.post("/essential-goods")
def essential_change(request: Request, signed: Admin, subheading: Annotated[str, Form()] = "",
                     reason: Annotated[str, Form()] = "", action: Annotated[str, Form()] = "add") -> Response:
    try:
        with request.app.state.ctx.uow() as db:
            essential_goods.change(db, principal=signed.principal, economy=signed.principal.economy,
                                   subheading=subheading.strip().replace(".", ""), included=action != "remove",
                                   reason=reason)
    except ClearwayError as exc:
        errors = {e.path: e.reason for e in exc.errors} or {"form": exc.detail}
        return _page(request, signed, errors=errors, form={"subheading": subheading, "reason": reason},
                     status=exc.status)
    return RedirectResponse("/admin/essential-goods", status_code=303)
