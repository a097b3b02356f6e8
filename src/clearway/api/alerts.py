"""Seal alerts for officers: list, read, close with a finding, and the detector's measures."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from clearway.api.deps import Ctx, Who
from clearway.containers import alerts
from clearway.containers.acceptance import ALERTS_AT_INGEST
from clearway.containers.thresholds import RULES
from clearway.containers.schemas import AlertMeasuresOut, AlertOut, AlertPage, CloseIn
from clearway.flows import seals

router = APIRouter(prefix="/api/v1/alerts", tags=["seals"])


@router.get("", response_model=AlertPage)
def list_(who: Who, ctx: Ctx,
          status: Annotated[str | None, Query(pattern="^(" + "|".join(alerts.STATUSES) + ")$")] = None,
          container: Annotated[str | None, Query(max_length=20)] = None,
          rule: Annotated[str | None, Query(pattern="^(" + "|".join(RULES + ALERTS_AT_INGEST) + ")$")] = None,
          seal: Annotated[int | None, Query(ge=1)] = None,
          limit: Annotated[int, Query(ge=1, le=500)] = 50, after: Annotated[int | None, Query(ge=1)] = None) -> Any:
    with ctx.uow() as session:
        rows, nxt = alerts.list_alerts(session, principal=who, status=status, container=container, rule=rule,
                                       seal=seal, limit=limit, after=after)
        held = alerts.held_declarations(session, rows)
        return {"items": [alerts.render(r, held[r.id]) for r in rows], "next": str(nxt) if nxt else None}


@router.get("/measures", response_model=AlertMeasuresOut)
def measures(who: Who, ctx: Ctx) -> Any:
    with ctx.uow() as session:
        return alerts.measures(session, principal=who)


@router.get("/{alert}", response_model=AlertOut)
def read(alert: int, who: Who, ctx: Ctx) -> Any:
    with ctx.uow() as session:
        row = alerts.get(session, principal=who, alert=alert)
        return alerts.render(row, alerts.held_declarations(session, [row])[row.id])


@router.post("/{alert}/close", response_model=AlertOut)
def close(alert: int, body: CloseIn, who: Who, ctx: Ctx) -> Any:
    with ctx.uow() as session:
        row = seals.close_alert(session, principal=who, alert=alert, finding=body.finding, note=body.note)
        return alerts.render(row, alerts.held_declarations(session, [row])[row.id])
