"""The hub: all 27 DeliveryService operations of the IPPC ePhyto hub WSDL, as SOAP 1.1 document/literal
over HTTP (POST /hub/DeliveryService; GET ?wsdl returns the WSDL). Callers authenticate with
`Authorization: Bearer <hub token>` (the real hub uses TLS client certificates): the token names the
caller's country. A request must carry the operation's element as the WSDL defines it, and a SOAPAction
that is empty or the one the WSDL binds to that operation. Every refusal is a SOAP Fault carrying
HubWebException; the hub keeps serving.

Work that takes time (schema validation, hub_checks) runs before any transaction is opened, and each request runs
in a worker thread, not on the event loop."""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable

import anyio
from fastapi import FastAPI, Request, Response
from lxml import etree
from sqlalchemy.orm import Session, sessionmaker

from clearway.app import BodyLimit
from clearway.certificates import hub_checks, hub_codes, sps
from clearway.certificates import hub_store as store
from clearway.certificates import soap
from clearway.certificates.soap import Envelope, SoapFault
from clearway.db import transaction

WSDL = soap.WSDL
log = logging.getLogger(__name__)
_XML = "text/xml; charset=utf-8"
ACK = "urn:un:unece:uncefact:data:standard:SPSAcknowledgement:17"
Handler = Callable[[sessionmaker[Session], str, etree._Element], bytes]


def _response(op: str, fill: Callable[[etree._Element], None] | None = None) -> bytes:
    def build(body: etree._Element) -> None:
        node = soap._sub(body, soap.TNS, f"{op}Response")
        if fill is not None:
            fill(node)

    return soap.message(build)


def _single(op: str, env: Envelope) -> bytes:
    return _response(op, lambda node: soap.envelope_element(node, f"{op}Result", env))


def _text(value: object) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def _child(op_el: etree._Element, name: str, ns: str = soap.TNS) -> etree._Element:
    node = op_el.find(f"{{{ns}}}{name}")
    if node is None:
        raise SoapFault(f"{etree.QName(op_el).localname} needs its {name} element (as the WSDL defines it)")
    return node


def _number(op_el: etree._Element) -> str:
    number = soap.param(op_el, "hubTrackingNumber")
    if not number:
        raise SoapFault("hubTrackingNumber: missing or empty")
    return number


# Delivering ------------------------------------------------------------------------------------------------

def _embedded(node: etree._Element, ns: str, name: str) -> str:
    """The embedded document on its own, without the SOAP message's namespace declarations."""
    document = copy.deepcopy(_child(node, name, ns))
    etree.cleanup_namespaces(document)
    return etree.tostring(document, encoding="unicode")


def _deliver(param: str, *, validate: bool = False, embedded: tuple[str, str] | None = None,
             response: bool = False) -> Handler:
    def handler(factory: sessionmaker[Session], caller: str, op_el: etree._Element) -> bytes:
        node = _child(op_el, param)
        env = soap.read_envelope(node)
        if embedded is not None:  # the document travels as XML inside the envelope, not as text
            env.Content = _embedded(node, *embedded)
        if validate:
            env = hub_checks.validated(env)
        with transaction(factory) as session:
            header = store.deliver(session, caller=caller, env=env, response=response)
        return _single(etree.QName(op_el).localname, header)

    return handler


# Reading and acknowledging ---------------------------------------------------------------------------------

def _headers(op: str, result: str, item: str, rows: list[Envelope]) -> bytes:
    def fill(node: etree._Element) -> None:
        listing = soap._sub(node, soap.TNS, result)
        for env in rows:
            soap.envelope_element(listing, item, env, ns=soap.HUB)

    return _response(op, fill)


def _in_session(work: Callable[[Session, str, etree._Element], bytes]) -> Handler:
    def handler(factory: sessionmaker[Session], caller: str, op_el: etree._Element) -> bytes:
        with transaction(factory) as session:
            return work(session, caller, op_el)

    return handler


