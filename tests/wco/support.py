"""The real HMRC example declarations (tests/wco/examples/SOURCE.md) and helpers to compare messages."""

from __future__ import annotations

from pathlib import Path

from lxml import etree
from sqlalchemy import select

from clearway import xmlsafe
from clearway.db import transaction
from clearway.declarations import service as declarations
from clearway.declarations.models import Declaration
from clearway.wco import inbound

EXAMPLES = Path(__file__).parent / "examples" / "declarations"

# The 15 original declarations (FunctionCode 9), every one lodged. Two are Customs Clearance Requests (TypeCode
# EXJ and IMJ: additional declaration type J), whose goods items have no commodity code and no value: Clearway
# lodges them as clearance requests (declarations.schemas.KINDS).
ORIGINALS = sorted(str(p.relative_to(EXAMPLES)) for p in EXAMPLES.rglob("*.xml")
                   if "<FunctionCode>9</FunctionCode>" in p.read_text(encoding="utf-8"))
CLEARANCE_REQUESTS = [
    "customs-declarations/Export_Sample_With_Consignor_Declared/New_Export_C21e_Consignor_Sample.xml",
    "customs-declarations/TT_IM005a/TT_IM005a.xml",
]
LODGEABLE = ORIGINALS
ADDITIONAL = [  # FunctionCode 13: amendment, cancellation, goods presentation
    "customs-declarations/TT_Add_Item_Scenario_v1/Step2_Amendment.xml",
    "customs-declarations/TT_EX010a/TT_EX010a_Cancellation.xml",
    "customs-declarations/TT_IM026a/Movement_Messages/Step1_GPN.xml",
]
XML = {"Content-Type": "application/xml"}


def instance(name: str) -> bytes:
    return (EXAMPLES / name).read_bytes()


def elements(data: bytes | str) -> list[tuple[str, str, tuple]]:
    """Every element of the message: its XPath, text and attributes, in document order."""
    tree = xmlsafe.parse(data)
    return [(inbound.xpath(el), (el.text or "").strip(), tuple(sorted(el.attrib.items())))
            for el in tree.getroot().iter() if isinstance(el.tag, str)]


def value_at(data: bytes | str, path: str) -> str | None:
    """The text of the first element at `path` below Declaration ('GoodsShipment/TradeTerms/ConditionCode')."""
    decl = inbound.declaration_of(xmlsafe.parse(data))
    return inbound.text(decl, path)


def pretty(tree: etree._ElementTree) -> str:
    return etree.tostring(tree, pretty_print=True, encoding="unicode")


def move(db, mrn: str, *steps: tuple[str, str | None]) -> None:
    """Take the declaration through lifecycle steps (status, reason), as the clearance flows do."""
    with transaction(db.factory) as session:
        row = session.scalars(select(Declaration).where(Declaration.mrn == mrn)).one()
        for status, reason in steps:
            declarations.transition(session, row=row, to_status=status, actor="test", reason=reason)
