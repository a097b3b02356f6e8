"""Who is asking for a page: the signed-in user of the browser's session cookie, and the checks every page
module uses. A page route takes `Annotated[SignedIn, Depends(require_page_user("declarant"))]`: without a
session the browser goes to /login and comes back; with the wrong role, or a POST without the session's
CSRF token, the answer is a 403 page.

The cookie holds a random token (only its SHA-256 is stored, auth.users); it is HttpOnly, SameSite=Lax, and
Secure whenever the page was served over TLS. Every form carries the session's CSRF token (`csrf` field,
`{{ csrf_field() }}` in templates); the sign-in form, before any session, carries a token that must match its
own short-lived cookie (the double-submit pattern of the OWASP CSRF Prevention Cheat Sheet)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated
from urllib.parse import quote, urlsplit

from fastapi import Depends, Request
from fastapi.responses import Response

from clearway.auth import accounts, users
from clearway.auth.core import has_role
from clearway.auth.users import SignedIn

COOKIE = "clearway_session"
LOGIN_COOKIE = "clearway_login"  # the sign-in form's CSRF token, before there is a session
_NOBODY = object()


class SignInNeeded(Exception):
    """The page needs a signed-in user: the browser is sent to /login?next=<this page>."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


class PageRefused(Exception):
    """A page answer that refuses: rendered as a page saying why, with this status."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


def current(request: Request) -> SignedIn | None:
    """The signed-in user of this request's session cookie, looked up once per request."""
    cached = getattr(request.state, "signed", _NOBODY)
    if cached is not _NOBODY:
        return cached  # type: ignore[return-value]
    token = request.cookies.get(COOKIE, "")
    found = None
    if token:
        with request.app.state.ctx.uow() as session:
            found = users.signed_in(session, token=token)
    request.state.signed = found
    return found


def csrf_token(request: Request) -> str:
    """The token a form on this page must send back: the session's, or the sign-in form's."""
    signed = current(request)
    if signed is not None:
        return signed.csrf
    token = getattr(request.state, "login_csrf", None) or request.cookies.get(LOGIN_COOKIE, "")
    if not token:
        token = request.state.login_csrf = accounts.new_token()
    return token


def safe_next(raw: str | None, default: str = "/") -> str:
    """Only a path of this site: '/x', never '//host' or 'https://host' (no open redirect)."""
    if not raw:
        return default
    parts = urlsplit(raw)
    if parts.scheme or parts.netloc or not raw.startswith("/") or raw.startswith("//") or "\\" in raw:
        return default
    return raw


def back_here(request: Request) -> str:
    if request.method != "GET":
        return "/"
    return request.url.path + (f"?{request.url.query}" if request.url.query else "")


def login_url(next_path: str) -> str:
    return "/login?next=" + quote(next_path, safe="/")


def _signed(request: Request) -> SignedIn:
    signed = current(request)
    if signed is None:
        raise SignInNeeded(back_here(request))
    return signed


async def check_csrf(request: Request, expected: str) -> None:
    if request.method in ("GET", "HEAD"):
        return
    form = await request.form()
    if not accounts.same_token(expected, str(form.get("csrf", ""))):
        raise PageRefused(403, "This form was refused: its security token is missing or out of date. "
                               "Go back, reload the page and send it again.")


def require_page_user(*roles: str) -> Callable[..., Awaitable[SignedIn]]:
    """A dependency: the signed-in user, of one of `roles` (any role when none is named); on a POST the
    form's CSRF token is checked too."""

    async def check(request: Request, signed: Annotated[SignedIn, Depends(_signed)]) -> SignedIn:
        if roles and not has_role(signed.principal, *roles):
            raise PageRefused(403, f"This page is for another role ({', '.join(roles)}); you are signed in as "
                                   f"{signed.principal.role}.")
        await check_csrf(request, signed.csrf)
        return signed

    return check


def secure(request: Request) -> bool:
    return request.url.scheme == "https"


def set_session_cookie(response: Response, request: Request, token: str) -> None:
    response.set_cookie(COOKIE, token, httponly=True, samesite="lax", secure=secure(request), path="/",
                        max_age=int(accounts.ABSOLUTE.total_seconds()))
    response.delete_cookie(LOGIN_COOKIE, path="/login")


def set_login_cookie(response: Response, request: Request) -> None:
    token = getattr(request.state, "login_csrf", None)
    if token:
        response.set_cookie(LOGIN_COOKIE, token, httponly=True, samesite="strict", secure=secure(request),
                            path="/login", max_age=3600)


def clear_session_cookie(response: Response, request: Request) -> None:
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="lax", secure=secure(request))
