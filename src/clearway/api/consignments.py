"""Bulk low-value consignments: a manifest of parcels in, per-parcel results and a summary out."""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any

import polars as pl
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from clearway.api.deps import Ctx, Who
from clearway.audit.service import append_event
from clearway.auth.core import is_customs, is_declarant
from clearway.db import utcnow
from clearway.errors import FieldError, Forbidden, Invalid
from clearway.tariff import bulk, rules, service

router = APIRouter(prefix="/api/v1/consignments", tags=["consignments"])


@router.post("/bulk")
async def assess_bulk(request: Request, who: Who, ctx: Ctx,
                      on: date | None = Query(None, alias="date", description="rules of this day (default today)"),
                      fmt: str | None = Query(None, alias="format", pattern="^(jsonl|csv)$",
                                              description="manifest format (default: from Content-Type)")) -> Any:
    """Assess every parcel of a manifest (JSON Lines or CSV) under the rules of the caller's economy.
    Answers JSON (summary and parcels) or, with `Accept: text/csv`, the per-parcel result file."""
    if not (is_declarant(who) or is_customs(who)):
        raise Forbidden("this key may not lodge manifests")
    body = await request.body()
    if not body.strip():
        raise Invalid("the manifest is empty", errors=[FieldError("body", "no parcels")])
    ctype = request.headers.get("content-type", "")
    kind = fmt or ("csv" if "csv" in ctype else "jsonl")
    try:
        df = bulk.read_manifest(body, "csv" if kind == "csv" else None)
    except (ValueError, pl.exceptions.PolarsError) as exc:
        raise Invalid("the manifest could not be read", errors=[FieldError("body", str(exc))]) from None
    r = rules.get(who.economy)
    day = on or utcnow().date()
    with ctx.uow() as session:
        sched = service.schedule_for(session, r.economy)
        rates = service.rates_for(session, r.economy, day)
        res = bulk.assess(df, rules=r, schedule=sched, rates=rates, on=day)
        append_event(session, actor=who.actor, action="consignments.bulk_assessed", entity_type="manifest",
                     entity_id=hashlib.sha256(body).hexdigest()[:32],
                     data={k: v for k, v in res.summary.items() if k != "refusals"})
    rows = bulk.result_rows(res)
    if "text/csv" in request.headers.get("accept", ""):
        return Response(rows.write_csv(), media_type="text/csv",
                        headers={"X-Parcels": str(res.summary["parcels"]), "X-Refused": str(res.summary["refused"])})
    return {"summary": res.summary, "parcels": rows.to_dicts()}
