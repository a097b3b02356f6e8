"""Signing in and out of the pages, and the signed-in user's choice of language."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from clearway.auth import accounts, users
from clearway.auth.users import SignedIn
from clearway.errors import ClearwayError
from clearway.web import session
from clearway.web.session import PageRefused, require_page_user
from clearway.web.templating import render

router = APIRouter(include_in_schema=False)

# Where each role lands after signing in (when no page was asked for): each audience's own pages.
HOMES = {"declarant": "/trader/", "officer": "/officer/", "nppo": "/nppo/", "admin": "/admin/"}


def _form(request: Request, *, next_path: str, username: str = "", failed: bool = False) -> Response:
    response = render(request, "login.html", {"next": next_path, "username": username, "failed": failed},
                      status=401 if failed else 200)
    session.set_login_cookie(response, request)
    return response


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "") -> Response:
    return _form(request, next_path=session.safe_next(next, ""))


@router.post("/login")
def login(request: Request, username: Annotated[str, Form()] = "", password: Annotated[str, Form()] = "",
          next: Annotated[str, Form()] = "", csrf: Annotated[str, Form()] = "") -> Response:
    if not accounts.same_token(request.cookies.get(session.LOGIN_COOKIE, ""), csrf):
        raise PageRefused(403, "This sign-in form was refused: its security token is missing or out of date. "
                               "Reload the sign-in page and try again.")
    with request.app.state.ctx.uow() as db:
        token = users.sign_in(db, username=username, password=password)
        role = users.get_user(db, username=username).role if token else None
    if token is None or role is None:
        return _form(request, next_path=session.safe_next(next, ""), username=username, failed=True)
    response = RedirectResponse(session.safe_next(next, HOMES.get(role, "/")), status_code=303)
    session.set_session_cookie(response, request, token)
    return response


@router.post("/logout")
def logout(request: Request, _: Annotated[SignedIn, Depends(require_page_user())]) -> Response:
    with request.app.state.ctx.uow() as db:
        users.sign_out(db, token=request.cookies.get(session.COOKIE, ""))
    response = RedirectResponse("/login", status_code=303)
    session.clear_session_cookie(response, request)
    return response


@router.post("/account/language")
def choose_language(request: Request, signed: Annotated[SignedIn, Depends(require_page_user())],
                    language: Annotated[str, Form()], next: Annotated[str, Form()] = "/") -> Response:
    try:
        with request.app.state.ctx.uow() as db:
            users.set_language(db, username=signed.username, language=language)
    except ClearwayError as exc:
        raise PageRefused(exc.status, exc.one_line()) from None
    return RedirectResponse(session.safe_next(next), status_code=303)
