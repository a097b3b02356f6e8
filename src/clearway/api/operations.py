"""For the operators' tools, no key: /readyz (may this process take traffic?) and /metrics (Prometheus).
/healthz (is the process alive?) is beside the pages (web/pages.py). None of them carries business data:
/metrics has counts by route template, lane and outcome, and the sizes of the work queues."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any, Literal

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import func, select, text

import clearway
from clearway.certificates.models import Delivery
from clearway.containers.models import SealAlert
from clearway.declarations.models import Declaration

router = APIRouter(tags=["operations"])

# Declarations waiting for someone: lodged and not yet assessed, or held under a control.
WAITING = ("accepted", "under_control")


@cache
def _heads() -> frozenset[str]:
    return frozenset(ScriptDirectory(str(Path(clearway.__file__).parent / "migrations")).get_heads())


def _checks(request: Request) -> dict[str, str]:
    checks: dict[str, str] = {}
    try:
        with request.app.state.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            current = set(MigrationContext.configure(conn).get_current_heads())
        checks["database"] = "ok"
        missing = _heads() - current
        checks["migrations"] = "ok" if not missing else f"not at the latest schema: run `clearway db upgrade` " \
                                                         f"({len(missing)} branch(es) behind)"
    except Exception as exc:  # noqa: BLE001 - any failure to reach the database means not ready
        checks["database"] = f"unreachable: {type(exc).__name__}"
        checks["migrations"] = "unknown (no database)"
    broker = request.app.state.settings.mqtt
    if broker is not None:
        try:
            socket.create_connection(broker, timeout=2).close()
            checks["broker"] = "ok"
        except OSError as exc:
            checks["broker"] = f"unreachable at {broker[0]}:{broker[1]}: {exc.strerror or type(exc).__name__}"
    return checks


class ReadyOut(BaseModel):
    status: Literal["ready", "not ready"]
    checks: dict[str, str] = Field(description="each check's name and outcome: ok, or what failed")


@router.get("/readyz", summary="Readiness: database reachable, schema current, MQTT broker reachable "
                               "(when CLEARWAY_MQTT is set)", response_model=ReadyOut,
            responses={503: {"model": ReadyOut, "description": "a check failed (with Retry-After)"}})
def ready(request: Request) -> JSONResponse:
    """200 when every check is ok, 503 (with Retry-After) naming the failing check otherwise."""
    checks = _checks(request)
    ok = all(v == "ok" for v in checks.values())
    return JSONResponse({"status": "ready" if ok else "not ready", "checks": checks}, status_code=200 if ok else 503,
                        headers={} if ok else {"Retry-After": "5"})


class Queues:
    """The work queues' sizes, read from the database at each scrape (the same in every worker)."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine

    def collect(self) -> Iterator[GaugeMetricFamily]:
        gauge = GaugeMetricFamily("clearway_queue_size", "Items waiting, by queue", labels=["queue"])
        queries = {
            "declarations_waiting": select(func.count()).select_from(Declaration)
            .where(Declaration.status.in_(WAITING)),
            "hub_deliveries_pending": select(func.count()).select_from(Delivery).where(Delivery.state == "pending"),
            "seal_alerts_open": select(func.count()).select_from(SealAlert).where(SealAlert.status == "open"),
        }
        try:
            with self.engine.connect() as conn:
                for name, query in queries.items():
                    gauge.add_metric([name], conn.execute(query).scalar_one())
        except Exception:  # noqa: BLE001 - a scrape must not fail because the database is down; /readyz says so
            return
        yield gauge


@router.get("/metrics", summary="Prometheus metrics (text exposition format)", response_class=Response)
def metrics(request: Request) -> Response:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = CollectorRegistry()
        registry.register(_Default())
    registry.register(Queues(request.app.state.engine))
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)


class _Default:
    """This process's own metrics (one worker): the default registry, read as a collector."""

    def collect(self) -> Iterator[Any]:
        yield from REGISTRY.collect()
