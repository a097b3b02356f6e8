"""Names of the UN/CEFACT SPSCertificate 17p0 vocabulary, and a reader that turns a certificate into
plain data (the summary Clearway stores, matches declarations against and prints)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from lxml import etree

RSM = "urn:un:unece:uncefact:data:standard:SPSCertificate:17"
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:21"
UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:21"
QDT = "urn:un:unece:uncefact:data:Standard:QualifiedDataType:21"
DS = "http://www.w3.org/2000/09/xmldsig#"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
NSMAP = {"rsm": RSM, "ram": RAM, "udt": UDT, "ds": DS, "xsi": XSI}
PREFIX = {v: k for k, v in NSMAP.items()} | {QDT: "qdt"}

TYPE_PHYTO, TYPE_REEXPORT = 851, 657
TYPE_NAMES = {TYPE_PHYTO: "phytosanitary certificate", TYPE_REEXPORT: "phytosanitary certificate for re-export"}
STATUS_ISSUED, STATUS_WITHDRAWN = 70, 40
STATUS_NAMES = {STATUS_ISSUED: "issued", STATUS_WITHDRAWN: "withdrawn"}

# UN/ECE Recommendation 19 transport modes (the names of the shipped code list UNECE_TransportModeCode_2).
TRANSPORT_MODE_NAMES = {0: "Transport mode not specified", 1: "Maritime transport", 2: "Rail transport",
                        3: "Road transport", 4: "Air transport", 5: "Mail", 6: "Multimodal transport",
                        7: "Fixed transport installations", 8: "Inland water transport",
                        9: "Transport mode not applicable"}

# Net weight units (UN/ECE Rec. 20) to kilograms.
_KG = {"KGM": Decimal(1), "TNE": Decimal(1000), "GRM": Decimal("0.001"), "LBR": Decimal("0.45359237"),
       "MGM": Decimal("0.000001")}


def q(name: str) -> str:
    """'ram:Name' -> '{urn...}Name'."""
    prefix, _, local = name.partition(":")
    return f"{{{NSMAP[prefix]}}}{local}"


def _x(node: etree._Element | None, path: str) -> list[etree._Element]:
    return [] if node is None else node.xpath(path, namespaces=NSMAP)


def string(node: etree._Element) -> str:
    """An element's whole text, stripped: every text node under it, never only the part before its first
    child node (a comment or processing instruction would otherwise cut 'AU-1<!---->-77' to 'AU-1')."""
    return "".join(node.itertext()).strip()


def _text(node: etree._Element | None, path: str) -> str | None:
    for found in _x(node, path):
        text = string(found)
        if text:
            return text
    return None


def _texts(node: etree._Element | None, path: str) -> list[str]:
    return [t for t in (string(f) for f in _x(node, path)) if t]


def _notes(node: etree._Element | None, path: str) -> list[tuple[str, str]]:
    out = []
    for note in _x(node, path):
        subject = _text(note, "ram:Subject") or ""
        for content in _texts(note, "ram:Content"):
            out.append((subject, content))
    return out


def weight_kg(node: etree._Element | None) -> str | None:
    """A weight measure in kilograms (exact Decimal, as a string), or None if absent or unreadable."""
    if node is None or not string(node):
        return None
    factor = _KG.get((node.get("unitCode") or "KGM").upper())
    try:
        value = Decimal(string(node))
    except InvalidOperation:
        return None
    if factor is None or not value.is_finite():
        return None
    return format((value * factor).normalize(), "f")


def _party(node: etree._Element | None) -> dict[str, Any] | None:
    if node is None:
        return None
    address = node.find(q("ram:SpecifiedSPSAddress"))
    lines = [] if address is None else [t for t in (_text(address, f"ram:Line{n}") for n in
                                                    ("One", "Two", "Three", "Four", "Five")) if t]
    return {"name": _text(node, "ram:Name"), "address": lines,
            "country": _text(address, "ram:CountryID") if address is not None else None}


def _item(node: etree._Element) -> dict[str, Any]:
    notes = dict(_notes(node, "ram:AdditionalInformationSPSNote"))
    hs = None
    for cls in _x(node, "ram:ApplicableSPSClassification"):
        if (_text(cls, "ram:SystemName") or "").upper() == "HS":
            hs = _text(cls, "ram:ClassCode")
            break
    package = node.find(q("ram:PhysicalSPSPackage"))
    return {
        "sequence": _text(node, "ram:SequenceNumeric"),
        "description": _text(node, "ram:Description"),
        "common_name": _text(node, "ram:CommonName"),
        "botanical_name": _text(node, "ram:ScientificName"),
        "intended_use": _text(node, "ram:IntendedUse"),
        "hs_code": "".join(ch for ch in hs if ch.isdigit()) if hs else None,
        "net_weight_kg": weight_kg(node.find(q("ram:NetWeightMeasure"))),
        "gross_weight_kg": weight_kg(node.find(q("ram:GrossWeightMeasure"))),
        "quantity": notes.get("OQV"),
        "quantity_unit": notes.get("OQU"),
        "packages": _text(package, "ram:ItemQuantity") if package is not None else None,
        "package_type": _text(package, "ram:TypeCode") if package is not None else None,
        "origin": _text(node, "ram:OriginSPSCountry/ram:ID"),
        "treatments": [_treatment(p) for p in _x(node, "ram:AppliedSPSProcess")],
    }


def _treatment(node: etree._Element) -> dict[str, Any]:
    chars: dict[str, str] = {}
    for ch in _x(node, "ram:ApplicableSPSProcessCharacteristic"):
        descriptions = _texts(ch, "ram:Description")
        if not descriptions:
            continue
        measure = ch.find(q("ram:ValueMeasure"))
        value = descriptions[1] if len(descriptions) > 1 else (
            f"{string(measure)} {measure.get('unitCode', '')}".strip() if measure is not None and string(measure)
            else "")
        chars[descriptions[0]] = value
    return {"type": chars.get("TTL1"), "method": chars.get("TTL2"), "chemical": chars.get("TTCH"),
            "temperature": chars.get("TTTM"), "concentration": chars.get("TTCO"),
            **_duration(node.find(f"{q('ram:CompletionSPSPeriod')}/{q('ram:DurationMeasure')}")),
            "start": _text(node, "ram:CompletionSPSPeriod/ram:StartDateTime/udt:DateTimeString"),
            "text": chars.get("TTFT") or chars.get("TTAI")}


def _duration(node: etree._Element | None) -> dict[str, str | None]:
    """DurationMeasure as its number and its UN/ECE Rec. 20 unit (HUR, MIN, DAY...): a bare '3' says nothing."""
    value = string(node) if node is not None else ""
    return {"duration": value or None, "duration_unit": (node.get("unitCode") or None) if value else None}


def _transport(cons: etree._Element | None) -> list[dict[str, str | None]]:
    """Each MainCarriageSPSTransportMovement: its ModeCode (UN/ECE Rec. 19), the mode's name, and the
    means of transport's name (a vessel, a flight)."""
    out = []
    for movement in _x(cons, "ram:MainCarriageSPSTransportMovement"):
        code, means = _text(movement, "ram:ModeCode"), _text(movement, "ram:UsedSPSTransportMeans/ram:Name")
        if code or means:
            mode = TRANSPORT_MODE_NAMES.get(int(code)) if code and code.isdigit() else None
            out.append({"mode_code": code, "mode": mode, "means": means})
    return out


