"""/trader/upload: many declarations from a file (JSON, JSON Lines, or CSV from the downloadable template), each
lodged on its own (a refused one does not stop the others), with the result of every row."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from clearway.auth.users import SignedIn
from clearway.declarations import files
from clearway.declarations.schemas import DeclarationIn
from clearway.errors import ClearwayError
from clearway.flows import lodging
from clearway.validation import parse
from clearway.web.session import require_page_user
from clearway.web.templating import render

router = APIRouter(prefix="/trader", include_in_schema=False)
Trader = Annotated[SignedIn, Depends(require_page_user("declarant"))]


@router.get("/upload", response_class=HTMLResponse)
def upload_form(request: Request, _: Trader) -> Response:
    return render(request, "trader/upload.html", {"results": None, "header": files.HEADER})


@router.get("/upload/template.csv")
def csv_template(_: Trader) -> Response:
    return Response(files.template(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="clearway-declarations.csv"'})


def _lodge_one(request: Request, signed: SignedIn, lines: list[int], doc: Any) -> list[dict[str, Any]]:
    """The result rows of one declaration: accepted (or lodged before), or refused with each reason on the
    line it concerns."""
    if isinstance(doc, str):
        return [{"line": lines[0], "lrn": None, "outcome": "refused", "reason": doc}]
    try:
        with request.app.state.ctx.uow() as session:
            row, created = lodging.lodge(session, principal=signed.principal, decl=parse(DeclarationIn, doc),
                                           channel="upload")
            return [{"line": lines[0], "lrn": row.lrn, "mrn": row.mrn, "status": row.status,
                     "outcome": "accepted" if created else "already lodged"}]
    except ClearwayError as exc:
        lrn = doc.get("lrn") if isinstance(doc, dict) else None
        errors = [(files.line_of(lines, e.path), f"{e.path}: {e.reason}") for e in exc.errors] or [(lines[0], exc.detail)]
        return [{"line": line, "lrn": lrn, "outcome": "refused", "reason": reason} for line, reason in sorted(errors)]


def _lodge_file(request: Request, signed: SignedIn, name: str, text: str) -> list[dict[str, Any]]:
    who = signed.principal
    if name.lower().endswith(".csv"):
        groups = files.read_csv(text)
        for _, doc in groups:
            if isinstance(doc, dict):  # a CSV row cannot name the declarant: it is the trader signed in
                doc.update(economy=who.economy, declarant={"id": who.party_id, "name": signed.full_name or who.party_id})
    else:
        groups = [([line], doc) for line, doc in files.split_documents(text)]
    return [r for lines, doc in groups for r in _lodge_one(request, signed, lines, doc)]


@router.post("/upload", response_class=HTMLResponse)
async def upload(request: Request, signed: Trader, file: UploadFile) -> Response:
    name = file.filename or ""
    raw = await file.read()
    try:
        text = raw.decode("utf-8")
        results = await run_in_threadpool(_lodge_file, request, signed, name, text)
    except UnicodeDecodeError:
        return render(request, "trader/upload.html", {"results": None, "header": files.HEADER,
                                                      "problem": f"{name}: the file is not UTF-8 text"}, status=422)
    except ValueError as exc:
        return render(request, "trader/upload.html", {"results": None, "header": files.HEADER,
                                                      "problem": f"{name}: {exc}"}, status=422)
    refused = {r["line"] for r in results if r["outcome"] == "refused"}
    return render(request, "trader/upload.html", {
        "results": results, "name": name, "header": files.HEADER, "refused": len(refused),
        "accepted": sum(r["outcome"] == "accepted" for r in results),
        "again": sum(r["outcome"] == "already lodged" for r in results)})
