"""What the server tells its operators: a request id on every request (taken from X-Request-ID or made
here, returned in the answer's X-Request-ID and carried into every log line of the request), and the
Prometheus metrics served at /metrics (requests by route template and status, latencies, lanes chosen,
seal events, hub deliveries, the lodging desk's group sizes).

With `clearway serve --workers N` each worker is a process with its own counters: prometheus_client's
multiprocess mode (PROMETHEUS_MULTIPROC_DIR, which `serve` sets to a fresh directory when it is unset)
keeps them in files that /metrics adds up, whichever worker answers the scrape."""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from contextvars import ContextVar
from typing import Any

from opentelemetry import trace
from prometheus_client import Counter, Histogram
from sqlalchemy import Engine, event

from clearway.audit.service import APPENDED

REQUEST_ID: ContextVar[str | None] = ContextVar("clearway_request_id", default=None)
HEADER = b"x-request-id"
# A caller's id is kept when it is short and plain (it goes into log lines and a header); otherwise a new one.
_ACCEPTED_ID = re.compile(rb"^[A-Za-z0-9._:-]{1,128}$")

REQUESTS = Counter("clearway_http_requests", "HTTP requests answered, by method, route template and status",
                   ["method", "route", "status"])
LATENCY = Histogram("clearway_http_request_duration_seconds", "Time to answer an HTTP request (to the end of "
                    "the body), by method and route template", ["method", "route"],
                    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0))
LANES = Counter("clearway_lanes_chosen", "Declarations given a lane (committed), by lane", ["lane"])
SEAL_EVENTS = Counter("clearway_seal_events", "Electronic seal events received (committed), by outcome",
                      ["outcome"])
HUB_DELIVERIES = Counter("clearway_hub_deliveries", "ePhyto deliveries through the hub (committed), by outcome",
                         ["outcome"])
# How single lodgements went together at the desk (flows/desk.py): the larger the groups, the less of a
# transaction's fixed cost each declaration pays; small groups under load say the clients are spread over too
# many processes or lanes (docs/benchmarks.md, "Bigger chunks on PostgreSQL; workers, groups and full cores").
DESK_GROUPS = Histogram("clearway_desk_group_size", "Declarations lodged together in one committed transaction "
                        "at the lodging desk", buckets=(1, 2, 4, 8, 16, 32, 64))
# audit action -> what it counts. The audit event is the one record every state change leaves, so the
# counters follow it (and only once its transaction commits) rather than calls scattered through domains.
HUB_ACTIONS = {"ephyto.delivered_to_hub": "sent", "ephyto.delivery_refused": "refused_by_hub",
               "ephyto.imported": "received", "ephyto.refused": "refused_here"}


def request_id() -> str | None:
    """The id of the request being answered (None outside a request)."""
    return REQUEST_ID.get()


def _route(scope: dict) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    if path is None:  # no route matched (a 404) or a mount: one label, so unknown paths cannot grow the series
        return "/static" if scope.get("path", "").startswith("/static/") else "unmatched"
    return path


class RequestContext:
    """ASGI middleware (the outermost): the request id, and the request's count and latency."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        given = dict(scope.get("headers", [])).get(HEADER, b"")
        rid = given.decode() if _ACCEPTED_ID.match(given) else uuid.uuid4().hex
        token = REQUEST_ID.set(rid)
        trace.get_current_span().set_attribute("clearway.request_id", rid)  # a no-op unless tracing is on
        started = time.perf_counter()
        status = 500

        async def with_id(message: dict) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message = {**message, "headers": [*message.get("headers", []), (HEADER, rid.encode())]}
            await send(message)

        try:
            await self.app(scope, receive, with_id)
        finally:
            route, method = _route(scope), scope.get("method", "")
            REQUESTS.labels(method, route, str(status)).inc()
            LATENCY.labels(method, route).observe(time.perf_counter() - started)
            REQUEST_ID.reset(token)


def _count(action: str, data: str) -> None:
    if action == "risk.lane_selected":
        LANES.labels(json.loads(data).get("lane", "unknown")).inc()
    elif action == "seal.events.received":
        figures = json.loads(data)
        for outcome in ("stored", "duplicates", "refused"):
            if figures.get(outcome):
                SEAL_EVENTS.labels(outcome).inc(figures[outcome])
    elif action in HUB_ACTIONS:
        HUB_DELIVERIES.labels(HUB_ACTIONS[action]).inc()


def watch(engine: Engine) -> None:
    """Count lanes, seal events and hub deliveries from the audit events the engine's transactions append,
    when they commit (a rolled-back lane was never chosen)."""

    @event.listens_for(engine, "commit")
    def _committed(conn: Any) -> None:
        for action, data in conn.info.pop(APPENDED, []):
            if action in _COUNTED:
                _count(action, data)

    @event.listens_for(engine, "rollback")
    def _dropped(conn: Any) -> None:
        # An invalidated connection (the database went away mid-transaction) has no info to read, and its
        # record's info is cleared when the pool reconnects: reading it would raise over the real error.
        if not conn.invalidated:
            conn.info.pop(APPENDED, None)


_COUNTED = {"risk.lane_selected", "seal.events.received", *HUB_ACTIONS}


class RequestIdFilter(logging.Filter):
    """Puts the request id (or None) on every log record, for the formatters."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = REQUEST_ID.get()
        return True
