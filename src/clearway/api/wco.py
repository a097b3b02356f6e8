"""WCO response messages (RES) of a declaration, by polling; the declarant's callback address for pushing them."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field

from clearway.api.deps import Ctx, Who
from clearway.config import get_settings
from clearway.errors import NotFound
from clearway.flows import wco as wco_flow
from clearway.wco.profile import installed

router = APIRouter(prefix="/api/v1", tags=["wco"])


class ResponseMessageOut(BaseModel):
    sequence: int = Field(description="1 for the first message of the declaration; GET .../responses/{sequence} "
                                      "answers its XML alone")
    function_code: str = Field(description="the RES FunctionCode (the installation's profile: e.g. CDS 01 accepted)")
    kind: str = Field(description="received, accepted, rejected, lane_green, lane_yellow, lane_red, released, "
                                  "cancelled")
    at: datetime
    xml: str = Field(description="the WCO RES message (MetaData envelope with a Response)")


class CallbackIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: str = Field(description="where each response message is POSTed (application/xml, its id in the Webhook-Id "
                                 "header): an https:// URL, or http:// to a host the installation allows", max_length=2000)


class CallbackOut(BaseModel):
    url: str
    registered_at: datetime


@router.get("/declarations/{mrn}/responses", response_model=list[ResponseMessageOut])
def responses(mrn: str, who: Who, ctx: Ctx) -> list[ResponseMessageOut]:
    with ctx.uow() as session:
        found = wco_flow.messages(session, principal=who, mrn=mrn, profile=installed())
    return [ResponseMessageOut(sequence=i + 1, function_code=m.response.function_code, kind=m.response.kind,
                               at=m.response.at, xml=m.xml) for i, m in enumerate(found)]


@router.get("/declarations/{mrn}/responses/{sequence}", response_class=Response,
            responses={200: {"content": {"application/xml": {}}}})
def response_xml(mrn: str, sequence: int, who: Who, ctx: Ctx) -> Response:
    with ctx.uow() as session:
        found = wco_flow.messages(session, principal=who, mrn=mrn, profile=installed())
    if not 1 <= sequence <= len(found):
        raise NotFound(f"declaration {mrn} has {len(found)} response messages, not a number {sequence}")
    return Response(found[sequence - 1].xml, media_type="application/xml")


@router.put("/wco/callback", response_model=CallbackOut)
def register_callback(body: CallbackIn, who: Who, ctx: Ctx) -> CallbackOut:
    with ctx.uow() as session:
        row = wco_flow.register_callback(session, principal=who, url=body.url,
                                         allowed_hosts=get_settings().wco_callback_hosts)
        return CallbackOut(url=row.url, registered_at=row.registered_at)


@router.get("/wco/callback", response_model=CallbackOut, responses={404: {"description": "No callback registered"}})
def read_callback(who: Who, ctx: Ctx) -> CallbackOut:
    with ctx.uow() as session:
        row = wco_flow.callback_of(session, principal=who)
        if row is None:
            raise NotFound("no callback is registered for this key's declarant")
        return CallbackOut(url=row.url, registered_at=row.registered_at)


@router.delete("/wco/callback", status_code=204, response_class=Response,
               responses={404: {"description": "No callback registered"}})
def remove_callback(who: Who, ctx: Ctx) -> Response:
    with ctx.uow() as session:
        wco_flow.remove_callback(session, principal=who)
    return Response(status_code=204)
