"""WCO response messages (RES, as HMRC's DMS notifications) for a declaration's status events: lodging,
acceptance, rejection, lane and release. Which FunctionCode each event carries is the profile's [responses]
table. No database here: the events come in as plain data.

Targeting criteria are not disclosed to traders: a lane message says the lane, never the rule, score or
reasons (clearway.risk.disclosure)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from lxml import etree

from clearway.wco.ns import MD, RES, RES_DS, q
from clearway.wco.profile import Profile

LANES = ("green", "yellow", "red")


@dataclass(frozen=True)
class Event:
    """A status event of a declaration, as the history keeps it."""

    id: int
    from_status: str | None
    to_status: str
    at: datetime
    reason: str | None


@dataclass(frozen=True)
class Response:
    event_id: int
    kind: str            # received, accepted, rejected, lane_green/yellow/red, released, cancelled
    function_code: str
    at: datetime
    detail: str | None = None

    @property
    def reference(self) -> str:
        """The message's own FunctionalReferenceID: unique per event and code."""
        return reference(self.event_id, self.function_code)


def reference(event_id: int, function_code: str) -> str:
    """A response message's id (its FunctionalReferenceID, and the Webhook-Id it is pushed with)."""
    return f"CW{event_id}-{function_code}"


def _lane(reason: str | None) -> str | None:
    first = (reason or "").split(" ", 1)[0]
    return first if first in LANES else None


def kinds(event: Event) -> list[tuple[str, str | None]]:
    """The response kinds an event gives, with a detail for the message (the lane)."""
    if event.to_status == "accepted" and event.from_status is None:
        return [("received", None), ("accepted", None)]
    if event.to_status == "lane_selected":
        lane = _lane(event.reason)
        return [(f"lane_{lane}", f"{lane} lane")] if lane else []
    if event.to_status in ("rejected", "released", "cancelled"):
        return [(event.to_status, None)]
    return []


def of(events: list[Event], profile: Profile) -> list[Response]:
    """The response messages of these events, oldest first, by the profile's codes (an empty code: none)."""
    out = []
    for event in sorted(events, key=lambda e: (e.at, e.id)):
        for kind, detail in kinds(event):
            code = profile.responses.get(kind, "")
            if code:
                out.append(Response(event.id, kind, code, event.at, detail))
    return out


def _when(parent: etree._Element, name: str, at: datetime, ns: str = RES) -> None:
    holder = etree.SubElement(parent, q(name, ns))
    stamp = etree.SubElement(holder, q("DateTimeString", RES_DS), formatCode="304")
    stamp.text = at.astimezone(UTC).strftime("%Y%m%d%H%M%SZ")


def render(response: Response, *, lrn: str, mrn: str, version: int, profile: Profile,
           issued: datetime | None = None) -> etree._ElementTree:
    """The RES message (MetaData envelope with a Response) for one response."""
    root = etree.Element(q("MetaData", MD), nsmap={"md": MD, "res": RES, "ds": RES_DS})
    for name, value in (("WCODataModelVersionCode", "3.6"), ("WCOTypeName", "RES"),
                        ("ResponsibleCountryCode", profile.responsible_country),
                        ("ResponsibleAgencyName", profile.responsible_agency),
                        ("AgencyAssignedCustomizationVersionCode", profile.customization_version)):
        if value:
            etree.SubElement(root, q(name, MD)).text = value
    res = etree.SubElement(root, q("Response", RES))
    etree.SubElement(res, q("FunctionCode", RES)).text = response.function_code
    etree.SubElement(res, q("FunctionalReferenceID", RES)).text = response.reference
    _when(res, "IssueDateTime", issued or response.at)
    if response.detail:
        info = etree.SubElement(res, q("AdditionalInformation", RES))
        etree.SubElement(info, q("StatementDescription", RES)).text = response.detail
    if response.kind == "released":
        status = etree.SubElement(res, q("Status", RES))
        _when(status, "ReleaseDateTime", response.at)
    decl = etree.SubElement(res, q("Declaration", RES))
    if response.kind == "accepted":
        _when(decl, "AcceptanceDateTime", response.at)
    if response.kind == "cancelled":
        _when(decl, "CancellationDateTime", response.at)
    etree.SubElement(decl, q("FunctionalReferenceID", RES)).text = lrn
    etree.SubElement(decl, q("ID", RES)).text = mrn
    if response.kind == "rejected":
        _when(decl, "RejectionDateTime", response.at)
    etree.SubElement(decl, q("VersionID", RES)).text = str(version)
    return root.getroottree()
