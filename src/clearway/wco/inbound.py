"""A WCO DEC declaration (MetaData envelope, DEC-DMS 2) as Clearway's declaration: which element feeds which
field, the national codes translated by the installation's profile. No database here.

What Clearway models, and from where (below Declaration; `item` = GoodsShipment/GovernmentAgencyGoodsItem):
  lrn FunctionalReferenceID; type TypeCode (DE 1/1); kind clearance_request when TypeCode's DE 1/2 letter is
  one of the profile's clearance_request_types (CDS J, K); office the profile's office_paths; declarant Declarant;
  importer GoodsShipment/Importer; exporter Exporter; transport.mode BorderTransportMeans/ModeCode (Rec 19);
  transport.identity BorderTransportMeans/ID; transport.document the GoodsShipment/PreviousDocument whose
  TypeCode is a transport document of UN/EDIFACT 1001 (705 bill of lading, 740 air waybill...);
  transport.containers GoodsShipment/Consignment/TransportEquipment/ID (the ISO 6346
  container numbers among them); incoterm GoodsShipment/TradeTerms/ConditionCode; currency the currencyID of
  the item values; per item: hs_code Commodity/Classification (TSP, else the first all-digit ID), description
  Commodity/Description, origin Origin/CountryCode (else GoodsShipment/ExportCountry/ID, else the profile's
  country), quantity and unit TariffQuantity (else the net, else the gross mass in KGM), gross_weight_kg
  GrossMassMeasure, net_weight_kg NetNetWeightMeasure, value Commodity/InvoiceLine/ItemChargeAmount (else
  StatisticalValueAmount), procedure GovernmentProcedure CurrentCode+PreviousCode, packages and package_type
  Packaging; documents every item AdditionalDocument with an ID (CategoryCode+TypeCode through the profile).
Everything else is kept as lodged and returned on read-out (clearway.wco.outbound)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from clearway.containers.iso6346 import problem as container_problem
from clearway.declarations.schemas import CLEARANCE_REQUEST, INCOTERMS
from clearway.errors import FieldError
from clearway.wco.ns import DEC, MD, q
from clearway.wco.profile import Profile

PREFIXES = {MD: "md", DEC: ""}


@dataclass
class Mapped:
    """The declaration as Clearway's JSON, where each field came from (JSON path -> XPath), and what
    could not be mapped."""

    data: dict[str, Any]
    where: dict[str, str] = field(default_factory=dict)
    errors: list[FieldError] = field(default_factory=list)
    function_code: str | None = None


def xpath(el: etree._Element) -> str:
    """'/md:MetaData/Declaration/GoodsShipment/GovernmentAgencyGoodsItem[2]/Commodity/Description'"""
    steps = []
    while el is not None:
        qn = etree.QName(el)
        prefix = PREFIXES.get(qn.namespace or "", None)
        name = qn.localname if not prefix else f"{prefix}:{qn.localname}"
        parent = el.getparent()
        if parent is not None:
            same = [s for s in parent if s.tag == el.tag]
            if len(same) > 1:
                name += f"[{same.index(el) + 1}]"
        steps.append(name)
        el = parent
    return "/" + "/".join(reversed(steps))


def find(el: etree._Element | None, path: str) -> etree._Element | None:
    if el is None:
        return None
    return el.find("/".join(q(step) for step in path.split("/")))


def findall(el: etree._Element | None, path: str) -> list[etree._Element]:
    if el is None:
        return []
    return el.findall("/".join(q(step) for step in path.split("/")))


def text(el: etree._Element | None, path: str | None = None) -> str | None:
    node = find(el, path) if path else el
    if node is None or node.text is None or not node.text.strip():
        return None
    return node.text.strip()


def declaration_of(tree: etree._ElementTree) -> etree._Element | None:
    root = tree.getroot()
    if root.tag == q("MetaData", MD):
        return root.find(q("Declaration"))
    return root if root.tag == q("Declaration") else None


def _party(el: etree._Element | None, profile: Profile, *, national_id: bool = True) -> dict[str, Any] | None:
    if el is None:
        return None
    ident = text(el, "ID")
    name = text(el, "Name")
    address = find(el, "Address")
    lines = [v for v in (text(address, "Line"), text(address, "CityName"), text(address, "PostcodeID")) if v]
    party: dict[str, Any] = {"id": profile.party(ident) if ident and national_id else ident,
                             "name": name or ident or "(not named)", "country": text(address, "CountryCode"),
                             "address": ", ".join(lines) or None}
    return {k: v for k, v in party.items() if v is not None}


def classification(item: etree._Element) -> etree._Element | None:
    """The commodity code's Classification: the TSP one, else the first whose ID is 6 to 10 digits."""
    found = findall(item, "Commodity/Classification")
    for c in found:
        if text(c, "IdentificationTypeCode") == "TSP" and text(c, "ID"):
            return c
    return next((c for c in found if (text(c, "ID") or "").isdigit() and 6 <= len(text(c, "ID") or "") <= 10), None)


