"""What the seal and alert APIs take and give (plain data)."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, field_validator

from clearway.containers import iso6346, routes, signing
from clearway.containers.journey import STATUSES
from clearway.containers.thresholds import ROUTE_CLASSES

SealStatus = Literal[STATUSES]  # type: ignore[valid-type]
FINDINGS = ("tampered", "false_alarm", "device_fault")
SEAL_ID = r"^[A-Za-z0-9]{1,20}-[A-Za-z0-9]{1,40}$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


@lru_cache(maxsize=65536)
def _container(value: str) -> str:
    reason = iso6346.problem(value)
    if reason:
        raise ValueError(reason)
    return iso6346.normalise(value)


class PlaceIn(_Strict):
    """An authorised place with its own radius: terminals, depots, offices and border posts (where a seal may
    be opened), weigh stations (where a container may only stand)."""

    name: Annotated[str, StringConstraints(min_length=1, max_length=80)]
    kind: Literal[routes.PLACE_KINDS] = "office"  # type: ignore[valid-type]
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    radius_km: float = Field(gt=0, le=100)


class ReportingIn(_Strict):
    """The device model's reporting intervals: silence is judged against them."""

    moving_seconds: float = Field(default=300, ge=10, le=86400)
    parked_seconds: float = Field(default=3600, ge=10, le=7 * 86400)


class SealIn(_Strict):
    """Affix a seal to a container for one journey."""

    manufacturer: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9]{1,20}$")] = Field(
        description="ISO 18185 manufacturer id")
    serial: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9]{1,40}$")]
    container: Annotated[str, StringConstraints(min_length=1, max_length=20)] = Field(
        description="ISO 6346 container number")
    loading_office: Annotated[str, StringConstraints(min_length=5, max_length=5, to_upper=True)]
    destination_office: Annotated[str, StringConstraints(min_length=5, max_length=5, to_upper=True)]
    departure: AwareDatetime
    arrival_from: AwareDatetime
    arrival_to: AwareDatetime
    places: list[PlaceIn] | None = Field(default=None, max_length=50, description=(
        "authorised places, each with its own radius; by default the named route's, else a zone of "
        "opened.default_radius_km around the destination office"))
    route: dict[str, Any] | None = Field(default=None, description=(
        "the planned route: a GeoJSON LineString ([lon, lat] positions, RFC 7946)"))
    route_name: Annotated[str, StringConstraints(min_length=1, max_length=60)] | None = Field(
        default=None, description="a route of the route library (`clearway seals routes` lists them)")
    route_class: Literal[ROUTE_CLASSES] | None = Field(default=None, description=(  # type: ignore[valid-type]
        "road, rail or urban: picks the thresholds; by default the named route's, else road"))
    reporting: ReportingIn = Field(default_factory=ReportingIn)
    device_key: str = Field(description=(
        "the seal device's HMAC-SHA256 secret, 64 hexadecimal digits: its events must be signed with it "
        "(docs/seal-device-protocol.md)"))

    @field_validator("route")
    @classmethod
    def _line(cls, v: dict[str, Any] | None) -> dict[str, Any] | None:
        if v is None:
            return None
        try:
            return routes.geojson_line(routes.geojson_points(v))
        except routes.RouteError as exc:
            raise ValueError(str(exc)) from None

    @field_validator("device_key")
    @classmethod
    def _key(cls, v: str) -> str:
        return signing.parse_key(v).hex()


class RemoveIn(_Strict):
    reason: Annotated[str, StringConstraints(min_length=1, max_length=500)]
    removed_at: AwareDatetime | None = Field(default=None, description=(
        "when the seal was cut (the device's or the officer's time; the journey's end: reports received later "
        "are not about it); by default the time it is recorded"))


class SealOut(BaseModel):
    id: int
    seal_id: str
    manufacturer: str
    serial: str
    container: str
    economy: str
    loading_office: str
    destination_office: str
    departure: datetime
    arrival_from: datetime
    arrival_to: datetime
    places: list[dict[str, Any]]
    route: dict[str, Any] | None = None
    route_name: str | None = None
    route_source: str
    route_class: str
    reporting: dict[str, float]
    status: str
    affixed_at: datetime
    affixed_by: str
    removed_at: datetime | None = None
    removal_recorded_at: datetime | None = None
    removed_by: str | None = None
    removal_reason: str | None = None
    device_key_registered: bool = Field(description="whether its events must be signed (the key is never shown)")
    refused_events: dict[str, int] = Field(default_factory=dict, description=(
        "reports refused for this journey, by kind: unsigned, forged, replayed, conflict"))



