"""The goods declaration as lodged (plain data). Names follow the issue's JSON and map onto the
WCO Data Model classes: Declaration, Declarant, Importer, Exporter, BorderTransportMeans,
GovernmentAgencyGoodsItem, AdditionalDocument."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import (AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field, RootModel, StringConstraints,
                      model_validator)

from clearway.declarations import codes

Code2 = Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, min_length=2, max_length=2)]
Code3 = Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, min_length=3, max_length=3)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=512)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=140)]
Ident = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]
Amount = Annotated[Decimal, Field(max_digits=20, decimal_places=6, allow_inf_nan=False)]
Positive = Annotated[Decimal, Field(gt=0, max_digits=20, decimal_places=6, allow_inf_nan=False)]
NonNegative = Annotated[Decimal, Field(ge=0, max_digits=20, decimal_places=6, allow_inf_nan=False)]

DECLARATION_TYPES = ("import", "export", "transit")
# A clearance request (UK CDS: additional declaration type J, K pre-lodged) asks release of goods for which no
# full declaration is required (documents, printed matter, low-value goods): its items may omit the commodity
# code, quantity and value, and nothing is assessed. Every other declaration carries them (core.check).
KINDS = ("declaration", "clearance_request")
CLEARANCE_REQUEST = "clearance_request"
TRANSPORT_MODES = ("sea", "air", "road", "rail", "post", "multimodal", "fixed", "inland_waterway")
INCOTERMS = ("EXW", "FCA", "CPT", "CIP", "DAP", "DPU", "DDP", "FAS", "FOB", "CFR", "CIF")



def none_as_empty(value: object) -> object:
    """An optional list sent as null is an empty list: clients generated from the OpenAPI document send
    every unset optional field as null."""
    return [] if value is None else value

class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Party(_Strict):
    """WCO: Declarant / Importer / Exporter (id = TIN or other identification)."""

    id: Ident | None = None
    name: Name
    country: Code2 | None = None
    address: Text | None = None


class Transport(_Strict):
    """WCO: BorderTransportMeans and TransportContractDocument (document: bill of lading / air waybill).
    Answers carry `mode_code` (Rec 19) beside `mode`; sent back, it must say what `mode` says."""

    _codes = model_validator(mode="before")(
        lambda data: codes.agreeing(data, word="mode", code="mode_code", meaning=codes.transport_mode))

    mode: Annotated[Literal[TRANSPORT_MODES], BeforeValidator(codes.transport_mode)] = Field(  # type: ignore[valid-type]
        description="a word, or its UN/ECE Rec 19 code (1 sea, 2 rail, 3 road, 4 air, 5 post, 6 multimodal, "
                    "7 fixed, 8 inland waterway)")
    mode_code: str | None = Field(default=None, exclude=True, description="answers carry the Rec 19 code of `mode` "
                                  "here; accepted back when it says what `mode` says (not stored)")
    document: Ident | None = None
    identity: Ident | None = Field(default=None, description="vessel name/IMO, flight or vehicle registration")
    containers: Annotated[list[Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)]],
                          BeforeValidator(none_as_empty)] = Field(default_factory=list, max_length=500)
    departure: AwareDatetime | None = None
    arrival: AwareDatetime | None = None
    courier: bool | None = Field(default=None, description="carried by a courier (express carrier) under its "
                                 "low-value programme: CA's CUSMA thresholds apply to courier shipments only; MX "
                                 "charges the courier procedure's global rate")


class Item(_Strict):
    """WCO: GovernmentAgencyGoodsItem (Commodity, Origin, GoodsMeasure, CustomsValue). Answers carry
    `unit_code` (Rec 20) beside `unit`; sent back, it must say what `unit` says."""

    _codes = model_validator(mode="before")(
        lambda data: codes.agreeing(data, word="unit", code="unit_code", meaning=codes.unit_meaning))

    hs_code: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9]{6,10}$")] | None = Field(
        default=None, description="commodity code: 6 to 10 digits, the first 6 an HS 2022 subheading (required "
                                  "unless the declaration is a clearance request)")
    description: Text
    origin: Code2
    quantity: Positive | None = Field(default=None, description="required unless the declaration is a clearance "
                                                                "request")
    unit: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=10)] | None = Field(
        default=None, description="a UN/ECE Rec 20 code (KGM, NAR, LTR) or a word (kg, item, l), stored as declared "
                                  "(required with `quantity`)")
    unit_code: str | None = Field(default=None, exclude=True, description="answers carry the Rec 20 code of `unit` "
                                  "here (null when Clearway knows none); accepted back when it agrees (not stored)")
    gross_weight_kg: Positive | None = None
    net_weight_kg: Positive | None = None
    value: Positive | None = Field(default=None, description="invoice value of the item in the declaration currency "
                                                             "(required unless the declaration is a clearance request)")
    preference: Ident | None = Field(default=None, description="trade agreement claimed, e.g. RCEP, CPTPP")
    procedure: Ident | None = Field(default=None, description="customs procedure code, e.g. 4000")
    packages: Annotated[int, Field(ge=0, le=99_999_999)] | None = Field(
        default=None, description="number of packages (WCO Packaging QuantityQuantity)")
    package_type: Annotated[str, BeforeValidator(codes.package_type)] | None = Field(
        default=None, description="kind of packages: a UN/ECE Rec 21 code (CT carton, PK package) or its name")


class Document(_Strict):
    """WCO: AdditionalDocument (certificates, licences, invoices, proofs of origin). Answers carry `type_code`
    (UN/EDIFACT 1001) beside `type`; sent back, it must say what `type` says."""

    _codes = model_validator(mode="before")(
        lambda data: codes.agreeing(data, word="type", code="type_code", meaning=codes.document_meaning))

    type: Annotated[str, BeforeValidator(codes.document_type),
                    StringConstraints(strip_whitespace=True, to_lower=True, min_length=1, max_length=40)] = Field(
        description="a word (ephyto, invoice, certificate_of_origin, licence) or its UN/EDIFACT 1001 code "
                    "(851, 380, 861, 911); other types as the administration names them")
    type_code: str | None = Field(default=None, exclude=True, description="answers carry the UN/EDIFACT 1001 code of "
                                  "`type` here (null for a type without one); accepted back when it agrees (not stored)")
    reference: Ident


class DeclarationIn(_Strict):
    lrn: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=35)] = Field(
        description="local reference number: the declarant's own, unique per declarant")
    type: Literal[DECLARATION_TYPES]  # type: ignore[valid-type]
    kind: Annotated[Literal[KINDS] | None, BeforeValidator(lambda v: None if v == "declaration" else v)] = Field(  # type: ignore[valid-type]
        default=None, description="`clearance_request`: a request for release of goods for which no full "
                                  "declaration is required (WCO DEC additional declaration type J or K in the UK "
                                  "profile): its items may omit hs_code, quantity and value, and no duty is "
                                  "assessed. Absent (or `declaration`): an ordinary declaration")
    economy: Code2
    office: Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, min_length=5, max_length=5)]
    declarant: Party
    importer: Party | None = None
    exporter: Party | None = None
    transport: Transport
    incoterm: Literal[INCOTERMS] | None = None  # type: ignore[valid-type]
    currency: Code3 | None = Field(default=None, description="ISO 4217; required unless a clearance request "
                                                            "declares no value")
    freight: NonNegative | None = None
    insurance: NonNegative | None = None
    vendor_registration: Ident | None = Field(
        default=None, description="overseas vendor's tax registration (e.g. AU/NZ low-value GST)")
    personal_use: bool | None = Field(
        default=None, description="goods for the importer's own use, not for sale or business (JP: valued at 60% "
                                  "of the overseas retail price declared as the value; CA: non-commercial, HST at "
                                  "the border; RU: taxed over EUR 200 at a single rate)")
    destination_region: Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True,
                                                         pattern=r"^\s*[A-Za-z]{2}\s*$")] | None = Field(
        default=None, description="province, state or territory of destination, its ISO 3166-2 code without the "
                                  "country (CA: ON, QC, NS...): decides CA's HST")
    items: list[Item] = Field(min_length=1, max_length=999)
    documents: Annotated[list[Document], BeforeValidator(none_as_empty)] = Field(default_factory=list, max_length=99)


class StatusEventOut(BaseModel):
    from_status: str | None
    to_status: str
    at: datetime
    actor: str
    reason: str | None = None


class FindingOut(BaseModel):
    """An open finding of another check (certificates, seals) that forces at least `lane`."""

    source: str
    code: str
    lane: str
    reason: str
    reference: str | None = None
    raised_at: datetime


class EnvironmentalGoodsLine(BaseModel):
    """A goods item under a subheading of APEC's environmental goods list in force (computed at each read)."""

    item: int = Field(description="the goods item's position, from 1")
    hs_code: str
    subheading: str = Field(description="the HS 2022 subheading the list covers")
    listed_as: str = Field(description="the code as the list's edition lists it (HS 2012 for the shipped list)")
    line: str = Field(description="the listed product")
    coverage: str = Field(description="`listed`: the whole subheading is on the list; `possibly`: the list names "
                                      "only part of it (an ex-out), so these goods may or may not be the listed part")
    caveat: str | None = Field(description="what the list says of the line's coverage")


