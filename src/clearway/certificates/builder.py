"""Issue from JSON: an EPhytoIn becomes an SPSCertificate 17p0 document, elements in schema order."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

from lxml import etree

from clearway.certificates import sps
from clearway.certificates.schemas import TRANSPORT_MODES, EPhytoIn, PartyIn, ProductIn, TreatmentIn

_NSMAP = {"rsm": sps.RSM, "ram": sps.RAM, "udt": sps.UDT}


def _el(parent: etree._Element, name: str, text: str | None = None, **attrs: str) -> etree._Element:
    node = etree.SubElement(parent, sps.q(name), {k: v for k, v in attrs.items()})
    if text is not None:
        node.text = text
    return node


def _dt(parent: etree._Element, name: str, value: datetime) -> None:
    _el(_el(parent, name), "udt:DateTimeString", _iso(value))


def _iso(value: datetime) -> str:
    return value.astimezone(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _num(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text


def _note(parent: etree._Element, name: str, subject: str, content: str) -> None:
    note = _el(parent, name)
    _el(note, "ram:Subject", subject)
    _el(note, "ram:Content", content)


def _party(parent: etree._Element, name: str, party: PartyIn) -> None:
    node = _el(parent, name)
    _el(node, "ram:Name", party.name)
    if party.address or party.country:
        address = _el(node, "ram:SpecifiedSPSAddress")
        for word, line in zip(("One", "Two", "Three", "Four", "Five"), party.address):
            _el(address, f"ram:Line{word}", line)
        if party.country:
            _el(address, "ram:CountryID", party.country)


def _treatment(parent: etree._Element, t: TreatmentIn) -> None:
    process = _el(parent, "ram:AppliedSPSProcess")
    _el(process, "ram:TypeCode", "ZZZ")  # the IPPC characteristics below carry the treatment
    if t.date or t.duration_hours:
        period = _el(process, "ram:CompletionSPSPeriod")
        _dt(period, "ram:StartDateTime", t.date or datetime.now(timezone.utc))
        if t.duration_hours:
            _el(period, "ram:DurationMeasure", _num(t.duration_hours), unitCode="HUR")

    def characteristic(code: str, text: str | None = None, measure: tuple[Decimal, str] | None = None) -> None:
        ch = _el(process, "ram:ApplicableSPSProcessCharacteristic")
        _el(ch, "ram:Description", code)
        if text is not None:
            _el(ch, "ram:Description", text)
        if measure is not None:
            _el(ch, "ram:ValueMeasure", _num(measure[0]), unitCode=measure[1])

    characteristic("TTL1", t.type)
    if t.method:
        characteristic("TTL2", t.method)
    if t.chemical:
        characteristic("TTCH", t.chemical)
    if t.temperature_c is not None:
        characteristic("TTTM", measure=(t.temperature_c, "CEL"))
    if t.concentration is not None:
        characteristic("TTCO", measure=(t.concentration, t.concentration_unit))
    if t.text:
        characteristic("TTFT", t.text)


def _product(parent: etree._Element, seq: int, p: ProductIn, cert: EPhytoIn) -> None:
    item = _el(parent, "ram:IncludedSPSTradeLineItem")
    _el(item, "ram:SequenceNumeric", str(seq))
    _el(item, "ram:Description", p.description)
    if p.common_name:
        _el(item, "ram:CommonName", p.common_name)
    _el(item, "ram:ScientificName", p.botanical_name)
    if p.intended_use:
        _el(item, "ram:IntendedUse", p.intended_use)
    if p.net_weight_kg is not None:
        _el(item, "ram:NetWeightMeasure", _num(p.net_weight_kg), unitCode="KGM")
    if p.gross_weight_kg is not None:
        _el(item, "ram:GrossWeightMeasure", _num(p.gross_weight_kg), unitCode="KGM")
    if p.quantity is not None:
        _note(item, "ram:AdditionalInformationSPSNote", "OQV", _num(p.quantity))
        _note(item, "ram:AdditionalInformationSPSNote", "OQU", p.quantity_unit or "units")
    classification = _el(item, "ram:ApplicableSPSClassification")
    _el(classification, "ram:SystemName", "HS")
    _el(classification, "ram:ClassCode", p.hs_code)
    if p.packages:
        package = _el(item, "ram:PhysicalSPSPackage")
        _el(package, "ram:LevelCode", "1")
        _el(package, "ram:TypeCode", p.package_type)
        _el(package, "ram:ItemQuantity", str(p.packages))
    _el(_el(item, "ram:OriginSPSCountry"), "ram:ID", p.origin or cert.origin)
    for t in [*p.treatments, *cert.treatments]:
        _treatment(item, t)


def build(cert: EPhytoIn, *, replaces: str | None = None, replacement_reason: str | None = None,
          now: datetime | None = None) -> etree._Element:
    """The unsigned SPSCertificate element."""
    root = etree.Element(sps.q("rsm:SPSCertificate"), nsmap=_NSMAP)
    doc = _el(root, "rsm:SPSExchangedDocument")
    _el(doc, "ram:ID", cert.number)
    _el(doc, "ram:TypeCode", str(sps.TYPE_REEXPORT if cert.type == "reexport" else sps.TYPE_PHYTO))
    _el(doc, "ram:StatusCode", str(sps.STATUS_ISSUED))
    issued = cert.issued_at or now or datetime.now(timezone.utc)
    _dt(doc, "ram:IssueDateTime", issued)
    _el(_el(doc, "ram:IssuerSPSParty"), "ram:Name", cert.issuer)
    for text in cert.additional_declarations:
        _note(doc, "ram:IncludedSPSNote", "ADEDL", text)
    for text in cert.distinguishing_marks:
        _note(doc, "ram:IncludedSPSNote", "DMCL", text)
    if replaces:
        _note(doc, "ram:IncludedSPSNote", "ADRPN", replaces)
        _note(doc, "ram:IncludedSPSNote", "ADRPR", replacement_reason or "replacement")
        _note(doc, "ram:IncludedSPSNote", "ADRD", _iso(issued))
    auth = _el(doc, "ram:SignatorySPSAuthentication")
    _el(_el(auth, "ram:IssueSPSLocation"), "ram:Name", cert.place_of_issue)
    if cert.authorised_officer:
        _el(_el(_el(auth, "ram:ProviderSPSParty"), "ram:SpecifiedSPSPerson"), "ram:Name", cert.authorised_officer)

    cons = _el(root, "rsm:SPSConsignment")
    _party(cons, "ram:ConsignorSPSParty", cert.consignor)
    _party(cons, "ram:ConsigneeSPSParty", cert.consignee)
    _el(_el(cons, "ram:ExportSPSCountry"), "ram:ID", cert.origin)
    _el(_el(cons, "ram:ImportSPSCountry"), "ram:ID", cert.destination)
    for code in cert.transit:
        _el(_el(cons, "ram:TransitSPSCountry"), "ram:ID", code)
    for point in cert.points_of_entry:
        _el(_el(cons, "ram:UnloadingBaseportSPSLocation"), "ram:Name", point)
    _el(_el(_el(cons, "ram:ExaminationSPSEvent"), "ram:OccurrenceSPSLocation"), "ram:Name", cert.place_of_issue)
    if cert.conveyance:
        movement = _el(cons, "ram:MainCarriageSPSTransportMovement")
        _el(movement, "ram:ModeCode", str(TRANSPORT_MODES[cert.conveyance]))
        if cert.conveyance_name:
            _el(_el(movement, "ram:UsedSPSTransportMeans"), "ram:Name", cert.conveyance_name)
    consignment_item = _el(cons, "ram:IncludedSPSConsignmentItem")
    for seq, product in enumerate(cert.products, start=1):
        _product(consignment_item, seq, product, cert)
    return root


def to_bytes(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")