class SealPage(BaseModel):
    """A page of seals, newest first; `next` is the cursor of the next page (null on the last)."""

    items: list[SealOut]
    next: str | None

class EventIn(BaseModel):
    """One seal report as a device (or its gateway) sends it."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    seal_id: Annotated[str, StringConstraints(pattern=SEAL_ID)]
    seq: int = Field(ge=0, le=2**62, description="the device's sequence number")
    device_time: AwareDatetime
    received_at: AwareDatetime | None = Field(default=None, description=(
        "when the gateway received it; the server stores the earlier of this and its own receipt time"))
    lat: float = Field(ge=-90, le=90, allow_inf_nan=False)
    lon: float = Field(ge=-180, le=180, allow_inf_nan=False)
    status: SealStatus
    battery: float = Field(ge=0, le=100, allow_inf_nan=False, description="percent")
    container: str | None = Field(default=None, description="the container the device says it is on")
    sig: str | None = Field(default=None, max_length=200, description=(
        "HMAC-SHA256 of the event's canonical bytes with the device's key, 64 hexadecimal digits"))

    @field_validator("seq", mode="before")
    @classmethod
    def _whole(cls, v: Any) -> Any:
        if isinstance(v, bool) or not isinstance(v, int):
            raise ValueError("must be a whole number")
        return v

    @field_validator("container")
    @classmethod
    def _check(cls, v: str | None) -> str | None:
        return None if v is None else _container(v)


class Refusal(BaseModel):
    index: int
    seal_id: str | None = None
    reason: str


class IngestOut(BaseModel):
    received: int
    stored: int
    duplicates: int
    refused: int
    refusals: list[Refusal]
    alerts: list[int] = Field(description="ids of the alerts raised by this batch")


class EventOut(BaseModel):
    seal_id: str
    seq: int
    container: str | None
    device_time: datetime
    received_at: datetime
    lat: float
    lon: float
    status: str
    battery: float
    source: str


class AlertOut(BaseModel):
    id: int
    seal: int
    seal_id: str
    container: str
    economy: str
    rule: str
    severity: str
    reason: str
    evidence: list[list[Any]]
    event_at: datetime
    raised_at: datetime
    status: str
    closed_at: datetime | None = None
    closed_by: str | None = None
    finding: str | None = None
    note: str | None = None
    declarations: list[str] = Field(default_factory=list, description="MRNs of the declarations it holds")


class AlertPage(BaseModel):
    items: list[AlertOut]
    next: str | None = None


class CloseIn(_Strict):
    finding: Literal[FINDINGS] = Field(description="tampered, false_alarm or device_fault")  # type: ignore[valid-type]
    note: Annotated[str, StringConstraints(min_length=1, max_length=2000)]


class SealRefusalOut(BaseModel):
    """A seal event that was refused (nothing of it stored as an event), with why."""

    id: int
    at: datetime
    economy: str | None = Field(description="the sender's economy (null for refusals stored before it was kept)")
    source: str
    seal_id: str | None
    seal: int | None = Field(description="the journey (affixing) it claimed to be about, when there is one")
    kind: str = Field(description="unsigned, forged, replayed, conflict, no_journey, unknown_seal or malformed")
    reason: str
    payload: str = Field(description="the first 500 characters of what was received")


class RefusalSummaryOut(BaseModel):
    """Refused seal events counted by source, reason, seal (the 50 commonest) and kind, and the latest ones."""

    total: int
    by_source: dict[str, int]
    by_reason: dict[str, int]
    by_seal: dict[str, int]
    by_kind: dict[str, int]
    latest: list[SealRefusalOut]


class RuleMeasureOut(BaseModel):
    """One detection rule's alerts by the officers' findings."""

    open: int
    tampered: int
    false_alarm: int
    device_fault: int
    confirmed_share: float | None = Field(description="tampered / closed alerts (4 decimals); null: none closed")


class AlertMeasuresOut(BaseModel):
    per_rule: dict[str, RuleMeasureOut]
