"""A stored declaration as a WCO DEC message. No database here.

The message it was lodged with (if any) is the starting point, so that every element Clearway does not model
comes back as it was sent. Each modelled field whose value now differs from what that message says (an
amendment, or a declaration lodged as JSON, which starts from an empty message) is written into it, national
codes translated back by the installation's profile, each new element put where the schema's sequence wants it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from lxml import etree

from clearway import xmlsafe
from clearway.containers.iso6346 import problem as container_problem
from clearway.declarations.codes import TRANSPORT_MODE_CODE, unit_code
from clearway.declarations.schemas import CLEARANCE_REQUEST
from clearway.wco import inbound, schema
from clearway.wco.inbound import find, findall, text
from clearway.wco.ns import DEC, MD, q
from clearway.wco.profile import Profile



class Node:
    """An element with its schema declaration, so that a child is inserted in the sequence's order."""

    def __init__(self, el: etree._Element, xsd: Any) -> None:
        self.el, self.xsd = el, xsd

    def _children(self) -> list[str]:
        return [c.local_name for c in self.xsd.type.content.iter_elements()] if not self.xsd.type.is_simple() else []

    def child_xsd(self, name: str) -> Any:
        return next(c for c in self.xsd.type.content.iter_elements() if c.local_name == name)

    def get(self, path: str) -> Node:
        """The first element at path (created where missing)."""
        node = self
        for name in path.split("/"):
            found = node.el.find(q(name))
            node = Node(found, node.child_xsd(name)) if found is not None else node.add(name)
        return node

    def add(self, name: str) -> Node:
        """A new child `name`, after its siblings and before the elements the sequence puts after it."""
        order = self._children()
        rank = order.index(name)
        position = len(self.el)
        for i, sibling in enumerate(self.el):
            if isinstance(sibling.tag, str) and etree.QName(sibling).localname in order \
                    and order.index(etree.QName(sibling).localname) > rank:
                position = i
                break
        el = etree.Element(q(name))
        self.el.insert(position, el)
        return Node(el, self.child_xsd(name))

    def set(self, path: str, value: Any, **attrs: str) -> None:
        node = self.get(path)
        node.el.text = _text(value)
        for k, v in attrs.items():
            node.el.set(k, v)


def _text(value: Any) -> str:
    return format(Decimal(value).normalize(), "f") if isinstance(value, Decimal) else str(value)


def skeleton(profile: Profile) -> etree._ElementTree:
    """An empty DEC message of this profile: the MetaData envelope and an original declaration."""
    root = etree.Element(q("MetaData", MD), nsmap={"md": MD, None: DEC})
    for name, value in (("WCODataModelVersionCode", "3.6"), ("WCOTypeName", "DEC"),
                        ("ResponsibleCountryCode", profile.responsible_country),
                        ("ResponsibleAgencyName", profile.responsible_agency),
                        ("AgencyAssignedCustomizationVersionCode", profile.customization_version)):
        if value:
            etree.SubElement(root, q(name, MD)).text = value
    decl = etree.SubElement(root, q("Declaration"))
    etree.SubElement(decl, q("FunctionCode")).text = "9"
    return root.getroottree()


def _party(node: Node, party: dict[str, Any], profile: Profile) -> None:
    for child in list(node.el):
        if isinstance(child.tag, str) and etree.QName(child).localname in ("ID", "Name", "Address"):
            node.el.remove(child)
    if party.get("name") and party.get("name") != party.get("id"):
        node.set("Name", party["name"])
    if party.get("id"):
        node.set("ID", profile.national_party(party["id"]))
    if party.get("country"):
        node.set("Address/CountryCode", party["country"])
    if party.get("address"):
        node.set("Address/Line", party["address"])


def _header(decl: Node, before: dict[str, Any], now: dict[str, Any], profile: Profile) -> None:
    changed = lambda key: before.get(key) != now.get(key)  # noqa: E731
    if changed("lrn"):
        decl.set("FunctionalReferenceID", now["lrn"])
    if changed("type") or changed("kind"):
        decl.set("TypeCode", profile.national_type(now["type"], clearance_request=now.get("kind") == CLEARANCE_REQUEST))
    if changed("office"):
        decl.set("DeclarationOfficeID", profile.national_office(now["office"]))
    for key, path in (("declarant", "Declarant"), ("exporter", "Exporter"), ("importer", "GoodsShipment/Importer")):
        if changed(key) and now.get(key):
            _party(decl.get(path), now[key], profile)
    t0, t1 = before.get("transport", {}), now.get("transport", {})
    if t0.get("mode") != t1.get("mode"):
        decl.set("BorderTransportMeans/ModeCode", TRANSPORT_MODE_CODE[t1["mode"]])
    if t0.get("identity") != t1.get("identity") and t1.get("identity"):
        decl.set("BorderTransportMeans/ID", t1["identity"])
    if t0.get("document") != t1.get("document") and t1.get("document"):
        found = inbound.transport_document(decl.el)
        if found is not None:
            found.find(q("ID")).text = t1["document"]
        else:
            doc = decl.get("GoodsShipment").add("PreviousDocument")
            doc.set("CategoryCode", "Z")
            doc.set("ID", t1["document"])
            doc.set("TypeCode", inbound.TRANSPORT_DOCUMENTS[0])
    if t0.get("containers", []) != t1.get("containers", []):
        _containers(decl, t1.get("containers", []))
    if changed("incoterm") and now.get("incoterm"):
        decl.set("GoodsShipment/TradeTerms/ConditionCode", now["incoterm"])


