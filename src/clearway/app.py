"""The FastAPI application factory. Routers are found, not listed: every module under
clearway.api (and clearway.web) that defines `router` is mounted."""

from __future__ import annotations

import gc
import importlib
import json
import logging
import pkgutil
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio.to_thread

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline

from clearway import __version__
from clearway.api import contract, problems
from clearway.api.deps import Context
from clearway.api.textguard import TextGuard
from clearway.audit.sealer import Sealer
from clearway.audit.signing import load as load_key
from clearway.config import Settings, get_settings
from clearway.db import make_engine, make_sessionmaker
from clearway.errors import type_uri
from clearway.flows import preparing
from clearway.flows.partitions import MONTHLY
from clearway.db import migrate as run_migrations
from clearway import observe, route_index, tracing
from clearway.limits_http import RateLimit
from clearway.reference import search_index
from clearway.web import errors as page_errors


class BodyLimit:
    """Refuse bodies over the limit with 413 before they are read whole (Content-Length or streamed)."""

    def __init__(self, app: Any, limit: int, bulk_limit: int) -> None:
        self.app, self.limit, self.bulk_limit = app, limit, bulk_limit

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path = scope.get("path", "")
        limit = self.bulk_limit if path.endswith(("/bulk", "/batch")) or "/seal-events" in path else self.limit
        for name, value in scope.get("headers", []):
            if name == b"content-length" and value.isdigit() and int(value) > limit:
                return await self._refuse(send, limit)
        seen = 0
        refused = False

        async def limited() -> dict:
            nonlocal seen, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    # Answer 413 now; the app sees a disconnected client and whatever it sends is dropped.
                    refused = True
                    await self._refuse(send, limit)
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: dict) -> None:
            if not refused:
                await send(message)

        try:
            await self.app(scope, limited, guarded_send)
        except Exception:
            if not refused:
                raise

    @staticmethod
    async def _refuse(send: Any, limit: int) -> None:
        body = json.dumps({"type": type_uri("content-too-large"), "title": "Content too large",
                           "status": 413, "detail": f"the body is over the limit of {limit} bytes"}).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/problem+json"),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})


# Pages take their assets from this server alone: border posts are often offline, and a page should not tell
# another host who reads it. Clearway's own pages run no inline script and no inline style (their scripts and
# styles are files under /static); only the API docs (Swagger UI's start-up script, ReDoc's styles) need
# 'unsafe-inline', and get it on their own two paths. ReDoc's attribution logo (an image on cdn.redoc.ly) is
# refused and hidden by ReDoc itself. No page may be framed (clickjacking): frame-ancestors 'none'.
PAGE_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
               "connect-src 'self'; form-action 'self'; base-uri 'none'; object-src 'none'; frame-ancestors 'none'")
DOCS_POLICY = ("default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
               "img-src 'self' data:; font-src 'self' data:; worker-src 'self' blob:; connect-src 'self'; "
               "form-action 'self'; base-uri 'self'; frame-ancestors 'none'")
DOCS_PATHS = ("/docs", "/redoc")
# On every answer: no MIME sniffing, and a Referer only to this site (release and certificate pages carry codes).
EVERY_ANSWER = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"same-origin")]


