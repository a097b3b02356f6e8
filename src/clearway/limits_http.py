"""Limits on callers, in-process (no Redis: the embedded default runs one process).

- Each API key may make `rate_limit` requests in any moving window (CLEARWAY_RATE_LIMIT, default 300 in
  10 s); a batch or bulk request counts as one. Over it: 429 with Retry-After.
- A client address that sent `bad_key_limit` unknown or revoked keys in the window (CLEARWAY_BAD_KEY_LIMIT,
  default 20 in 60 s) is answered 429 with Retry-After for any key not seen working, until the window
  has room again: guessing keys is slowed to that pace.

The counters live in the process. With `serve --workers N` each worker counts on its own, so a key may
make up to N times the limit; a shared store (limits' Redis storage) is the step when that matters."""

from __future__ import annotations

import hashlib
import json
import math
import time
from typing import Any

from limits import RateLimitItemPerSecond
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from clearway.errors import type_uri

_GOOD_MAX = 100_000


def _bearer(scope: dict) -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"authorization":
            scheme, _, key = value.decode("latin-1").partition(" ")
            return key.strip() or None if scheme.lower() == "bearer" else None
    return None


async def _too_many(send: Any, retry_after: int, detail: str) -> None:
    body = json.dumps({"type": type_uri("too-many-requests"), "title": "Too many requests", "status": 429,
                       "detail": detail}).encode()
    await send({"type": "http.response.start", "status": 429,
                "headers": [(b"content-type", b"application/problem+json"), (b"retry-after", str(retry_after).encode()),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


class RateLimit:
    """ASGI middleware: the per-key limit and the per-address slowing of bad keys."""

    def __init__(self, app: Any, rate_limit: tuple[int, int] | None, bad_key_limit: tuple[int, int] | None) -> None:
        self.app = app
        self.limiter = MovingWindowRateLimiter(MemoryStorage())
        self.per_key = RateLimitItemPerSecond(*rate_limit, namespace="key") if rate_limit else None
        self.bad = RateLimitItemPerSecond(*bad_key_limit, namespace="bad") if bad_key_limit else None
        self.good: set[str] = set()  # digests of keys that were accepted: not held back by their address's guessing

    def _retry_after(self, item: Any, ident: str) -> int:
        reset = self.limiter.get_window_stats(item, ident).reset_time
        return max(1, math.ceil(reset - time.time()))

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        key = _bearer(scope) if scope["type"] == "http" else None
        if key is None:
            return await self.app(scope, receive, send)
        digest = hashlib.sha256(key.encode()).hexdigest()
        address = (scope.get("client") or ("unknown",))[0]
        if self.bad is not None and digest not in self.good and not self.limiter.test(self.bad, address):
            wait = self._retry_after(self.bad, address)
            return await _too_many(send, wait, f"too many unknown or revoked API keys from this address; "
                                               f"retry after {wait} s")
        if self.per_key is not None and not self.limiter.hit(self.per_key, digest):
            wait = self._retry_after(self.per_key, digest)
            amount, seconds = self.per_key.amount, self.per_key.get_expiry()
            return await _too_many(send, wait, f"this API key made {amount} requests in {seconds} s, the limit; "
                                               f"retry after {wait} s")

        async def watching(message: dict) -> None:
            if message["type"] == "http.response.start":
                if message["status"] == 401:
                    self.good.discard(digest)
                    if self.bad is not None:
                        self.limiter.hit(self.bad, address)
                elif message["status"] != 401 and digest not in self.good:
                    if len(self.good) >= _GOOD_MAX:
                        self.good.clear()
                    self.good.add(digest)
            await send(message)

        await self.app(scope, receive, watching)
