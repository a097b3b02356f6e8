"""/trader/lodge: a declaration typed into a form, quoted (landed cost) before it is lodged. The fields are
named by the API's paths, so the API's refusals show beside their fields in the API's words. Items,
containers and documents are added and removed by the server (no script needed); with script the page also
keeps a draft in the browser and finds HS codes as the trader types (static/trader.js)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from clearway.auth.users import SignedIn
from clearway.db import utcnow
from clearway.declarations.schemas import DeclarationIn
from clearway.errors import ClearwayError
from clearway.flows import lodging
from clearway.tariff import service as tariff
from clearway.tariff.schemas import QuoteIn, plain
from clearway.validation import parse
from clearway.web.forms import flatten, prune, unflatten
from clearway.web.session import require_page_user
from clearway.web.templating import render
from clearway.web.trader.pickers import pickers

router = APIRouter(prefix="/trader", include_in_schema=False)
Trader = Annotated[SignedIn, Depends(require_page_user("declarant"))]
LISTS = ("items", "transport.containers", "documents")


def _blank(signed: SignedIn) -> dict[str, Any]:
    who = signed.principal
    return {"type": "import", "currency": pickers(who.economy)["home_currency"], "transport": {"mode": "sea"},
            "declarant": {"name": signed.full_name or who.party_id}, "items": [{}]}


def _page(request: Request, signed: SignedIn, doc: dict[str, Any], *, errors: dict[str, str] | None = None,
          quote: dict | None = None, status: int = 200) -> Response:
    values = flatten(doc)
    counts = {name: max(1 if name == "items" else 0, _count(doc, name)) for name in LISTS}
    arrival = values.get("transport.arrival", "")
    values["transport.arrival"] = arrival[:16]  # datetime-local shows minutes
    return render(request, "trader/lodge.html", {
        "v": values, "counts": counts, "errors": errors or {}, "quote": quote,
        **pickers(signed.principal.economy)}, status=status)


def _count(doc: dict[str, Any], path: str) -> int:
    node: Any = doc
    for part in path.split("."):
        node = node.get(part, []) if isinstance(node, dict) else []
    return len(node) if isinstance(node, list) else 0


def _document(form: list[tuple[str, str]], signed: SignedIn) -> dict[str, Any]:
    """The typed form (empty fields kept, for the layout): the trader's own economy and party id are not typed
    but taken from the session; a date-time typed without a zone is UTC (the form says so)."""
    doc = unflatten(form)
    who = signed.principal
    doc["economy"] = who.economy
    doc["declarant"] = {**(doc.get("declarant") or {}), "id": who.party_id}
    transport = doc.setdefault("transport", {})
    arrival = transport.get("arrival")
    if isinstance(arrival, str) and len(arrival) == 16:
        transport["arrival"] = arrival + ":00Z"
    return doc


def _edit_lists(doc: dict[str, Any], action: str) -> None:
    """'add:items' appends an empty row; 'remove:items[2]' drops that row."""
    verb, _, target = action.partition(":")
    name, _, index = target.partition("[")
    if name not in LISTS:
        return
    parent: Any = doc
    *path, last = name.split(".")
    for part in path:
        parent = parent.setdefault(part, {})
    rows = parent.setdefault(last, [])
    if verb == "add":
        rows.append({} if name != "transport.containers" else "")
    elif verb == "remove" and index.rstrip("]").isdigit() and int(index.rstrip("]")) < len(rows):
        rows.pop(int(index.rstrip("]")))


def _errors(exc: ClearwayError) -> dict[str, str]:
    return {e.path: e.reason for e in exc.errors} or {"form": exc.detail}


@router.get("/lodge", response_class=HTMLResponse)
def lodge_form(request: Request, signed: Trader) -> Response:
    return _page(request, signed, _blank(signed))


@router.post("/lodge")
async def lodge_post(request: Request, signed: Trader) -> Response:
    form = [(k, v) for k, v in (await request.form()).multi_items() if isinstance(v, str)]
    return await run_in_threadpool(_act, request, signed, form)  # the database work off the event loop


def _act(request: Request, signed: SignedIn, form: list[tuple[str, str]]) -> Response:
    action = dict(form).get("action", "edit")
    doc = _document(form, signed)
    if action.startswith(("add:", "remove:")):
        _edit_lists(doc, action)
        return _page(request, signed, doc)
    if action == "quote":
        try:
            decl = parse(QuoteIn, prune(doc))
            with request.app.state.ctx.uow() as session:
                quote = plain(tariff.calculate(session, decl, decl.date or utcnow().date()).as_dict())
        except ClearwayError as exc:
            return _page(request, signed, doc, errors=_errors(exc), status=exc.status)
        return _page(request, signed, doc, quote=quote)
    if action == "lodge":
        try:
            with request.app.state.ctx.uow() as session:
                row, _ = lodging.lodge(session, principal=signed.principal, decl=parse(DeclarationIn, prune(doc)),
                                              channel="web")
                mrn = row.mrn
        except ClearwayError as exc:
            return _page(request, signed, doc, errors=_errors(exc), status=exc.status)
        return RedirectResponse(f"/trader/declarations/{mrn}?lodged=1", status_code=303)
    return _page(request, signed, doc)  # 'edit': the form again, as sent (a draft restored from the browser)