def _acknowledge(tracking_info: str, message: str | None, answer: bool) -> Handler:
    def work(session: Session, caller: str, op_el: etree._Element) -> bytes:
        text = soap.param(op_el, message) if message else None
        store.acknowledge(session, caller=caller, number=_number(op_el), tracking_info=tracking_info, message=text)
        op = etree.QName(op_el).localname
        return _response(op, (lambda node: soap._sub(node, soap.TNS, "return", "OK")) if answer else None)

    return _in_session(work)


def _set_tracking(session: Session, caller: str, op_el: etree._Element) -> bytes:
    store.set_tracking(session, caller=caller, header=soap.read_envelope(_child(op_el, "header")))
    return _response("SetTrackingInfoUpdate")


def _nppo(node: etree._Element, country: str, *, documents: bool) -> None:
    soap._sub(node, soap.HUB, "Country", country)
    soap._sub(node, soap.HUB, "Receive", "true")
    soap._sub(node, soap.HUB, "Send", "true")
    if documents:
        for ctype in store.CERTIFICATE_TYPES:
            for cstatus in store.CERTIFICATE_STATUSES:
                allowed = soap._sub(node, soap.HUB, "AllowedDocument")
                allowed.set("active", "true")
                for tag, code, name in (("certificateType", ctype, hub_codes.document_type(ctype)),
                                        ("certificateStatus", cstatus, hub_codes.document_status(cstatus))):
                    etree.SubElement(allowed, tag, number=str(code), value=name or "")


def _active_nppos(session: Session, caller: str, op_el: etree._Element) -> bytes:
    def fill(node: etree._Element) -> None:
        listing = soap._sub(node, soap.TNS, "GetActiveNpposResult")
        for country in store.active_nppos(session):
            _nppo(soap._sub(listing, soap.HUB, "Nppo"), country, documents=False)

    return _response("GetActiveNppos", fill)


def _profile(factory: sessionmaker[Session], caller: str, op_el: etree._Element) -> bytes:
    return _response("GetProfile", lambda node: _nppo(soap._sub(node, soap.TNS, "GetProfileResult"), caller,
                                                      documents=True))


def _channels(factory: sessionmaker[Session], caller: str, op_el: etree._Element) -> bytes:
    # This hub forwards to no other channel (national single windows, GeNS): the list is empty.
    return _response("GetAvailableChannels", lambda node: soap._sub(node, soap.TNS, "GetAvailableChannelsResult"))


# Validation and reference lists ----------------------------------------------------------------------------

def _validate_xml(factory: sessionmaker[Session], caller: str, op_el: etree._Element) -> bytes:
    rows = hub_checks.validation_results(_child(op_el, "ePhytoXML").text or "")

    def fill(resp: etree._Element) -> None:
        for found in rows:
            row = soap._sub(resp, soap.TNS, "ValidationResult")
            for tag, value in found.items():
                if value is not None:
                    etree.SubElement(row, tag).text = value

    return _response("ValidatePhytoXML", fill)


def _code_list(op: str) -> Handler:
    item, fields, rows = hub_codes.LISTS[op]

    def handler(factory: sessionmaker[Session], caller: str, op_el: etree._Element) -> bytes:
        def fill(node: etree._Element) -> None:
            for row in rows():
                el = soap._sub(node, soap.TNS, item)
                for name in fields:
                    if row.get(name) is not None:
                        etree.SubElement(el, name).text = _text(row[name])

        return _response(op, fill)

    return handler


