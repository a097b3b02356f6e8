"""ePhyto certificates: issue (JSON) or import (XML), validate, read, withdraw, replace; NPPO trust."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from clearway.api.idempotent import IDEMPOTENT, IdempotentRoute
from clearway.api.deps import Context, Ctx, Who
from clearway.auth.core import Principal, is_admin, is_nppo
from clearway.certificates import nppo, service
from clearway.certificates.hub_client import HubClient
from clearway.certificates.models import Certificate
from clearway.certificates.schemas import (CertificateOut, CertificatePage, EPhytoIn, ExchangeReportOut, FindingOut,
                                           ReplacementIn, TrustedCertificateOut, TrustIn, ValidationOut, WithdrawalIn)
from clearway.config import get_settings
from clearway.errors import Conflict, FieldError, Forbidden, Invalid
from clearway.flows import ephyto, hub_exchange
from clearway.validation import parse

router = APIRouter(prefix="/api/v1/certificates", tags=["certificates"], route_class=IdempotentRoute)

_XML_TYPES = ("application/xml", "text/xml")
_BODY = {"requestBody": {"required": True, "content": {
    "application/json": {"schema": EPhytoIn.model_json_schema(ref_template="#/components/schemas/{model}")},
    "application/xml": {"schema": {"type": "string", "description": "an SPSCertificate 17p0 document"}}}}}


def render(row: Certificate, session=None, findings=None) -> CertificateOut:  # noqa: ANN001
    d = service.last_delivery(session, row) if session is not None else None
    delivery = None if d is None else {
        "to": d.to_economy, "state": d.state, "attempts": d.attempts, "status_code": d.status_code,
        "hub_delivery_number": d.hub_delivery_number, "hub_tracking": d.hub_tracking, "last_error": d.last_error}
    return CertificateOut(
        number=row.number, exporting_economy=row.exporting_economy, importing_economy=row.importing_economy,
        direction=row.direction, status=row.status, status_code=row.status_code, type_code=row.type_code,
        signed=row.signed, signature_verified=row.signature_verified_at is not None,
        verification_code=row.verification_code, replaces=row.replaces, replaced_by=row.replaced_by,
        issued_at=row.issued_at, recorded_at=row.recorded_at, delivery=delivery,
        summary={k: v for k, v in row.summary.items() if k != "source_sha256"},
        findings=[FindingOut(**f) for f in (findings if findings is not None else row.findings)])


def _is_xml(request: Request) -> bool:
    return request.headers.get("content-type", "").split(";")[0].strip().lower() in _XML_TYPES


def _json(body: bytes) -> object:
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise Invalid(f"the body is not JSON: {exc}", errors=[FieldError("(body)", "is not valid JSON")]) from None


@router.post("/ephyto", dependencies=[IDEMPOTENT], status_code=201, response_model=CertificateOut, openapi_extra=_BODY,
             responses={200: {"description": "the same certificate was issued before"},
                        409: {"description": "the number was used with other content"}})
async def issue(request: Request, who: Who, ctx: Ctx, response: Response) -> CertificateOut:
    """Issue from JSON, or import an XML made elsewhere (`Content-Type: application/xml`). NPPO keys only."""
    if not is_nppo(who):
        raise Forbidden("only an NPPO key issues phytosanitary certificates")
    body = await request.body()
    # Off the event loop: validation and signing take CPU (an invalid certificate's full error list, once
    # per process, seconds).
    out, created = await run_in_threadpool(_issue, body, xml=_is_xml(request), who=who, ctx=ctx)
    response.status_code = 201 if created else 200
    response.headers["Location"] = f"/api/v1/certificates/ephyto/{out.number}?exporter={out.exporting_economy}"
    return out


def _issue(body: bytes, *, xml: bool, who: Principal, ctx: Context) -> tuple[CertificateOut, bool]:
    with ctx.uow() as session:
        if xml:
            row, created, findings = ephyto.import_xml(session, principal=who, data=body)
        else:
            row, created, findings = ephyto.issue(session, principal=who, cert=parse(EPhytoIn, _json(body)))
        return render(row, session, [f.as_dict() for f in findings]), created


@router.post("/ephyto/validate", response_model=ValidationOut,
             openapi_extra={"requestBody": {"required": True, "content": {"application/xml": {
                 "schema": {"type": "string"}}}}})
async def validate(request: Request, who: Who) -> ValidationOut:
    """Graded findings (SEVERE / WARNING / INFO with line and path) for an XML body; nothing is stored."""
    findings = await run_in_threadpool(service.validate, await request.body())
    return ValidationOut(valid=not any(f.level == "SEVERE" for f in findings),
                         findings=[FindingOut(**f.as_dict()) for f in findings])


@router.get("/ephyto", response_model=CertificatePage)
def list_(who: Who, ctx: Ctx, status: Annotated[str | None, Query(pattern="^(issued|replaced|withdrawn)$")] = None,
          direction: Annotated[str | None, Query(pattern="^(issued|received)$")] = None,
          limit: Annotated[int, Query(ge=1, le=500)] = 50, after: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None
          ) -> CertificatePage:
    with ctx.uow() as session:
        rows, nxt = service.list_certificates(session, principal=who, status=status, direction=direction,
                                              limit=limit, after=after)
        return CertificatePage(items=[render(r, session) for r in rows], next=str(nxt) if nxt else None)


@router.get("/ephyto/{number}", response_model=CertificateOut)
def read(number: str, who: Who, ctx: Ctx,
         exporter: Annotated[str | None, Query(min_length=2, max_length=2)] = None) -> CertificateOut:
    with ctx.uow() as session:
        return render(service.get(session, principal=who, number=number, exporter=exporter), session)


@router.get("/ephyto/{number}/xml", response_class=Response,
            responses={200: {"content": {"application/xml": {}}, "description": "the signed SPSCertificate"}})
def read_xml(number: str, who: Who, ctx: Ctx,
             exporter: Annotated[str | None, Query(min_length=2, max_length=2)] = None) -> Response:
    with ctx.uow() as session:
        row = service.get(session, principal=who, number=number, exporter=exporter)
        return Response(row.xml.encode("utf-8"), media_type="application/xml")


@router.post("/ephyto/{number}/withdraw", response_model=CertificateOut)
def withdraw(number: str, body: WithdrawalIn, who: Who, ctx: Ctx) -> CertificateOut:
    with ctx.uow() as session:
        return render(ephyto.withdraw(session, principal=who, number=number, reason=body.reason), session)


@router.post("/ephyto/{number}/replace", dependencies=[IDEMPOTENT], response_model=CertificateOut, status_code=201)
def replace(number: str, body: ReplacementIn, who: Who, ctx: Ctx) -> CertificateOut:
    """Issue `certificate` (a new number) in place of `number`, which becomes `replaced`."""
    with ctx.uow() as session:
        _, new = ephyto.replace(session, principal=who, number=number, cert=body.certificate, reason=body.reason)
        return render(new, session)


@router.post("/nppo-certificates", dependencies=[IDEMPOTENT], status_code=201, response_model=TrustedCertificateOut,
             response_model_exclude_none=True)
def trust(body: TrustIn, who: Who, ctx: Ctx) -> dict:
    """Register an NPPO's signing certificate (admin): signatures from that economy verify against it."""
    if not is_admin(who):
        raise Forbidden("only an admin registers NPPO certificates")
    with ctx.uow() as session:
        row = nppo.trust(session, economy=body.economy, party_id=body.party_id, cert_pem=body.certificate_pem,
                         actor=who.actor)
        return {"economy": row.economy, "fingerprint": row.fingerprint, "subject": row.subject,
                "not_after": row.not_after.isoformat()}


