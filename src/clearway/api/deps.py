"""What every handler needs: the unit of work and the caller's identity."""

from __future__ import annotations

import asyncio
import time
import weakref
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session, sessionmaker

from clearway.auth.core import Principal, has_role, hash_key
from clearway.auth.service import authenticate
from clearway.db import transaction
from clearway.flows.desk import Desk
from clearway.flows.preparing import HERE, Helpers

# Keys looked up in the last minute are remembered in-process (a revoked key stops within 60 s).
_CACHE_SECONDS = 60.0


class Context:
    def __init__(self, factory: sessionmaker[Session], helpers: Helpers = HERE) -> None:
        self.factory = factory
        self.helpers = helpers  # where a batch's lines are made ready (flows/preparing.py)
        self._keys: dict[str, tuple[float, Principal]] = {}
        self._desks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Desk] = weakref.WeakKeyDictionary()

    def desk(self) -> Desk:
        """The lodging desk of this database in the running event loop (flows/desk.py: single lodgements sent at
        the same time are lodged together)."""
        loop = asyncio.get_running_loop()
        desk = self._desks.get(loop)
        if desk is None:
            desk = self._desks[loop] = Desk(self.factory)
        return desk

    @contextmanager
    def uow(self) -> Iterator[Session]:
        with transaction(self.factory) as session:
            yield session

    def known(self, key: str) -> Principal | None:
        """The key's principal if it was looked up in the last minute (no database read: the event loop asks)."""
        hit = self._keys.get(hash_key(key))
        return hit[1] if hit and time.monotonic() - hit[0] < _CACHE_SECONDS else None

    def principal_for(self, key: str) -> Principal | None:
        known = self.known(key)
        if known is not None:
            return known
        digest, now = hash_key(key), time.monotonic()
        with self.factory() as session:
            principal = authenticate(session, key)
        if principal is not None:
            if len(self._keys) > 10_000:
                self._keys.clear()
            self._keys[digest] = (now, principal)
        return principal

    def forget_keys(self) -> None:
        self._keys.clear()


# The dependencies below are coroutines: FastAPI runs a plain function dependency on a worker thread, and each
# such hop cost about as much as the route matching (issue 16); only a key not seen in the last minute is looked
# up on a thread.
async def context(request: Request) -> Context:
    return context_of(request)


def context_of(request: Request) -> Context:
    # A request holding an Idempotency-Key claim gets a Context that marks the key in each unit of work
    # (api/idempotent.py); every other request the application's.
    return request.scope.get("clearway.ctx") or request.app.state.ctx


# The caller's Context is read here, not taken as a dependency: each dependency FastAPI solves costs some 20 us,
# and every keyed request asks for the principal (issue 16).
async def principal(request: Request) -> Principal:
    ctx = context_of(request)
    header = request.headers.get("authorization", "")
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise HTTPException(401, "send your API key as 'Authorization: Bearer <key>'",
                            headers={"WWW-Authenticate": "Bearer"})
    found = ctx.known(key.strip()) or await run_in_threadpool(ctx.principal_for, key.strip())
    if found is None:
        raise HTTPException(401, "unknown or revoked API key", headers={"WWW-Authenticate": "Bearer"})
    return found


def require(*roles: str) -> Callable[[Principal], Awaitable[Principal]]:
    async def check(who: Annotated[Principal, Depends(principal)]) -> Principal:
        if not has_role(who, *roles):
            raise HTTPException(403, f"this needs one of the roles: {', '.join(roles)}")
        return who

    return check


Ctx = Annotated[Context, Depends(context)]
Who = Annotated[Principal, Depends(principal)]