def summary(root: etree._Element, *, signed: bool | None = None) -> dict[str, Any]:
    """Plain data read from a certificate (tolerant: absent parts are None or empty). For a signed
    certificate pass the tree signing.verify returned (which no longer holds its ds:Signature) and
    signed=True: nothing is read from outside what the signature covers."""
    doc = root.find(q("rsm:SPSExchangedDocument"))
    cons = root.find(q("rsm:SPSConsignment"))
    notes = _notes(doc, "ram:IncludedSPSNote")
    by_subject: dict[str, list[str]] = {}
    for subject, content in notes:
        by_subject.setdefault(subject, []).append(content)
    type_code, status_code = _text(doc, "ram:TypeCode"), _text(doc, "ram:StatusCode")
    return {
        "number": _text(doc, "ram:ID"),
        "type_code": int(type_code) if type_code and type_code.isdigit() else None,
        "status_code": int(status_code) if status_code and status_code.isdigit() else None,
        "issued_at": _text(doc, "ram:IssueDateTime/udt:DateTimeString"),
        "issuer": _text(doc, "ram:IssuerSPSParty/ram:Name"),
        "place_of_issue": _text(doc, "ram:SignatorySPSAuthentication/ram:IssueSPSLocation/ram:Name"),
        "authorised_officer": _text(doc, "ram:SignatorySPSAuthentication/ram:ProviderSPSParty/"
                                         "ram:SpecifiedSPSPerson/ram:Name"),
        "consignor": _party(cons.find(q("ram:ConsignorSPSParty")) if cons is not None else None),
        "consignee": _party(cons.find(q("ram:ConsigneeSPSParty")) if cons is not None else None),
        "export_country": _text(cons, "ram:ExportSPSCountry/ram:ID"),
        "import_country": _text(cons, "ram:ImportSPSCountry/ram:ID"),
        "transit_countries": _texts(cons, "ram:TransitSPSCountry/ram:ID"),
        "points_of_entry": [n for n in (_text(loc, "ram:Name") or _text(loc, "ram:ID")
                                        for loc in _x(cons, "ram:UnloadingBaseportSPSLocation")) if n],
        "conveyance": _text(cons, "ram:MainCarriageSPSTransportMovement/ram:UsedSPSTransportMeans/ram:Name"),
        "transport": _transport(cons),
        "distinguishing_marks": by_subject.get("DMCL", []),
        "additional_declarations": by_subject.get("ADEDL", []) + by_subject.get("ADAOEDL", []),
        "replaces": (by_subject.get("ADRPN") or [None])[0],
        "replacement_reason": (by_subject.get("ADRPR") or [None])[0],
        "items": [_item(it) for it in _x(cons, "ram:IncludedSPSConsignmentItem/ram:IncludedSPSTradeLineItem")],
        "signed": root.find(q("ds:Signature")) is not None if signed is None else signed,
    }