@router.get("/nppo-certificates/{economy}", response_model=list[TrustedCertificateOut])
def trusted(economy: str, who: Who, ctx: Ctx) -> list[dict]:
    """The NPPO certificates this installation trusts for `economy` (admin, nppo)."""
    with ctx.uow() as session:
        return [{"economy": r.economy, "party_id": r.party_id, "fingerprint": r.fingerprint, "subject": r.subject,
                 "not_after": r.not_after.isoformat(), "certificate_pem": r.cert_pem}
                for r in nppo.trusted_for(session, principal=who, economy=economy)]


@router.post("/exchange", response_model=ExchangeReportOut, response_model_exclude_unset=True)
def run_exchange(who: Who, ctx: Ctx) -> dict:
    """Exchange with the hub now (admin or nppo): send pending certificates, refresh tracking, pull and
    acknowledge. The hub is CLEARWAY_HUB_URL with this node's CLEARWAY_HUB_TOKEN."""
    if not (is_admin(who) or is_nppo(who)):
        raise Forbidden("only an admin or NPPO key runs the exchange")
    settings = get_settings()
    url, token = settings.hub_url, settings.hub_token
    if not url or not token:
        raise Conflict("no hub configured: set CLEARWAY_HUB_URL and CLEARWAY_HUB_TOKEN")
    with HubClient(url, token) as client:
        return hub_exchange.run_once(ctx.factory, client, economy=who.economy)