class PagePolicy:
    """Security headers: on every HTML answer the Content-Security-Policy, X-Frame-Options DENY and
    Cache-Control no-store (signed-in pages must not be kept by the browser or a proxy); on every answer
    nosniff and the Referrer-Policy."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        policy = (DOCS_POLICY if scope.get("path") in DOCS_PATHS else PAGE_POLICY).encode()

        async def with_policy(message: dict) -> None:
            if message["type"] == "http.response.start":
                headers = [*message.get("headers", []), *EVERY_ANSWER]
                if any(k == b"content-type" and v.startswith(b"text/html") for k, v in headers):
                    headers = [(k, v) for k, v in headers if k != b"cache-control"]
                    headers += [(b"content-security-policy", policy), (b"x-frame-options", b"DENY"),
                                (b"cache-control", b"no-store")]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_policy)


def _routers(package: str) -> list[Any]:
    pkg = importlib.import_module(package)
    found = []
    for mod in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{package}.{mod.name}")
        if getattr(module, "router", None) is not None:
            found.append(module.router)
    return found


def create_served_app() -> FastAPI:
    """The app as `clearway serve` runs it, in each worker process: the HS finder warms up at start."""
    return create_app(warm=True, served=True)


def _warm_finder(ctx: Context) -> None:
    try:
        with ctx.uow() as session:
            search_index.search(session, "fresh oranges", 1)
    except Exception:  # a failed warm-up costs only the first search its load time: say so, serve on
        logging.getLogger("clearway").exception("warming up the HS finder failed; the first search will load it")
    # What is loaded by now stays for the process's life (modules, routes, the finder's index: some millions of
    # objects). Frozen, it is left out of the collector's full passes, which went through all of it: 100-260 ms
    # each, every few seconds under a load of lodgements, the requests' p99 (issue 16).
    gc.freeze()


def create_app(settings: Settings | None = None, *, migrate: bool = False, warm: bool = False,
               served: bool = False) -> FastAPI:
    """The API and pages on the configured database. `warm`: load the HS finder (nomenclature, word index,
    word-piece vectors and the subheadings' vectors: a few seconds) in the background at start, rather than on the
    first search. `served`: the process's app (`clearway serve`), whose end ends the batch helpers; the process's
    other apps (the tests build many) share them for the process's life."""
    settings = settings or get_settings()
    engine = make_engine(settings.database_url, pool_size=settings.db_pool)
    audit_key = load_key(settings.audit_key) if settings.audit_key else None
    if migrate:
        run_migrations(engine)
    threads = settings.threads or (1 if engine.dialect.name == "sqlite" else 8)
    helpers = preparing.shared(preparing.default_helpers() if settings.batch_helpers is None else settings.batch_helpers)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # Handlers run in a thread pool. Python threads share one interpreter lock, so more threads
        # than the work can use only queue behind each other: on the embedded SQLite (one writer at a
        # time) one thread gave the best throughput and latency, 8 threads half of it.
        anyio.to_thread.current_default_thread_limiter().total_tokens = threads
        sealer = Sealer(app.state.ctx.factory, key=audit_key, seconds=settings.audit_seal_ms / 1000,
                        monthly=MONTHLY)
        sealer.start()
        helpers.start()  # (before the first batch: spawning them takes a second or two)
        if warm:
            app.state.warming = threading.Thread(target=_warm_finder, args=(app.state.ctx,), name="warm-hs-finder",
                                                 daemon=True)
            app.state.warming.start()
        try:
            yield
        finally:
            sealer.stop()
            if served:
                helpers.close()

    # /docs and /redoc load Swagger UI and ReDoc from this server (fastapi-offline ships them), not from a
    # CDN: border posts are often offline. Swagger UI's validator badge would call validator.swagger.io.
    app = FastAPIOffline(title="Clearway", version=__version__, lifespan=lifespan,
                         description="Paperless customs clearance for the 21 APEC economies. "
                                     "Every /api/v1 call needs `Authorization: Bearer <api key>`.",
                         swagger_ui_parameters={"validatorUrl": None})
    app.state.settings = settings
    app.state.engine = engine
    app.state.ctx = Context(make_sessionmaker(engine), helpers)
    observe.watch(engine)

    problems.install(app)
    page_errors.install(app)
    for package in ("clearway.api", "clearway.web"):
        for router in _routers(package):
            app.include_router(router)
    contract.install(app)  # /openapi.json as the API answers: security scheme, problem details, unique names

    app.mount("/static", StaticFiles(directory=str(Path(__file__).parent / "web" / "static")), name="static")
    route_index.install(app)  # each request tries only the routers whose routes can match its path
    app.add_middleware(TextGuard)  # inside BodyLimit: an oversized body is refused before it is read
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes, bulk_limit=settings.max_bulk_body_bytes)
    app.add_middleware(RateLimit, rate_limit=settings.rate_limit, bad_key_limit=settings.bad_key_limit)
    app.add_middleware(PagePolicy)
    app.add_middleware(observe.RequestContext)  # outermost: every answer has its request id and is counted
    tracing.install(app)  # only when the OTEL_* variables ask for it
    return app
