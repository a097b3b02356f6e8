"""Goods declarations: lodge, read, list, cancel, amend."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import partial
from typing import Annotated, Any, NamedTuple

from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session

from clearway.api.idempotent import IDEMPOTENT, IDEMPOTENT_HEADER, IdempotentRoute, header_parameter
from clearway.api import wco_xml
from clearway.api.answers import json_answer, minimal_answer, wants_minimal
from clearway.api.deps import Context, Ctx, Who, context_of
from clearway.auth.core import Principal
from clearway.controls.models import Finding
from clearway.controls.service import Raised, open_findings
from clearway.declarations import codes, service
from clearway.declarations.core import STATUSES
from clearway.declarations.models import Declaration
from clearway.declarations.service import Lodged
from clearway.declarations.schemas import (AmendmentIn, CancelIn, DeclarationIn, DeclarationLodged, DeclarationMinimal,
                                           DeclarationOut, DeclarationPage, DeclarationSummary, EnvironmentalGoodsLine,
                                           FindingOut, StatusEventOut, VersionOut)
from clearway.flows import environmental_goods, lodging
from clearway.flows.desk import lodge_alone
from clearway.risk import disclosure
from clearway.validation import DateOrTime, range_end, range_start

router = APIRouter(prefix="/api/v1/declarations", tags=["declarations"], route_class=IdempotentRoute)


def render(session: Session, row: Declaration, who: Principal, *, findings: bool = True) -> DeclarationOut:
    """The declaration as this key may read it, with the open findings of other checks as they stand
    in this transaction (those the lodging or amendment just raised included; `findings=False`: none raised,
    none to read)."""
    return answer(row, who, findings=open_findings(session, declaration_id=row.id) if findings else [],
                  goods=environmental_goods.matches(session, row=row))


def answer(row: Declaration | _Written, who: Principal, *, findings: Sequence[Finding | Raised],
           goods: list[EnvironmentalGoodsLine]) -> DeclarationOut:
    """`render` from what was read before: no session needed (the row's history loaded)."""
    return DeclarationOut(
        id=row.mrn, mrn=row.mrn, lrn=row.lrn, type=row.type, economy=row.economy, office=row.office,
        declarant_id=row.declarant_id, status=row.status, version=row.version, accepted_at=row.accepted_at,
        updated_at=row.updated_at, declaration=codes.with_codes(row.content),
        history=[StatusEventOut(from_status=h.from_status, to_status=h.to_status, at=h.at, actor=h.actor,
                                reason=disclosure.history_for(who, to_status=h.to_status, reason=h.reason))
                 for h in row.history],
        findings=[FindingOut(source=f.source, code=f.code, lane=f.lane, reason=f.reason, reference=f.reference,
                             raised_at=f.raised_at) for f in findings],
        environmental_goods=goods)


# WCO DEC XML in and out (Content-Type / Accept: application/xml): matched before the JSON routes below.
# OpenAPI has one operation per path and method, so the XML routes stay out of the document and the JSON
# operations below document them as their other content type (XML_IN, XML_OUT).
wco_xml.add_routes(router, render)
XML_IN = {"requestBody": {"content": {"application/xml": {"schema": {
    "type": "string", "description": "a WCO DEC-DMS MetaData/Declaration (docs/wco.md), validated and mapped"}}}}}
XML_OUT = {200: {"content": {"application/xml": {"schema": {
    "type": "string", "description": "with `Accept: application/xml`: the declaration as a WCO DEC-DMS document"}}}}}


class _Status(NamedTuple):
    from_status: str | None
    to_status: str
    at: datetime
    actor: str
    reason: str | None


class _Written(NamedTuple):
    """A declaration this request lodged, as `answer` reads a row: what was written, nothing read back (as
    declarations.service.lodge_unnumbered makes its row)."""

    mrn: str
    lrn: str
    type: str
    economy: str
    office: str
    declarant_id: str | None
    status: str
    version: int
    accepted_at: datetime
    updated_at: datetime
    content: dict[str, Any]
    history: list[_Status]


def _written(lodged: Lodged, decl: DeclarationIn, who: Principal) -> _Written:
    at = lodged.at
    assert at is not None  # (every declaration lodged here has it)
    return _Written(lodged.mrn, lodged.lrn, lodged.type, lodged.economy, decl.office, decl.declarant.id, lodged.status,
                    1, at, at, lodged.content, [_Status(None, "accepted", at, who.actor, "lodged")])


# The lodging route's two headers are read from the request and documented here, not solved by FastAPI as a
# parameter and a dependency at each request (as its Context: together some 50 us of the hottest route).
LODGE_HEADERS = [header_parameter("prefer", "Prefer", "`return=minimal` (RFC 7240): answer with the MRN and status only"),
                 IDEMPOTENT_HEADER]


# With `Prefer: return=minimal` a lodgement answers DeclarationMinimal: the document says both (DeclarationLodged).
@router.post("", status_code=201, response_model=DeclarationLodged,
             openapi_extra={**XML_IN, "parameters": LODGE_HEADERS},
             responses={200: {"description": "the same LRN and content was lodged before"},
                        409: {"description": "the LRN was used with other content"}})
async def lodge(body: DeclarationIn, who: Who, request: Request) -> Response:
    ctx = context_of(request)
    minimal = wants_minimal(",".join(request.headers.getlist("prefer")))  # (RFC 7240: one header or several)
    # What the answer needs read is read in the lodgement's transaction (the goods list before the numbers are
    # drawn), and the answer is built after the commit (the office's counter row is locked from the draw to the
    # commit: docs/decisions.md, "MRNs stay consecutive").
    how = dict(principal=who, decl=body, finish=partial(_reads, who, minimal),
               before=None if minimal else environmental_goods.edition, then=partial(_answer_of, body, who, minimal))
    if not isinstance(ctx, Context):  # an Idempotency-Key's claim is marked in the lodgement's own transaction
        return await run_in_threadpool(partial(lodge_alone, ctx.uow, **how))
    return await ctx.desk().lodge(**how)  # with those sent at the same time, in one transaction (flows/desk.py)


def _answer_of(body: DeclarationIn, who: Principal, minimal: bool, got: tuple[Lodged, Any]) -> Response:
    """The answer of a declaration lodged at the desk, from what `_reads` gave (after the commit)."""
    lodged, read = got
    if minimal:
        return _lodged_answer(lodged, None)
    if not lodged.created:
        return _lodged_answer(lodged, read)
    findings, edition = read
    row = _written(lodged, body, who)
    return _lodged_answer(lodged, answer(row, who, findings=findings, goods=environmental_goods.lines(edition, row)))


def _reads(who: Principal, minimal: bool, session: Session, lodged: Lodged, raised: list[Raised],
           edition: Any) -> tuple[Lodged, Any]:
    """In the desk's transaction: what the answer of `lodged` needs (a new declaration: the findings the checks
    raised on it, which are all its open findings, with the environmental goods list read before; a declaration
    lodged before: its answer, read)."""
    if minimal:
        return lodged, None
    if not lodged.created:
        return lodged, render(session, service.by_id(session, lodged.id), who)
    return lodged, ([f for f in raised if f.declaration_id == lodged.id], edition)


def _lodged_answer(lodged: Lodged, out: DeclarationOut | None) -> Response:
    """201 for a new declaration, 200 for one lodged before; `out` None: the minimal answer."""
    status, headers = 201 if lodged.created else 200, {"Location": f"/api/v1/declarations/{lodged.mrn}"}
    if out is None:
        return minimal_answer(DeclarationMinimal(id=lodged.mrn, mrn=lodged.mrn, status=lodged.status), status=status,
                              headers=headers)
    return json_answer(out, status=status, headers=headers)


@router.get("", response_model=DeclarationPage)
def list_(who: Who, ctx: Ctx,
          status: Annotated[str | None, Query(pattern="^(" + "|".join(STATUSES) + ")$")] = None,
          office: Annotated[str | None, Query(min_length=5, max_length=5)] = None,
          accepted_from: Annotated[DateOrTime | None, Query(
              description="from this time, or from the start (00:00 UTC) of this date")] = None,
          accepted_to: Annotated[DateOrTime | None, Query(
              description="before this time, or up to the end (24:00 UTC) of this date")] = None,
          limit: Annotated[int, Query(ge=1, le=500)] = 50,
          after: Annotated[int | None, Query(ge=1, le=2**63 - 1, description="the `next` cursor of the previous page")] = None,
          ) -> DeclarationPage:
    with ctx.uow() as session:
        rows, nxt = service.list_declarations(session, principal=who, status=status, office=office,
                                              accepted_from=range_start(accepted_from),
                                              accepted_to=range_end(accepted_to), limit=limit, after=after)
        flagged = environmental_goods.matches_of(session, rows=rows)
        items = [DeclarationSummary(id=r.mrn, lrn=r.lrn, type=r.type, office=r.office, declarant_id=r.declarant_id,
                                    status=r.status, version=r.version, accepted_at=r.accepted_at,
                                    environmental_goods=flagged[r.id]) for r in rows]
    return DeclarationPage(items=items, next=str(nxt) if nxt else None)


@router.get("/{mrn}", response_model=DeclarationOut, responses=XML_OUT)
def read(mrn: str, who: Who, ctx: Ctx) -> Response:
    with ctx.uow() as session:  # (the answer encoded here: see api.answers.json_answer)
        return json_answer(render(session, service.load_for_read(session, principal=who, mrn=mrn), who))


@router.get("/{mrn}/versions", response_model=list[VersionOut])
def versions(mrn: str, who: Who, ctx: Ctx) -> list[VersionOut]:
    with ctx.uow() as session:
        return [VersionOut(version=v.version, created_at=v.created_at, actor=v.actor, reason=v.reason,
                           declaration=codes.with_codes(v.content)) for v in service.versions(session, principal=who, mrn=mrn)]


@router.post("/{mrn}/cancel", response_model=DeclarationOut)
def cancel(mrn: str, who: Who, ctx: Ctx, body: CancelIn | None = None) -> DeclarationOut:
    with ctx.uow() as session:
        row = service.cancel(session, principal=who, mrn=mrn, reason=body.reason if body else None)
        return render(session, row, who)


@router.post("/{mrn}/amendments", dependencies=[IDEMPOTENT], response_model=DeclarationOut, status_code=201)
def amend(mrn: str, body: AmendmentIn, who: Who, ctx: Ctx) -> DeclarationOut:
    with ctx.uow() as session:
        row = lodging.amend(session, principal=who, mrn=mrn, reason=body.reason, changes=body.changes)
        return render(session, row, who)
