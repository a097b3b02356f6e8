"""/trader/parcels: a manifest of low-value parcels (JSON Lines or CSV) assessed at once, with the result of each
parcel and the totals (tariff.manifests, the same call as POST /api/v1/consignments/bulk)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from clearway.auth.users import SignedIn
from clearway.db import utcnow
from clearway.errors import ClearwayError
from clearway.tariff import manifests
from clearway.web.session import require_page_user
from clearway.web.templating import render

router = APIRouter(prefix="/trader", include_in_schema=False)
Trader = Annotated[SignedIn, Depends(require_page_user("declarant"))]


@router.get("/parcels", response_class=HTMLResponse)
def parcels_form(request: Request, _: Trader) -> Response:
    return render(request, "trader/parcels.html", {"summary": None})


def _assess(request: Request, signed: SignedIn, body: bytes, kind: str) -> tuple[dict, list[dict]]:
    with request.app.state.ctx.uow() as session:
        summary, rows = manifests.assess_manifest(session, principal=signed.principal, body=body, kind=kind,
                                                  on=utcnow().date())
    return summary, rows.to_dicts()


@router.post("/parcels", response_class=HTMLResponse)
async def parcels(request: Request, signed: Trader, file: UploadFile) -> Response:
    name = file.filename or ""
    body = await file.read()
    try:
        summary, rows = await run_in_threadpool(_assess, request, signed, body,
                                                "csv" if name.lower().endswith(".csv") else "jsonl")
    except ClearwayError as exc:
        problem = "; ".join(f"{e.path}: {e.reason}" for e in exc.errors) or exc.detail
        return render(request, "trader/parcels.html", {"summary": None, "problem": f"{name}: {problem}"},
                      status=exc.status)
    return render(request, "trader/parcels.html", {"summary": summary, "rows": rows, "name": name})
