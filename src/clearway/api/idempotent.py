"""The Idempotency-Key header (draft-ietf-httpapi-idempotency-key-header) on the POSTs that create something.

A route takes part by declaring the header, `dependencies=[IDEMPOTENT]` (which also puts it in the OpenAPI
document; the lodging route, the hottest, names IDEMPOTENT_HEADER among its `openapi_extra` parameters instead),
on a router whose `route_class` is `IdempotentRoute`. Its handler then runs like this:

1. A request without the header runs as before. A malformed key: 400. A request whose API key is unknown
   runs as before (and hears its 401).
2. The key of this principal is looked up and claimed in a short transaction of its own (`service.claim`):
   a stored answer of the same request is answered again with `Idempotent-Replayed: true`; the same key with
   another request (method, target, media type or body) is refused with 422; a request still being carried
   out with it, with 409.
3. The handler runs. Its unit of work (`ctx.uow()`, see `JoinedContext`) marks the key in the same
   transaction as the work, so the work is never committed without its key.
4. The response is kept with the key before it is sent. A refusal (not 2xx) of a request that committed
   nothing frees the key instead, so a corrected retry is carried out.

Routes whose work commits through their own transactions (`ctx.factory`, the batch lodging) are kept at
step 4 only: their lines are idempotent on their own reference (the LRN), so a retry after a crash in
between lodges nothing twice. docs/idempotency.md lists the routes and the windows."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any

import anyio
import anyio.to_thread
from fastapi import Depends, Header, Request, Response
from fastapi.responses import StreamingResponse
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session

from clearway.api.deps import Context
from clearway.api.problems import problem
from clearway.db import transaction, utcnow
from clearway.errors import Conflict, FieldError
from clearway.idempotency import core, service

SCOPE_KEY = "clearway.ctx"
REPLAYED = b"idempotent-replayed"
# The clock of claims, answers and purges (a test may fix it).
clock = utcnow
PURGE_EVERY = 60.0  # seconds between purges of expired keys, per process
_last_purge = [0.0]


KEY_DESCRIPTION = ("A key of your choosing (e.g. a UUID; printable ASCII, at most 255 characters) that makes a "
                   "retry safe (draft-ietf-httpapi-idempotency-key-header): the same request with the same key "
                   "answers the first answer again (with `Idempotent-Replayed: true`) instead of doing it twice; "
                   "the same key with another body is refused with 422, and while the first is still being "
                   "carried out with 409. Keys are per API key and kept 24 hours (CLEARWAY_IDEMPOTENCY_HOURS).")


async def idempotency_key(key: Annotated[str | None, Header(alias=core.HEADER, description=KEY_DESCRIPTION)] = None
                          ) -> str | None:
    return key


IDEMPOTENT = Depends(idempotency_key)


def header_parameter(name: str, title: str, description: str) -> dict[str, Any]:
    """An optional header's OpenAPI parameter, as FastAPI documents a `Header()` parameter, for a route that reads
    the header from the request itself: each parameter and dependency FastAPI solves costs some 10-25 µs a
    request, which the hottest route (lodging) does without (docs/benchmarks.md, "The desk's own connection on
    SQLite")."""
    schema = {"anyOf": [{"type": "string"}, {"type": "null"}], "description": description, "title": title}
    return {"name": name, "in": "header", "required": False, "schema": schema, "description": description}


# On a route's `openapi_extra` parameters, in place of `dependencies=[IDEMPOTENT]`: the same header, documented
# alike and honoured alike (`covered`), not solved as a dependency at each request.
IDEMPOTENT_HEADER = header_parameter(core.HEADER, core.HEADER, KEY_DESCRIPTION)


@dataclass
class Claim:
    key_id: int
    token: str
    marked: bool = False


class JoinedContext:
    """The handler's Context while a claim is held: each unit of work marks the key before it commits."""

    def __init__(self, base: Context, claim: Claim) -> None:
        self.base, self.claim, self.factory, self.helpers = base, claim, base.factory, base.helpers

    @contextmanager
    def uow(self) -> Iterator[Session]:
        with transaction(self.factory) as session:
            yield session
            if not service.mark(session, key_id=self.claim.key_id, token=self.claim.token):
                raise Conflict(f"a retry with this {core.HEADER} took the request over after it ran past its "
                               "lease; nothing of this one is kept",
                               errors=[FieldError(core.HEADER, "taken over by a retry")])
        self.claim.marked = True

    def known(self, key: str) -> Any:
        return self.base.known(key)

    def principal_for(self, key: str) -> Any:
        return self.base.principal_for(key)

    def forget_keys(self) -> None:
        self.base.forget_keys()


async def _in_thread(fn: Any, *args: Any) -> Any:
    # A thread outside the handlers' pool (one thread on SQLite): a key's bookkeeping, a few milliseconds,
    # does not queue behind other requests' handlers.
    return await anyio.to_thread.run_sync(fn, *args, limiter=anyio.CapacityLimiter(1))


def _problem(status: int, detail: str, reason: str, path: str) -> Response:
    title, kind = {400: ("Bad request", "bad-idempotency-key"), 409: ("Conflict", "idempotency-key-busy"),
                   422: ("Invalid input", "idempotency-key-reused")}[status]
    return problem(status, title, detail, errors=[FieldError(core.HEADER, reason)], instance=path, kind=kind)


_REFUSALS = {
    core.MISMATCH: (422, "this {h} was first sent with another request ({route}; another target or body): use a "
                         "new key for a new request", "used before with another request"),
    core.IN_FLIGHT: (409, "a request with this {h} is still being carried out: retry in a moment to hear its answer",
                     "request in flight"),
    core.LOST: (409, "the request with this {h} was carried out, but the server stopped before its answer was "
                     "kept: read the result (e.g. GET the resource) instead of retrying", "carried out; answer lost"),
}


class IdempotentRoute(APIRoute):
    """A route class that honours the Idempotency-Key header on the routes that declare it (`IDEMPOTENT`);
    on every other route it changes nothing. (See the module's docstring.)"""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        inner = super().get_route_handler()
        if not covered(self):
            return inner
        route = f"{'|'.join(sorted(self.methods))} {self.path_format}"

        async def handler(request: Request) -> Response:
            raw = request.headers.get(core.HEADER)
            if raw is None:
                return await inner(request)
            key, reason = core.parse_key(raw)
            path = request.url.path
            if key is None:
                return _problem(400, f"the {core.HEADER} header {reason}", str(reason), path)
            ctx: Context = request.app.state.ctx
            scheme, _, bearer = request.headers.get("authorization", "").partition(" ")
            who = (ctx.known(bearer.strip()) or await _in_thread(ctx.principal_for, bearer.strip())
                   if scheme.lower() == "bearer" and bearer.strip() else None)
            if who is None:
                return await inner(request)  # the handler answers 401
            body = await request.body()  # kept on the request: the handler reads the same bytes
            fp = core.fingerprint(method=request.method, path=path, query=request.url.query,
                                  content_type=request.headers.get("content-type", ""), body=body)
            hours = request.app.state.settings.idempotency_hours
            decision, row = await _in_thread(_claim, ctx, who.actor, key, request.method, route, fp, hours)
            if decision == core.REPLAY:
                return _replay(row)
            if decision != core.CLAIM:
                status, detail, why = _REFUSALS[decision]
                return _problem(status, detail.format(h=core.HEADER, route=row.route if row else route), why, path)

            claim = Claim(key_id=row.id, token=row.token)
            request.scope[SCOPE_KEY] = JoinedContext(ctx, claim)
            try:
                response = await inner(request)
            except BaseException:
                if not claim.marked:
                    await _in_thread(_release, ctx, claim)
                raise

            async def keep(data: bytes) -> None:
                if claim.marked or 200 <= response.status_code < 300:
                    headers = [[k.decode("latin-1"), v.decode("latin-1")] for k, v in response.raw_headers
                               if k != b"content-length"]
                    await _in_thread(_complete, ctx, claim, response.status_code, headers, data)
                else:  # refused, and nothing of it committed: a corrected retry is carried out afresh
                    await _in_thread(_release, ctx, claim)

            if isinstance(response, StreamingResponse):
                # Streamed out as it comes; kept once whole, before the stream's end reaches the client.
                stream = response.body_iterator

                async def teed() -> AsyncIterator[bytes]:
                    chunks: list[bytes] = []
                    async for chunk in stream:
                        chunks.append(chunk if isinstance(chunk, bytes) else str(chunk).encode())
                        yield chunk
                    await keep(b"".join(chunks))

                response.body_iterator = teed()
                return response
            # Kept before it is sent: a client that heard the answer finds it on a retry.
            await keep(bytes(response.body))
            return response

        return handler


def _replay(row: Any) -> Response:
    answer = Response(content=row.body or b"", status_code=row.status)
    answer.raw_headers = [*[(k.encode("latin-1"), v.encode("latin-1")) for k, v in row.headers or []],
                          (b"content-length", str(len(row.body or b"")).encode()), (REPLAYED, b"true")]
    return answer


def _claim(ctx: Context, principal: str, key: str, method: str, route: str, fp: str, hours: int) -> tuple[str, Any]:
    now = clock()
    with transaction(ctx.factory) as session:
        if time.monotonic() - _last_purge[0] > PURGE_EVERY:
            _last_purge[0] = time.monotonic()
            service.purge(session, now=now)
        decision, row = service.claim(session, principal=principal, key=key, method=method, route=route,
                                      fingerprint=fp, now=now, ttl=timedelta(hours=hours))
        if row is not None:
            session.flush()
            session.expunge(row)
        return decision, row


def _complete(ctx: Context, claim: Claim, status: int, headers: list, data: bytes) -> None:
    with transaction(ctx.factory) as session:
        service.complete(session, key_id=claim.key_id, token=claim.token, status=status, headers=headers, body=data)


def _release(ctx: Context, claim: Claim) -> None:
    with transaction(ctx.factory) as session:
        service.release(session, key_id=claim.key_id, token=claim.token)


def covered(route: Any) -> bool:
    """Whether a route takes part: `dependencies=[IDEMPOTENT]`, or IDEMPOTENT_HEADER among its documented
    parameters."""
    return isinstance(route, APIRoute) and (
        any(d.dependency is idempotency_key for d in route.dependencies)
        or any(p is IDEMPOTENT_HEADER for p in (route.openapi_extra or {}).get("parameters", [])))