def _containers(decl: Node, wanted: list[str]) -> None:
    consignment = decl.get("GoodsShipment/Consignment")
    have = []
    for eq in findall(consignment.el, "TransportEquipment"):
        ident = text(eq, "ID")
        if ident and container_problem(ident) is None:
            if ident in wanted:
                have.append(ident)
            else:
                consignment.el.remove(eq)
    count = len(findall(consignment.el, "TransportEquipment"))
    for ident in wanted:
        if ident not in have:
            count += 1
            eq = consignment.add("TransportEquipment")
            eq.set("SequenceNumeric", count)
            eq.set("ID", ident)


def _item(node: Node, before: dict[str, Any], now: dict[str, Any], currency: str, profile: Profile,
          currency_changed: bool) -> None:
    changed = lambda key: before.get(key) != now.get(key)  # noqa: E731
    if changed("hs_code") and now.get("hs_code"):
        cls = inbound.classification(node.el)
        target = Node(cls, node.get("Commodity").child_xsd("Classification")) if cls is not None \
            else node.get("Commodity").add("Classification")
        target.set("ID", now["hs_code"])
        target.set("IdentificationTypeCode", "TSP")
    if changed("description"):
        node.set("Commodity/Description", now["description"])
    if changed("origin"):
        node.set("Origin/CountryCode", now["origin"])
    if (changed("quantity") or changed("unit")) and now.get("quantity") is not None:
        unit = unit_code(str(now["unit"])) or str(now["unit"]).upper()  # declared units are stored as sent
        node.set("Commodity/GoodsMeasure/TariffQuantity", now["quantity"], unitCode=unit)
    for key, path in (("gross_weight_kg", "Commodity/GoodsMeasure/GrossMassMeasure"),
                      ("net_weight_kg", "Commodity/GoodsMeasure/NetNetWeightMeasure")):
        if changed(key) and now.get(key) is not None:
            node.set(path, now[key], unitCode="KGM")
    if (changed("value") or currency_changed) and now.get("value") is not None:
        value = inbound.value(node.el)
        if value is None:
            node.set("Commodity/InvoiceLine/ItemChargeAmount", now["value"], currencyID=currency)
        else:
            value.text, _ = _text(now["value"]), value.set("currencyID", currency)
    if changed("procedure") and now.get("procedure"):
        national = profile.national_procedure(now["procedure"])
        proc = inbound.procedure(node.el)
        target = Node(proc, node.child_xsd("GovernmentProcedure")) if proc is not None else node.add("GovernmentProcedure")
        target.set("CurrentCode", national[:2])
        if len(national) > 2:
            target.set("PreviousCode", national[2:4])
    if (changed("packages") or changed("package_type")) and (now.get("packages") is not None or now.get("package_type")):
        pack = node.get("Packaging")
        if find(pack.el, "SequenceNumeric") is None:
            pack.set("SequenceNumeric", 1)
        if now.get("packages") is not None:
            pack.set("QuantityQuantity", now["packages"])
        if now.get("package_type"):
            pack.set("TypeCode", now["package_type"])


def _items(decl: Node, before: dict[str, Any], now: dict[str, Any], profile: Profile) -> None:
    shipment = decl.get("GoodsShipment")
    existing = findall(shipment.el, "GovernmentAgencyGoodsItem")
    old, new = before.get("items", []), now.get("items", [])
    currency_changed = before.get("currency") != now.get("currency")
    for extra in existing[len(new):]:
        shipment.el.remove(extra)
    for i, item in enumerate(new):
        if i < len(existing):
            node = Node(existing[i], shipment.child_xsd("GovernmentAgencyGoodsItem"))
        else:
            node = shipment.add("GovernmentAgencyGoodsItem")
            node.set("SequenceNumeric", i + 1)
        _item(node, old[i] if i < len(old) else {}, item, now.get("currency", ""), profile, currency_changed)
    if len(old) != len(new):
        decl.set("GoodsItemQuantity", len(new))


def _documents(decl: Node, before: dict[str, Any], now: dict[str, Any], profile: Profile) -> None:
    old = {(d["type"], d["reference"]) for d in before.get("documents", [])}
    new = {(d["type"], d["reference"]) for d in now.get("documents", [])}
    if old == new:
        return
    items = findall(decl.el, "GoodsShipment/GovernmentAgencyGoodsItem")
    for el in items:
        for doc in findall(el, "AdditionalDocument"):
            ref = text(doc, "ID")
            code = inbound.document_code(doc)
            if ref and code and (profile.document(code, text(doc, "Name")), ref) in old - new:
                el.remove(doc)
    if not items:
        return
    first = Node(items[0], decl.get("GoodsShipment").child_xsd("GovernmentAgencyGoodsItem"))
    for doc_type, ref in [(d["type"], d["reference"]) for d in now.get("documents", [])
                          if (d["type"], d["reference"]) not in old]:
        category, type_code, name = profile.national_document(doc_type)
        doc = first.add("AdditionalDocument")
        if category:
            doc.set("CategoryCode", category)
        doc.set("ID", ref)
        if name:
            doc.set("Name", name)
        doc.set("TypeCode", type_code)


def to_wco(content: dict[str, Any], *, kept: str | None, profile: Profile) -> etree._ElementTree:
    """The declaration `content` (Clearway's JSON) as a DEC message, starting from the message it was lodged
    with (`kept`) or from an empty one."""
    tree = xmlsafe.parse(kept) if kept else skeleton(profile)
    mapped = inbound.to_clearway(tree, profile)
    before = mapped.data
    if "office" not in mapped.where:  # the profile's default office, not the message's: write it
        before.pop("office", None)
    decl_el = inbound.declaration_of(tree)
    decl = Node(decl_el, schema.declaration_schema().maps.elements[q("Declaration")])
    _header(decl, before, content, profile)
    _items(decl, before, content, profile)
    _documents(decl, before, content, profile)
    return tree
