"""WCO DEC XML on the declarations resource: `POST /api/v1/declarations` with `Content-Type: application/xml`
lodges a DEC message, and `GET /api/v1/declarations/{id}` with `Accept: application/xml` answers one. The
routes match only those media types, and are mounted before the JSON ones (api/declarations.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Body, Response
from lxml import etree
from sqlalchemy.orm import Session
from starlette.routing import Match
from starlette.types import Scope

from clearway.api.deps import Ctx, Who
from clearway.api.idempotent import IDEMPOTENT, IdempotentRoute
from clearway.auth.core import Principal
from clearway.declarations.models import Declaration
from clearway.declarations.schemas import DeclarationOut
from clearway.flows import wco as wco_flow
from clearway.wco import message, outbound
from clearway.wco.profile import installed

XML_TYPES = ("application/xml", "text/xml")


def _header(scope: Scope, name: bytes) -> str:
    return next((v.decode("latin-1").lower() for k, v in scope.get("headers", []) if k == name), "")


def sends_xml(scope: Scope) -> bool:
    media = _header(scope, b"content-type").split(";")[0].strip()
    return media in XML_TYPES or media.endswith("+xml")


def wants_xml(scope: Scope) -> bool:
    """Accept names XML and not JSON first (a browser's 'text/html,application/xml;q=0.9' stays JSON)."""
    accept = [part.split(";")[0].strip() for part in _header(scope, b"accept").split(",")]
    return bool(accept) and accept[0] in XML_TYPES


class _OnlyXml(IdempotentRoute):
    """A route that matches only when the request is XML; other requests go on to the JSON route."""

    accepts: Callable[[Scope], bool] = staticmethod(sends_xml)

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        match, child = super().matches(scope)
        if match != Match.NONE and not type(self).accepts(scope):
            return Match.NONE, {}
        return match, child


class SendsXml(_OnlyXml):
    accepts = staticmethod(sends_xml)


class WantsXml(_OnlyXml):
    accepts = staticmethod(wants_xml)


XmlBody = Annotated[bytes, Body(media_type="application/xml", description="a WCO DEC-DMS MetaData/Declaration")]
Render = Callable[[Session, Declaration, Principal], DeclarationOut]


def add_routes(router: APIRouter, render: Render) -> None:
    """Add the XML routes to the declarations router (call it before the JSON routes are added), answering
    as the JSON ones do (`render`)."""

    def lodge_xml(body: XmlBody, who: Who, ctx: Ctx, response: Response) -> Any:
        profile = installed()
        read = message.read(body, profile=profile)  # before the transaction: parsing and the schema take time
        with ctx.uow() as session:
            row, created = wco_flow.lodge(session, principal=who, read=read, profile=profile)
            out = render(session, row, who)
        response.status_code = 201 if created else 200
        response.headers["Location"] = f"/api/v1/declarations/{out.id}"
        return out

    def read_xml(mrn: str, who: Who, ctx: Ctx) -> Response:
        with ctx.uow() as session:
            content, kept = wco_flow.stored(session, principal=who, mrn=mrn)
        tree = outbound.to_wco(content, kept=kept, profile=installed())
        return Response(etree.tostring(tree, xml_declaration=True, encoding="UTF-8"), media_type="application/xml")

    router.add_api_route("", lodge_xml, methods=["POST"], status_code=201, response_model=DeclarationOut,
                         dependencies=[IDEMPOTENT],
                         route_class_override=SendsXml, include_in_schema=False)
    router.add_api_route("/{mrn}", read_xml, methods=["GET"], route_class_override=WantsXml,
                         include_in_schema=False)