class DeclarationOut(BaseModel):
    id: str = Field(description="the movement reference number (MRN)")
    mrn: str
    lrn: str
    type: str
    economy: str
    office: str
    declarant_id: str
    status: str
    version: int
    accepted_at: datetime
    updated_at: datetime
    declaration: dict = Field(description="the declaration as lodged (and amended), each coded field with its code "
                                          "beside: transport.mode_code (UN/ECE Rec 19), items[].unit_code (Rec 20), "
                                          "documents[].type_code (UN/EDIFACT 1001); items[].package_type is a Rec 21 "
                                          "code")
    history: list[StatusEventOut] = Field(default_factory=list)
    findings: list[FindingOut] = Field(default_factory=list, description="open findings of other checks")
    environmental_goods: list[EnvironmentalGoodsLine] = Field(
        default_factory=list, description="goods items under a line of APEC's environmental goods list in force")



class DeclarationMinimal(BaseModel):
    """The least answer to a lodgement, asked for with `Prefer: return=minimal` (RFC 7240; the answer says
    `Preference-Applied: return=minimal`): the MRN and the status, the rest read at `Location`."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"id": "26AUSYD00000042X", "mrn": "26AUSYD00000042X", "status": "accepted"}]})

    id: str = Field(description="the movement reference number (MRN)")
    mrn: str
    status: str


class DeclarationLodged(RootModel[DeclarationOut | DeclarationMinimal]):
    """What a lodgement answers: the declaration in full, or with `Prefer: return=minimal` its MRN and status."""


class DeclarationSummary(BaseModel):
    id: str
    lrn: str
    type: str
    office: str
    declarant_id: str
    status: str
    version: int
    accepted_at: datetime
    environmental_goods: list[EnvironmentalGoodsLine] = Field(
        default_factory=list, description="goods items under a line of APEC's environmental goods list in force "
                                          "(as the declaration's read says)")


class DeclarationPage(BaseModel):
    items: list[DeclarationSummary]
    next: str | None = Field(description="pass as `after` for the next page; null on the last")


class AmendmentIn(_Strict):
    reason: Text
    changes: dict = Field(description="JSON merge patch (RFC 7396) over the current declaration")


class CancelIn(_Strict):
    reason: Text | None = None


class VersionOut(BaseModel):
    version: int
    created_at: datetime
    actor: str
    reason: str | None
    declaration: dict
