"""RFC 9457 problem details for every refusal, and the handlers that produce them."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from clearway.db import database_unavailable
from clearway.errors import BY_KIND, BY_STATUS, ClearwayError, FieldError, type_uri
from clearway.validation import field_errors

PROBLEM = "application/problem+json"


def problem(status: int, title: str, detail: str, *, errors: list[FieldError] | None = None,
            instance: str | None = None, headers: dict[str, str] | None = None,
            extra: dict[str, Any] | None = None, kind: str | None = None) -> JSONResponse:
    """`kind` names the problem type (clearway.errors.TYPES); without it, the general kind of the status."""
    known = BY_KIND.get(kind or "") or BY_STATUS.get(status)
    body: dict[str, Any] = {"type": type_uri(known.kind) if known else "about:blank", "title": title,
                            "status": status, "detail": detail}
    if instance:
        body["instance"] = instance
    if errors:
        body["errors"] = [e.as_dict() for e in errors]
    for key, value in (extra or {}).items():
        if value is not None:  # a domain's extra named like a standard member keeps both
            body[f"current_{key}" if key in body else key] = value
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


# Seconds a client waits before sending again a request refused because the database was unavailable.
RETRY_AFTER = 5


def install(app: FastAPI) -> None:
    @app.exception_handler(ClearwayError)
    async def _domain(request: Request, exc: ClearwayError) -> JSONResponse:
        return problem(exc.status, exc.title, exc.detail, errors=exc.errors, instance=request.url.path,
                       extra=exc.extra, kind=exc.kind)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        raw = list(exc.errors())
        bad_json = [e for e in raw if e.get("type") == "json_invalid"]
        if bad_json:
            ctx = bad_json[0].get("ctx") or {}
            return problem(400, "Malformed JSON", f"the body is not valid JSON: {ctx.get('error', 'parse error')}",
                           instance=request.url.path, kind="malformed-json")
        return problem(422, "Invalid input", "the request has invalid fields: see errors",
                       errors=field_errors(raw, skip=("body",)), instance=request.url.path)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        titles = {401: "Unauthorized", 403: "Forbidden", 404: "Not found", 405: "Method not allowed",
                  413: "Content too large", 415: "Unsupported media type"}
        return problem(exc.status_code, titles.get(exc.status_code, "Error"), str(exc.detail),
                       instance=request.url.path, headers=getattr(exc, "headers", None))

    @app.exception_handler(OverflowError)
    @app.exception_handler(DataError)
    async def _out_of_range(request: Request, exc: Exception) -> JSONResponse:
        # A number in the path, query or body beyond what the database column holds: the client's error,
        # whichever field it was (the transaction was rolled back, nothing stored).
        return problem(422, "Invalid input", "a number in the request is out of the range Clearway stores",
                       instance=request.url.path, kind="out-of-range")

    @app.exception_handler(DBAPIError)
    @app.exception_handler(PoolTimeout)
    @app.exception_handler(TimeoutError)
    async def _database(request: Request, exc: Exception) -> JSONResponse:
        # The database went away (restarted, failed over, network cut) or stayed busy: the transaction was
        # rolled back (or, if the connection broke during COMMIT itself, may have been committed whole), and
        # the same request sent again later is safe either way (lodging is idempotent per LRN, payments per
        # reference, manifests per content). The pool drops the dead connections (checked when idle,
        # db._ping_when_idle; invalidated on a disconnect): the process recovers by itself once the database
        # is back.
        if not database_unavailable(exc):
            return _internal(request)
        logging.getLogger("clearway").warning("database unavailable on %s: %s", request.url.path,
                                              type(getattr(exc, "orig", None) or exc).__name__)
        return problem(503, "Service unavailable", "the database is unavailable for the moment: send the same "
                       "request again after Retry-After seconds (it is stored once however often it is sent)",
                       instance=request.url.path, headers={"Retry-After": str(RETRY_AFTER)},
                       kind="database-unavailable")

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:  # pragma: no cover - last resort

        return _internal(request)


def _internal(request: Request) -> JSONResponse:
    logging.getLogger("clearway").exception("unhandled error on %s", request.url.path)
    return problem(500, "Internal error", "an unexpected error occurred; nothing was stored",
                   instance=request.url.path)

