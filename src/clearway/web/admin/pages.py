"""/admin/: create and disable users of every role for an economy and party; list, create and revoke the API
keys machines use. The same auth services as `clearway users ...` and `clearway keys ...`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from clearway.auth import service as keys
from clearway.auth import users
from clearway.auth.core import ROLES
from clearway.auth.users import SignedIn
from clearway.errors import ClearwayError
from clearway.reference import economies
from clearway.web.session import require_page_user
from clearway.web.templating import render

router = APIRouter(prefix="/admin", include_in_schema=False)
Admin = Annotated[SignedIn, Depends(require_page_user("admin"))]


def _page(request: Request, *, errors: dict[str, str] | None = None, form: dict | None = None,
          new_key: str | None = None, created: str = "", status: int = 200) -> Response:
    with request.app.state.ctx.uow() as db:
        people = users.list_users(db)
        machine_keys = keys.list_keys(db)
        return render(request, "admin/index.html", {
            "people": people, "keys": machine_keys, "roles": ROLES, "economies": economies.all_economies(),
            "languages": users.LANGUAGES, "errors": errors or {}, "form": form or {}, "new_key": new_key,
            "created": created}, status=status)


def _field_errors(exc: ClearwayError) -> dict[str, str]:
    return {e.path: e.reason for e in exc.errors} or {"form": exc.detail}


@router.get("/", response_class=HTMLResponse)
def admin_home(request: Request, _: Admin, created: str = "") -> Response:
    return _page(request, created=created)


@router.post("/users")
def create_user(request: Request, signed: Admin, username: Annotated[str, Form()] = "",
                password: Annotated[str, Form()] = "", role: Annotated[str, Form()] = "",
                economy: Annotated[str, Form()] = "", party: Annotated[str, Form()] = "",
                full_name: Annotated[str, Form()] = "", language: Annotated[str, Form()] = "") -> Response:
    form = {"username": username, "role": role, "economy": economy, "party": party, "full_name": full_name,
            "language": language}
    try:
        with request.app.state.ctx.uow() as db:
            users.create_user(db, username=username, password=password, role=role, economy=economy, party_id=party,
                              full_name=full_name, language=language or None, actor=signed.principal.actor)
    except ClearwayError as exc:
        return _page(request, errors=_field_errors(exc), form=form, status=exc.status)
    return RedirectResponse(f"/admin/?created={username.strip().lower()}", status_code=303)


def _then_back(request: Request, action: Callable[[Session], object]) -> Response:
    """Run one action in its own unit of work; back to the list, or the list with the refusal."""
    try:
        with request.app.state.ctx.uow() as db:
            action(db)
    except ClearwayError as exc:
        return _page(request, errors=_field_errors(exc), status=exc.status)
    return RedirectResponse("/admin/", status_code=303)


@router.post("/users/{username}/disable")
def disable_user(request: Request, signed: Admin, username: str) -> Response:
    return _then_back(request, lambda db: users.disable_user(db, username=username, actor=signed.principal.actor))


@router.post("/keys")
def create_key(request: Request, signed: Admin, role: Annotated[str, Form()] = "",
               economy: Annotated[str, Form()] = "", party: Annotated[str, Form()] = "",
               label: Annotated[str, Form()] = "") -> Response:
    try:
        with request.app.state.ctx.uow() as db:
            secret, _ = keys.create_key(db, role=role, economy=economy, party_id=party.strip() or None,
                                        label=label.strip() or None, actor=signed.principal.actor)
    except ClearwayError as exc:
        errors = {f"key_{k}": v for k, v in _field_errors(exc).items()}
        return _page(request, errors=errors, form={"key_" + k: v for k, v in
                                                   {"role": role, "economy": economy, "party": party,
                                                    "label": label}.items()}, status=exc.status)
    # Shown once, on this answer only (never stored in clear, never in an address).
    return _page(request, new_key=secret)


@router.post("/keys/{key_id}/revoke")
def revoke_key(request: Request, signed: Admin, key_id: int) -> Response:
    response = _then_back(request, lambda db: keys.revoke_key(db, key_id=key_id, actor=signed.principal.actor))
    request.app.state.ctx.forget_keys()  # this process stops accepting the key now, not within 60 s
    return response