def quantity(item: etree._Element) -> tuple[etree._Element | None, str]:
    """The element that gives the item's quantity, and its unit (Rec 20)."""
    tariff = find(item, "Commodity/GoodsMeasure/TariffQuantity")
    if text(tariff) is not None:
        return tariff, tariff.get("unitCode") or "NAR"
    for path in ("Commodity/GoodsMeasure/NetNetWeightMeasure", "Commodity/GoodsMeasure/GrossMassMeasure"):
        node = find(item, path)
        if text(node) is not None:
            return node, "KGM"
    return None, "KGM"


def value(item: etree._Element) -> etree._Element | None:
    for path in ("Commodity/InvoiceLine/ItemChargeAmount", "StatisticalValueAmount"):
        node = find(item, path)
        if text(node) is not None:
            return node
    return None


def procedure(item: etree._Element) -> etree._Element | None:
    return next((p for p in findall(item, "GovernmentProcedure") if text(p, "PreviousCode") is not None
                 or len(text(p, "CurrentCode") or "") == 2), None)


def document_code(doc: etree._Element) -> str:
    return (text(doc, "CategoryCode") or "") + (text(doc, "TypeCode") or "")


def office(decl: etree._Element, profile: Profile) -> tuple[str | None, etree._Element | None]:
    """(Clearway office, the element it came from) by the profile's office_paths; the default office
    when none of them names a listed office."""
    first = None
    for path in profile.office_paths:
        node = find(decl, path)
        if text(node) is not None:
            first = first if first is not None else node
            mapped = profile.office(text(node) or "")
            if mapped:
                return mapped, node
    return profile.default_office, first


# UN/EDIFACT 1001 transport documents: bill of lading, master and house air waybill, rail and road
# consignment notes, sea waybill. The first is written for a declaration lodged as JSON.
TRANSPORT_DOCUMENTS = ("705", "740", "741", "703", "720", "730", "710")


def transport_document(decl: etree._Element) -> etree._Element | None:
    return next((d for d in findall(decl, "GoodsShipment/PreviousDocument")
                 if text(d, "TypeCode") in TRANSPORT_DOCUMENTS and text(d, "ID")), None)


def _set(m: Mapped, target: dict[str, Any], key: str, path: str, val: Any, node: etree._Element | None) -> None:
    if val is not None:
        target[key] = val
    if node is not None:
        m.where[path] = xpath(node)


def _items(m: Mapped, decl: etree._Element, profile: Profile) -> list[dict[str, Any]]:
    shipment = find(decl, "GoodsShipment")
    fallback_origin = text(shipment, "ExportCountry/ID") or profile.responsible_country
    items = []
    for i, el in enumerate(findall(shipment, "GovernmentAgencyGoodsItem")):
        p, item = f"items[{i}]", {}
        m.where[p] = xpath(el)
        cls = classification(el)
        _set(m, item, "hs_code", f"{p}.hs_code", text(cls, "ID"), find(cls, "ID") if cls is not None else None)
        _set(m, item, "description", f"{p}.description", text(el, "Commodity/Description"),
             find(el, "Commodity/Description"))
        origin = find(el, "Origin/CountryCode")
        _set(m, item, "origin", f"{p}.origin", text(origin) or fallback_origin, origin)
        qty, unit = quantity(el)
        _set(m, item, "quantity", f"{p}.quantity", text(qty), qty)
        if qty is not None:
            item["unit"] = unit
        for key, path in (("gross_weight_kg", "Commodity/GoodsMeasure/GrossMassMeasure"),
                          ("net_weight_kg", "Commodity/GoodsMeasure/NetNetWeightMeasure")):
            _set(m, item, key, f"{p}.{key}", text(el, path), find(el, path))
        val = value(el)
        _set(m, item, "value", f"{p}.value", text(val), val)
        proc = procedure(el)
        if proc is not None:
            national = (text(proc, "CurrentCode") or "") + (text(proc, "PreviousCode") or "")
            _set(m, item, "procedure", f"{p}.procedure", profile.procedure(national), proc)
        pack = find(el, "Packaging")
        _set(m, item, "packages", f"{p}.packages", text(pack, "QuantityQuantity"), pack)
        _set(m, item, "package_type", f"{p}.package_type", text(pack, "TypeCode"), pack)
        items.append(item)
    return items


