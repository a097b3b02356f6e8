"""Bulk low-value consignments: a manifest of parcels in, per-parcel results and a summary out."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic_core import to_json
from starlette.concurrency import run_in_threadpool

from clearway.api.idempotent import IDEMPOTENT, IdempotentRoute
from clearway.api.deps import Context, Ctx, Who
from clearway.auth.core import Principal
from clearway.db import utcnow
from clearway.tariff import manifests

router = APIRouter(prefix="/api/v1/consignments", tags=["consignments"], route_class=IdempotentRoute)


# The manifest is read raw (JSON Lines or CSV, up to the bulk body limit), so the document describes it here.
_MANIFEST = {"type": "string", "description": "one parcel a line (examples/lvg-manifest-au.jsonl)"}
_BULK = {"requestBody": {"required": True, "content": {"application/x-ndjson": {"schema": _MANIFEST},
                                                       "text/csv": {"schema": _MANIFEST}}}}
_ANSWER = {"type": "object", "title": "BulkAssessmentOut", "required": ["summary", "parcels"], "properties": {
    "summary": {"type": "object", "description": "counts and totals of the manifest"},
    "parcels": {"type": "array", "items": {"type": "object"}, "description": "one result per parcel"}}}


@router.post("/bulk", dependencies=[IDEMPOTENT], openapi_extra=_BULK, responses={200: {"content": {
    "application/json": {"schema": _ANSWER}, "text/csv": {"schema": {"type": "string"}}},
    "description": "JSON (summary and parcels), or with `Accept: text/csv` the per-parcel result file"}})
async def assess_bulk(request: Request, who: Who, ctx: Ctx,
                      on: date | None = Query(None, alias="date", description="rules of this day (default today)"),
                      fmt: str | None = Query(None, alias="format", pattern="^(jsonl|csv)$",
                                              description="manifest format (default: from Content-Type)")) -> Any:
    """Assess every parcel of a manifest (JSON Lines or CSV) under the rules of the caller's economy.
    Answers JSON (summary and parcels) or, with `Accept: text/csv`, the per-parcel result file."""
    body = await request.body()
    kind = fmt or ("csv" if "csv" in request.headers.get("content-type", "") else "jsonl")
    # The assessment and the answer off the event loop: a manifest of 50,000 parcels takes most of a second,
    # during which the loop would answer nobody else (docs/benchmarks.md, "Nothing heavy on the event loop").
    return await run_in_threadpool(_assessed, ctx, who, body, kind, on or utcnow().date(),
                                   "text/csv" in request.headers.get("accept", ""))


def _assessed(ctx: Context, who: Principal, body: bytes, kind: str, on: date, csv: bool) -> Any:
    with ctx.uow() as session:
        summary, rows = manifests.assess_manifest(session, principal=who, body=body, kind=kind, on=on)
    if csv:
        return Response(rows.write_csv(), media_type="text/csv",
                        headers={"X-Parcels": str(summary["parcels"]), "X-Refused": str(summary["refused"])})
    # As FastAPI answers a route that returns Any (pydantic's JSON serializer), here in the thread.
    return Response(to_json({"summary": summary, "parcels": rows.to_dicts()}), media_type="application/json")