OPERATIONS: dict[str, Handler] = {
    "DeliverEnvelope": _deliver("env"),
    "ValidateAndDeliverEnvelope": _deliver("envelope", validate=True),
    "DeliverPhytoEnvelope": _deliver("ePhytoEnvelope", embedded=(sps.RSM, "SPSCertificate")),
    "DeliverCountryResponseEnvelope": _deliver("CountryResponseEnvelope", embedded=(ACK, "SPSAcknowledgement"),
                                               response=True),
    "GetEnvelopeTrackingInfo": _in_session(lambda s, caller, el: _single(
        "GetEnvelopeTrackingInfo", store.tracking(s, caller=caller, number=_number(el)))),
    "GetImportEnvelopeHeaders": _in_session(lambda s, caller, el: _headers(
        "GetImportEnvelopeHeaders", "GetImportEnvelopeHeadersResult", "EnvelopeHeader",
        store.pending_for(s, caller=caller, content=False, sender=soap.param(el, "countryCode")))),
    "PULLImportEnvelope": _in_session(lambda s, caller, el: _headers(
        "PULLImportEnvelope", "PULLImportEnvelopesResult", "Envelope", store.pending_for(s, caller=caller))),
    "PULLSingleImportEnvelope": _in_session(lambda s, caller, el: _single(
        "PULLSingleImportEnvelope", store.single(s, caller=caller, number=_number(el)))),
    "GetUnderDeliveryEnvelope": _in_session(lambda s, caller, el: _headers(
        "GetUnderDeliveryEnvelope", "GetUnderDeliveryEnvelopeResult", "EnvelopeHeader",
        store.under_delivery(s, caller=caller))),
    "AcknowledgeEnvelopeReceipt": _acknowledge(store.DELIVERED, None, answer=False),
    "AdvancedAcknowledgeEnvelopeReceipt": _acknowledge(store.WARNINGS, "warningMessage", answer=True),
    "AcknowledgeFailedEnvelopeReceipt": _acknowledge(store.NOT_READABLE, "message", answer=True),
    "SetTrackingInfoUpdate": _in_session(_set_tracking),
    "GetActiveNppos": _in_session(_active_nppos),
    "GetProfile": _profile,
    "GetAvailableChannels": _channels,
    "ValidatePhytoXML": _validate_xml,
    **{op: _code_list(op) for op in hub_codes.LISTS},
}


def _operation(op_el: etree._Element, action: str) -> Handler:
    name = etree.QName(op_el)
    bound = soap.actions().get(name.localname)
    if name.namespace != soap.TNS or bound is None:
        raise SoapFault(f"{name.text} is not an operation of the DeliveryService WSDL")
    if action and action != bound:
        raise SoapFault(f"SOAPAction {action!r} does not match {name.localname}: the WSDL binds it to {bound!r}")
    return OPERATIONS[name.localname]


def handle(factory: sessionmaker[Session], token: str, action: str, data: bytes) -> tuple[int, bytes]:
    """(HTTP status, SOAP answer) for one request."""
    with factory() as session:
        caller = store.authenticate(session, token) if token else None
    if caller is None:
        return 401, soap.fault("unknown or missing hub token")
    try:
        op_el = soap.read_body(data)
        return 200, _operation(op_el, action)(factory, caller, op_el)
    except SoapFault as exc:
        return 500, soap.fault(exc.message)
    except Exception:  # a fault the caller may retry, never a dropped connection; the cause goes to the log
        log.exception("hub: request failed")
        return 500, soap.fault("the hub failed to answer; try again later", "soap:Server")


def create_hub_app(database_url: str | None = None, *, factory: sessionmaker[Session] | None = None) -> FastAPI:
    factory = factory or store.sessions(database_url)
    app = FastAPI(title="Clearway ePhyto hub", docs_url=None, redoc_url=None, openapi_url=None)

    @app.get("/hub/DeliveryService")
    def wsdl(request: Request) -> Response:
        text = WSDL.read_text(encoding="utf-8").replace("https://hub.ephytoexchange.org/hub/DeliveryService",
                                                        str(request.url.replace(query="")))
        return Response(text, media_type="text/xml")

    @app.post("/hub/DeliveryService")
    async def service(request: Request) -> Response:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        action = request.headers.get("soapaction", "").strip().strip('"')
        data = await request.body()
        status, answer = await anyio.to_thread.run_sync(
            handle, factory, token.strip() if scheme.lower() == "bearer" else "", action, data)
        return Response(answer, status_code=status, media_type=_XML)

    @app.get("/healthz")
    def health() -> dict:
        return {"status": "ok"}

    app.add_middleware(BodyLimit, limit=soap.MAX_MESSAGE_BYTES, bulk_limit=soap.MAX_MESSAGE_BYTES)
    return app
