"""The hub: the DeliveryService operations of the IPPC ePhyto hub WSDL, as SOAP 1.1 over HTTP
(POST /hub/DeliveryService; GET ?wsdl returns the WSDL). Callers authenticate with
`Authorization: Bearer <hub token>` (the real hub uses TLS client certificates): the token names the
caller's country. Every refusal is a SOAP Fault carrying HubWebException; the hub keeps serving."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request, Response
from sqlalchemy.orm import Session, sessionmaker

from clearway.certificates import hub_store as store
from clearway.certificates import soap
from clearway.certificates.soap import Envelope, SoapFault

WSDL = Path(__file__).parent / "data" / "ippc-hub" / "ephyto-hub-prod.wsdl"
_XML = "text/xml; charset=utf-8"


def _headers_response(op: str, result: str, headers: list[Envelope]) -> bytes:
    def build(body):  # noqa: ANN001, ANN202
        node = soap._sub(soap._sub(body, soap.TNS, f"{op}Response"), soap.TNS, result)
        for h in headers:
            soap.envelope_element(node, "EnvelopeHeader" if h.Content is None else "Envelope", h, ns=soap.HUB)

    return soap.message(build)


def _single(op: str, result: str, env: Envelope | None = None, text: str | None = None) -> bytes:
    def build(body):  # noqa: ANN001, ANN202
        node = soap._sub(body, soap.TNS, f"{op}Response")
        if env is not None:
            soap.envelope_element(node, result, env)
        elif text is not None:
            soap._sub(node, soap.TNS, result, text)

    return soap.message(build)


def dispatch(session: Session, caller: str, op_el) -> bytes:  # noqa: ANN001
    from lxml import etree

    op = etree.QName(op_el).localname
    number = soap.param(op_el, "hubTrackingNumber")
    if op in ("DeliverEnvelope", "ValidateAndDeliverEnvelope"):
        node = op_el.find(f"{{{soap.TNS}}}env")
        if node is None:
            raise SoapFault("DeliverEnvelope needs its env element")
        return _single(op, f"{op}Result", store.deliver(session, caller=caller, env=soap.read_envelope(node)))
    if op == "GetEnvelopeTrackingInfo":
        return _single(op, "GetEnvelopeTrackingInfoResult", store.tracking(session, caller=caller, number=number or ""))
    if op == "GetImportEnvelopeHeaders":
        return _headers_response(op, "GetImportEnvelopeHeadersResult",
                                 store.pending_for(session, caller=caller, content=False))
    if op == "PULLImportEnvelope":
        return _headers_response(op, "PULLImportEnvelopesResult", store.pending_for(session, caller=caller))
    if op == "PULLSingleImportEnvelope":
        return _single(op, "PULLSingleImportEnvelopeResult", store.single(session, caller=caller, number=number or ""))
    if op == "GetUnderDeliveryEnvelope":
        return _headers_response(op, "GetUnderDeliveryEnvelopeResult", store.under_delivery(session, caller=caller))
    if op == "AcknowledgeEnvelopeReceipt":
        store.acknowledge(session, caller=caller, number=number or "", tracking_info=store.DELIVERED)
        return _single(op, "")
    if op == "AdvancedAcknowledgeEnvelopeReceipt":
        store.acknowledge(session, caller=caller, number=number or "", tracking_info=store.WARNINGS,
                          message=soap.param(op_el, "warningMessage"))
        return _single(op, "return", text="OK")
    if op == "AcknowledgeFailedEnvelopeReceipt":
        store.acknowledge(session, caller=caller, number=number or "", tracking_info=store.NOT_READABLE,
                          message=soap.param(op_el, "message"))
        return _single(op, "return", text="OK")
    if op == "GetActiveNppos":
        def build(body):  # noqa: ANN001, ANN202
            node = soap._sub(soap._sub(body, soap.TNS, "GetActiveNpposResponse"), soap.TNS, "GetActiveNpposResult")
            for country in store.active_nppos(session):
                nppo = soap._sub(node, soap.HUB, "Nppo")
                soap._sub(nppo, soap.HUB, "Country", country)
                soap._sub(nppo, soap.HUB, "Receive", "true")
                soap._sub(nppo, soap.HUB, "Send", "true")

        return soap.message(build)
    raise SoapFault(f"operation {op} is not served by this hub")


def create_hub_app(database_url: str | None = None, *, factory: sessionmaker[Session] | None = None) -> FastAPI:
    from clearway.app import BodyLimit

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
        data = await request.body()
        try:
            with factory.begin() as session:
                caller = store.authenticate(session, token.strip()) if scheme.lower() == "bearer" else None
                if caller is None:
                    return Response(soap.fault("unknown or missing hub token"), status_code=401, media_type=_XML)
                answer = dispatch(session, caller, soap.read_body(data))
        except SoapFault as exc:
            return Response(soap.fault(exc.message), status_code=500, media_type=_XML)
        return Response(answer, media_type=_XML)

    @app.get("/healthz")
    def health() -> dict:
        return {"status": "ok"}

    app.add_middleware(BodyLimit, limit=soap.MAX_MESSAGE_BYTES, bulk_limit=soap.MAX_MESSAGE_BYTES)
    return app