def _documents(m: Mapped, decl: etree._Element, profile: Profile) -> list[dict[str, str]]:
    seen: dict[tuple[str, str], None] = {}
    for doc in findall(decl, "GoodsShipment/GovernmentAgencyGoodsItem/AdditionalDocument"):
        ref = text(doc, "ID")
        if ref is None or not document_code(doc):
            continue
        key = (profile.document(document_code(doc), text(doc, "Name")), ref)
        if key not in seen:
            m.where[f"documents[{len(seen)}]"] = xpath(doc)
            seen[key] = None
    return [{"type": t, "reference": r} for t, r in seen]


def _currency(m: Mapped, decl: etree._Element) -> str | None:
    found = {(node.get("currencyID"), xpath(node)) for el in findall(decl, "GoodsShipment/GovernmentAgencyGoodsItem")
             if (node := value(el)) is not None and node.get("currencyID")}
    currencies = sorted({c for c, _ in found})
    if len(currencies) > 1:
        m.errors.append(FieldError(sorted(found)[0][1], f"item values are in {', '.join(currencies)}: "
                                   "Clearway takes one currency per declaration"))
    return currencies[0] if currencies else text(decl, "CurrencyExchange/CurrencyTypeCode")


def to_clearway(tree: etree._ElementTree, profile: Profile) -> Mapped:
    """The declaration's fields as Clearway's JSON (not yet validated: the declaration schema and the
    reference checks judge it, and `where` turns their field paths into XPaths)."""
    decl = declaration_of(tree)
    m = Mapped(data={})
    if decl is None:
        m.errors.append(FieldError("/", "the document is not a WCO DEC MetaData/Declaration"))
        return m
    m.function_code = text(decl, "FunctionCode")
    d = m.data
    _set(m, d, "lrn", "lrn", text(decl, "FunctionalReferenceID"), find(decl, "FunctionalReferenceID"))
    type_code = find(decl, "TypeCode")
    decl_type = profile.declaration_type(text(type_code) or "")
    if text(type_code) and decl_type is None:
        m.errors.append(FieldError(xpath(type_code), f"declaration type {text(type_code)[:2]!r} is not in this "
                                   f"installation's profile ({profile.name}): add it under [declaration_types]"))
    _set(m, d, "type", "type", decl_type, type_code)
    if profile.clearance_request(text(type_code) or ""):
        _set(m, d, "kind", "kind", CLEARANCE_REQUEST, type_code)
    d["economy"] = profile.economy
    code, node = office(decl, profile)
    _set(m, d, "office", "office", code, node)
    for key, path in (("declarant", "Declarant"), ("importer", "GoodsShipment/Importer"), ("exporter", "Exporter")):
        _set(m, d, key, key, _party(find(decl, path), profile), find(decl, path))
        for field_name, child in (("id", "ID"), ("name", "Name"), ("country", "Address/CountryCode")):
            node = find(decl, f"{path}/{child}")
            if node is not None:
                m.where[f"{key}.{field_name}"] = xpath(node)
    mode = find(decl, "BorderTransportMeans/ModeCode")
    transport: dict[str, Any] = {}
    _set(m, transport, "mode", "transport.mode", text(mode), mode)
    _set(m, transport, "identity", "transport.identity", text(decl, "BorderTransportMeans/ID"),
         find(decl, "BorderTransportMeans/ID"))
    doc = transport_document(decl)
    _set(m, transport, "document", "transport.document", text(doc, "ID"), doc)
    containers = [text(e, "ID") for e in findall(decl, "GoodsShipment/Consignment/TransportEquipment")]
    transport["containers"] = [c for c in containers if c and container_problem(c) is None]
    d["transport"] = transport
    m.where.setdefault("transport", xpath(decl) + "/BorderTransportMeans")
    terms = text(decl, "GoodsShipment/TradeTerms/ConditionCode")
    _set(m, d, "incoterm", "incoterm", terms if terms in INCOTERMS else None,
         find(decl, "GoodsShipment/TradeTerms/ConditionCode"))
    _set(m, d, "currency", "currency", _currency(m, decl), None)
    d["items"] = _items(m, decl, profile)
    d["documents"] = _documents(m, decl, profile)
    return m


def locate(m: Mapped, path: str) -> str:
    """The XPath a Clearway field path ('items[0].hs_code') came from: the nearest mapped ancestor."""
    probe = path
    while probe:
        if probe in m.where:
            return m.where[probe] + ("" if probe == path else f" ({path})")
        cut = max(probe.rfind("."), probe.rfind("["))
        probe = probe[:cut] if cut > 0 else ""
    return f"/md:MetaData/Declaration ({path})"
