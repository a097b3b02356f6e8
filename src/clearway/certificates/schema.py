"""Validate a certificate against the UN/CEFACT SPSCertificate 17p0 schema (the ePhyto "estándar" profile
shipped in data/sps-cert-17p0) plus the ePhyto exchange rules, and grade what is found like the IPPC
hub's validator: SEVERE (the certificate cannot be accepted), WARNING (accepted, but a receiver may
object), INFO (for the record). Each finding carries its line and element path.

The compiled XMLSchema is built once per thread (lxml validators are not shared across threads). It
decides validity fast, but libxml2 stops at the first error inside each element; an invalid certificate is
therefore read again by xmlschema (schema_errors.py), which lists every error."""

from __future__ import annotations

import re
import threading
from dataclasses import asdict, dataclass

from lxml import etree

from clearway.certificates import schema_errors, sps
from clearway.certificates.schema_errors import SCHEMA_PATH
from clearway.xmlsafe import XmlRefused, describe, parse, unsigned_nodes

SEVERE, WARNING, INFO = "SEVERE", "WARNING", "INFO"
LEVELS = (SEVERE, WARNING, INFO)

_local = threading.local()


@dataclass(frozen=True)
class Finding:
    level: str
    message: str
    line: int | None = None
    path: str | None = None
    code: str = "schema"

    def as_dict(self) -> dict:
        return asdict(self)


def schema() -> etree.XMLSchema:
    compiled = getattr(_local, "schema", None)
    if compiled is None:
        parser = etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False)
        compiled = etree.XMLSchema(etree.parse(str(SCHEMA_PATH), parser))
        _local.schema = compiled
    return compiled


_CLARK = re.compile(r"\{([^}]*)\}")
_NS_STEP = re.compile(r"(?<=/)[A-Za-z_][\w.-]*:")


_CODE_SET = re.compile(r"is not an element of the set \{.*\}", re.S)


def _readable(message: str) -> str:
    """'{urn:...ReusableAggregate...:21}Name' -> 'ram:Name'; code lists are named, not listed."""
    message = _CODE_SET.sub("is not in the code list", message)
    return _CLARK.sub(lambda m: f"{sps.PREFIX.get(m.group(1), m.group(1))}:", message)


def _path(path: str | None) -> str | None:
    return _NS_STEP.sub("", path) if path else path


def check(data: bytes | str) -> tuple[list[Finding], etree._ElementTree | None]:
    """All findings, most severe first, and the parsed tree (None when the XML could not be read)."""
    try:
        tree = parse(data)
    except XmlRefused as exc:
        return [Finding(SEVERE, exc.message, exc.line, None, "xml")], None
    root = tree.getroot()
    if root.tag != sps.q("rsm:SPSCertificate"):
        return [Finding(SEVERE, f"the root element is {_readable(root.tag)}, not rsm:SPSCertificate",
                        root.sourceline, "/" + etree.QName(root).localname, "root")], tree
    validator = schema()
    findings: list[Finding] = []
    if not validator.validate(tree):
        findings = [Finding(SEVERE, _readable(message), line, _path(path), "schema")
                    for message, line, path in schema_errors.every_error(tree)]
        if not findings:  # the two readers disagree: keep what libxml2 said rather than nothing
            findings = [Finding(SEVERE, _readable(e.message), e.line, _path(e.path), "schema")
                        for e in validator.error_log]
    findings += profile(root)
    findings.sort(key=lambda f: (LEVELS.index(f.level), f.line or 0))
    return findings, tree


def _where(node: etree._Element | None) -> tuple[int | None, str | None]:
    if node is None:
        return None, None
    return node.sourceline, _path(node.getroottree().getpath(node))


def profile(root: etree._Element) -> list[Finding]:
    """The ePhyto exchange rules the schema does not express."""
    out: list[Finding] = []
    doc = root.find(sps.q("rsm:SPSExchangedDocument"))
    cons = root.find(sps.q("rsm:SPSConsignment"))

    def warn(message: str, node: etree._Element | None, code: str, level: str = WARNING) -> None:
        out.append(Finding(level, message, *_where(node if node is not None else root), code))

    if doc is not None:
        number = doc.find(sps.q("ram:ID"))
        if number is None or not (number.text or "").strip():
            warn("the certificate has no number (SPSExchangedDocument/ID)", doc, "ephyto.number")
        type_code = doc.find(sps.q("ram:TypeCode"))
        if type_code is not None and (type_code.text or "").strip() not in ("851", "657"):
            warn(f"TypeCode {type_code.text!r} is not an ePhyto type (851 phytosanitary, 657 re-export)",
                 type_code, "ephyto.type")
        status = doc.find(sps.q("ram:StatusCode"))
        if status is not None and (status.text or "").strip() not in ("70", "40"):
            warn(f"StatusCode {status.text!r} is not one the hub exchanges (70 issued, 40 withdrawn)",
                 status, "ephyto.status")
        if doc.find(sps.q("ram:IssueDateTime")) is None:
            warn("the certificate has no issue date (SPSExchangedDocument/IssueDateTime)", doc, "ephyto.issued")
    if cons is not None:
        for name in ("ExportSPSCountry", "ImportSPSCountry"):
            node = cons.find(sps.q(f"ram:{name}"))
            if node is None or node.find(sps.q("ram:ID")) is None:
                warn(f"the consignment has no {name}/ID", cons, "ephyto.country")
        items = cons.xpath("ram:IncludedSPSConsignmentItem/ram:IncludedSPSTradeLineItem", namespaces=sps.NSMAP)
        for item in items:
            classes = item.xpath("ram:ApplicableSPSClassification[ram:SystemName='HS']/ram:ClassCode",
                                 namespaces=sps.NSMAP)
            if not classes:
                warn("a product has no HS classification (ApplicableSPSClassification SystemName 'HS')",
                     item, "ephyto.hs")
            elif not re.fullmatch(r"[0-9]{4,10}", (classes[0].text or "").replace(".", "").strip()):
                warn(f"HS code {classes[0].text!r} is not 4 to 10 digits", classes[0], "ephyto.hs")
            if item.find(sps.q("ram:ScientificName")) is None:
                warn("a product has no botanical name (ScientificName)", item, "ephyto.botanical")
    if root.get(f"{{{sps.XSI}}}schemaLocation"):
        warn("xsi:schemaLocation is ignored: Clearway validates against its own copy of the schema", root,
             "xml.schema_location", INFO)
    signed = root.find(sps.q("ds:Signature")) is not None
    if not signed:
        warn("the certificate is not signed (no enveloped ds:Signature)", root, "ephyto.unsigned", INFO)
    hidden = unsigned_nodes(root)
    if hidden and signed:
        warn(f"{len(hidden)} comment(s) or processing instruction(s), first {describe(hidden[0])}: a signature "
             "does not cover comments, so a signed ePhyto may carry none", hidden[0], "xml.comment", SEVERE)
    elif hidden:
        warn(f"{len(hidden)} comment(s) or processing instruction(s), first {describe(hidden[0])}: they are "
             "removed when the certificate is signed here", hidden[0], "xml.comment", INFO)
    attachments = root.xpath("//ram:AttachmentBinaryObject", namespaces=sps.NSMAP)
    if attachments:
        warn(f"{len(attachments)} binary attachment(s) carried", attachments[0], "ephyto.attachments", INFO)
    return out


def severe(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.level == SEVERE]
