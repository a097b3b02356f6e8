"""The ePhyto as an NPPO sends it in JSON (plain data), and what the API answers."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

Code2 = Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Z]{2}$")]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=512)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Number = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9][A-Za-z0-9./_-]{0,69}$")]
Weight = Annotated[Decimal, Field(gt=0, max_digits=18, decimal_places=6, allow_inf_nan=False)]

TRANSPORT_MODES = {"sea": 1, "rail": 2, "road": 3, "air": 4, "post": 5, "multimodal": 6, "fixed": 7,
                   "inland_waterway": 8}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PartyIn(_Strict):
    name: Name
    address: list[Text] = Field(default_factory=list, max_length=5, description="up to five address lines")
    country: Code2 | None = None


class TreatmentIn(_Strict):
    """AppliedSPSProcess with the IPPC treatment characteristics (TTL1, TTL2, TTCH, TTTM, TTCO, TTFT)."""

    type: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=35)] = Field(
        description="treatment type, e.g. CHT chemical, PHY physical, FUM fumigation")
    method: Annotated[str, StringConstraints(strip_whitespace=True, max_length=35)] | None = None
    chemical: Text | None = None
    temperature_c: Annotated[Decimal, Field(max_digits=8, decimal_places=4, allow_inf_nan=False)] | None = None
    concentration: Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=6, allow_inf_nan=False)] | None = None
    concentration_unit: Annotated[str, StringConstraints(strip_whitespace=True, max_length=3)] = "KX"
    duration_hours: Annotated[Decimal, Field(gt=0, max_digits=8, decimal_places=3, allow_inf_nan=False)] | None = None
    date: AwareDatetime | None = None
    text: Text | None = None


class ProductIn(_Strict):
    """IncludedSPSTradeLineItem."""

    description: Text
    hs_code: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9]{4,10}$")]
    botanical_name: Name
    common_name: Name | None = None
    intended_use: Text | None = None
    net_weight_kg: Weight | None = None
    gross_weight_kg: Weight | None = None
    quantity: Weight | None = Field(default=None, description="other quantity (OQV), e.g. number of plants")
    quantity_unit: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=35)] | None = None
    packages: Annotated[int, Field(gt=0, le=10_000_000)] | None = None
    package_type: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=2)] = "CT"
    origin: Code2 | None = Field(default=None, description="place of origin; defaults to the exporting economy")
    treatments: list[TreatmentIn] = Field(default_factory=list, max_length=20)


class EPhytoIn(_Strict):
    number: Number = Field(description="the NPPO's certificate number, unique per exporting economy")
    type: Literal["phyto", "reexport"] = "phyto"
    issued_at: AwareDatetime | None = None
    issuer: Name = Field(description="the issuing NPPO's name")
    place_of_issue: Name
    authorised_officer: Name | None = None
    consignor: PartyIn
    consignee: PartyIn
    origin: Code2 = Field(description="exporting economy (ISO 3166 alpha-2)")
    destination: Code2 = Field(description="importing economy (ISO 3166 alpha-2)")
    transit: list[Code2] = Field(default_factory=list, max_length=10)
    points_of_entry: list[Name] = Field(default_factory=list, max_length=1,
                                        description="declared point of entry (UnloadingBaseportSPSLocation)")
    conveyance: Literal[tuple(TRANSPORT_MODES)] | None = None  # type: ignore[valid-type]
    conveyance_name: Name | None = None
    distinguishing_marks: list[Text] = Field(default_factory=list, max_length=20)
    products: list[ProductIn] = Field(min_length=1, max_length=200)
    treatments: list[TreatmentIn] = Field(default_factory=list, max_length=20,
                                          description="treatments applied to every product")
    additional_declarations: list[Text] = Field(default_factory=list, max_length=50)


class ReplacementIn(_Strict):
    reason: Text
    certificate: EPhytoIn


class WithdrawalIn(_Strict):
    reason: Text


class FindingOut(BaseModel):
    level: Literal["SEVERE", "WARNING", "INFO"]
    message: str
    line: int | None = None
    path: str | None = None
    code: str


class ValidationOut(BaseModel):
    valid: bool = Field(description="no SEVERE finding")
    findings: list[FindingOut]


class CertificateOut(BaseModel):
    number: str
    exporting_economy: str
    importing_economy: str
    direction: Literal["issued", "received"]
    status: Literal["issued", "replaced", "withdrawn"]
    status_code: int
    type_code: int
    signed: bool
    signature_verified: bool
    verification_code: str
    replaces: str | None = None
    replaced_by: str | None = None
    issued_at: datetime | None = None
    recorded_at: datetime
    delivery: dict | None = Field(default=None, description="the hub exchange (issued certificates)")
    summary: dict
    findings: list[FindingOut] = Field(default_factory=list)


class CertificatePage(BaseModel):
    items: list[CertificateOut]
    next: str | None = None


class TrustIn(_Strict):
    economy: Code2
    party_id: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)] | None = None
    certificate_pem: Annotated[str, StringConstraints(min_length=100, max_length=20000)]


class TrustedCertificateOut(BaseModel):
    """An NPPO signing certificate this installation trusts."""

    economy: str
    party_id: str | None = None
    fingerprint: str
    subject: str
    not_after: str = Field(description="ISO 8601: the end of the certificate's validity")
    certificate_pem: str | None = Field(default=None, description="in the list of an economy's certificates")


class ExchangeReportOut(BaseModel):
    """One exchange with the hub: what was sent, how many tracking states changed, what was received; `error`
    when the hub could not be reached (the counts of the steps done before it are given)."""

    sent: dict[str, int] | None = Field(default=None, description="counts by outcome of the certificates sent")
    tracking_changed: int | None = None
    received: dict[str, int] | None = Field(default=None, description="accepted, warnings, refused")
    error: str | None = None
