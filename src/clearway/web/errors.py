"""How a page refuses: to /login when nobody is signed in, else a page saying why (403 for the wrong role or
a missing CSRF token). Installed on the app beside the API's problem details (api/problems.py)."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response

from clearway.web.session import PageRefused, SignInNeeded, login_url
from clearway.web.templating import render


def install(app: FastAPI) -> None:
    @app.exception_handler(SignInNeeded)
    async def _sign_in(request: Request, exc: SignInNeeded) -> Response:
        return RedirectResponse(login_url(exc.next_path), status_code=303)

    @app.exception_handler(PageRefused)
    async def _refused(request: Request, exc: PageRefused) -> Response:
        return render(request, "refused.html", {"message": exc.message, "status": exc.status}, status=exc.status)
