"""SOAP 1.1 document/literal messages of the IPPC ePhyto hub DeliveryService (namespace
http://ephyto.ippc.int/, envelope entities in http://ephyto.ippc.int/HUB.Entities), built and read with
lxml. Shared by the hub server and the hub client."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from lxml import etree

from clearway.xmlsafe import XmlRefused, parse

SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
TNS = "http://ephyto.ippc.int/"
HUB = "http://ephyto.ippc.int/HUB.Entities"
WSDL = Path(__file__).parent / "data" / "ippc-hub" / "ephyto-hub-prod.wsdl"
MAX_MESSAGE_BYTES = 3_000_000  # a certificate (escaped) in its envelope, or a batch pulled
TRACKING = ("PendingDelivery", "Delivered", "FailedDelivery", "EnvelopeNotExists", "DeliveredWithWarnings",
            "DeliveredNotReadable")
_HEADER_FIELDS = ("From", "To", "CertificateType", "CertificateStatus", "NPPOCertificateNumber",
                  "hubDeliveryNumber", "HUBTrackingInfo", "hubDeliveryErrorMessage")


@lru_cache(maxsize=1)
def actions() -> dict[str, str]:
    """Each operation's SOAPAction, as the WSDL's binding gives it. Not always the operation's name:
    AdvancedAcknowledgeEnvelopeReceipt is bound to .../NegativeAcknowledgeEnvelopeReceipt."""
    wsdl, soap_binding = "http://schemas.xmlsoap.org/wsdl/", "http://schemas.xmlsoap.org/wsdl/soap/"
    tree = parse(WSDL.read_bytes(), limit=WSDL.stat().st_size)
    return {op.get("name"): op.find(f"{{{soap_binding}}}operation").get("soapAction")
            for op in tree.getroot().iterfind(f"{{{wsdl}}}binding/{{{wsdl}}}operation")}


class SoapFault(Exception):
    """A fault answered by the hub (HubWebException): the request is refused, retrying will not help."""

    def __init__(self, message: str, code: str = "soap:Client") -> None:
        super().__init__(message)
        self.message, self.code = message, code


@dataclass
class Envelope:
    From: str
    To: str
    CertificateType: int
    CertificateStatus: int
    NPPOCertificateNumber: str
    hubDeliveryNumber: str | None = None
    HUBTrackingInfo: str | None = None
    hubDeliveryErrorMessage: str | None = None
    Content: str | None = None
    extra: dict = field(default_factory=dict)

    def header(self) -> Envelope:
        return Envelope(**{k: getattr(self, k) for k in _HEADER_FIELDS})


def _sub(parent: etree._Element, ns: str, name: str, text: object | None = None) -> etree._Element:
    node = etree.SubElement(parent, f"{{{ns}}}{name}")
    if text is not None:
        node.text = str(text)
    return node


def envelope_element(parent: etree._Element, name: str, env: Envelope, *, ns: str = TNS) -> etree._Element:
    node = _sub(parent, ns, name)
    for key in _HEADER_FIELDS:
        value = getattr(env, key)
        if value is not None:
            _sub(node, HUB, key, value)
    if env.Content is not None:
        _sub(node, HUB, "Content", env.Content)
    return node


def read_envelope(node: etree._Element) -> Envelope:
    values = {etree.QName(c).localname: (c.text or "") for c in node if isinstance(c.tag, str)}
    missing = [k for k in _HEADER_FIELDS[:5] if not values.get(k, "").strip()]
    if missing:
        raise SoapFault(f"the envelope lacks {', '.join(missing)}")
    try:
        ctype, cstatus = int(values["CertificateType"]), int(values["CertificateStatus"])
    except ValueError:
        raise SoapFault("CertificateType and CertificateStatus must be integers") from None
    return Envelope(From=values["From"].strip(), To=values["To"].strip(), CertificateType=ctype,
                    CertificateStatus=cstatus, NPPOCertificateNumber=values["NPPOCertificateNumber"].strip(),
                    hubDeliveryNumber=values.get("hubDeliveryNumber") or None,
                    HUBTrackingInfo=values.get("HUBTrackingInfo") or None,
                    hubDeliveryErrorMessage=values.get("hubDeliveryErrorMessage") or None,
                    Content=values.get("Content"))


def message(build) -> bytes:  # noqa: ANN001  (build(body) adds the body's child)
    root = etree.Element(f"{{{SOAP}}}Envelope", nsmap={"soap": SOAP, "tns": TNS, "hub": HUB})
    _sub(root, SOAP, "Header")
    build(_sub(root, SOAP, "Body"))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def request(operation: str, **params: object) -> bytes:
    """A request whose operation element holds simple parameters (or an Envelope)."""

    def build(body: etree._Element) -> None:
        op = _sub(body, TNS, operation)
        for key, value in params.items():
            if isinstance(value, Envelope):
                envelope_element(op, key, value)
            elif value is not None:
                _sub(op, TNS, key, value)

    return message(build)


def fault(text: str, code: str = "soap:Client") -> bytes:
    def build(body: etree._Element) -> None:
        node = _sub(body, SOAP, "Fault")
        etree.SubElement(node, "faultcode").text = code
        etree.SubElement(node, "faultstring").text = text
        _sub(_sub(etree.SubElement(node, "detail"), TNS, "HubWebException"), TNS, "message", text)

    return message(build)


def read_body(data: bytes) -> etree._Element:
    """The first element of the SOAP Body; a Fault becomes SoapFault."""
    try:
        root = parse(data, limit=MAX_MESSAGE_BYTES).getroot()
    except XmlRefused as exc:
        raise SoapFault(f"the message is not acceptable XML: {exc.message}") from None
    if root.tag != f"{{{SOAP}}}Envelope":
        raise SoapFault("not a SOAP 1.1 envelope")
    body = root.find(f"{{{SOAP}}}Body")
    child = next((c for c in body if isinstance(c.tag, str)), None) if body is not None else None
    if child is None:
        raise SoapFault("the SOAP body is empty")
    if child.tag == f"{{{SOAP}}}Fault":
        raise SoapFault(child.findtext("faultstring") or "fault", child.findtext("faultcode") or "soap:Server")
    return child


def param(op: etree._Element, name: str) -> str | None:
    node = op.find(f"{{{TNS}}}{name}")
    if node is None:
        node = op.find(name)
    return None if node is None else (node.text or "").strip()
