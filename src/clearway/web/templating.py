"""The one Jinja2 environment of every page: templates under web/templates/, text through the message
catalogues (web/i18n.py), and the signed-in user (if any) for the base layout."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, pass_context
from markupsafe import Markup, escape

from clearway.web import i18n, session

templates = Jinja2Templates(env=Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                                            autoescape=True, extensions=["jinja2.ext.i18n"]))


def language(request: Request) -> str:
    """The page's language: the signed-in user's choice, else the browser's Accept-Language."""
    chosen = getattr(request.state, "language", None)
    if chosen is None:
        signed = session.current(request)
        chosen = (signed.language if signed and signed.language in i18n.OFFERED else None) \
            or i18n.negotiate(request.headers.get("accept-language"))
        request.state.language = chosen
    return chosen


def _language_of(context: Any) -> str:
    request = context.get("request")
    return language(request) if request is not None else i18n.DEFAULT


@pass_context
def _gettext(context: Any, text: str) -> str:
    return i18n.gettext(_language_of(context), text)


@pass_context
def _ngettext(context: Any, singular: str, plural: str, n: int) -> str:
    return i18n.ngettext(_language_of(context), singular, plural, n)


@pass_context
def _csrf_field(context: Any) -> Markup:
    """The hidden CSRF field every form of a page carries."""
    token = session.csrf_token(context["request"])
    return Markup(f'<input type="hidden" name="csrf" value="{escape(token)}">')


templates.env.install_gettext_callables(_gettext, _ngettext, newstyle=True)  # type: ignore[attr-defined]
templates.env.globals.update(signed_in=session.current, csrf_token=session.csrf_token, csrf_field=_csrf_field, page_language=language,
                             language_names=i18n.NAMES)


def render(request: Request, name: str, context: dict[str, Any] | None = None, status: int = 200) -> HTMLResponse:
    return templates.TemplateResponse(request, name, context or {}, status_code=status)
