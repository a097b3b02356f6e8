"""The ePhyto form of the NPPO desk: the fields it offers, its answers as the API's EPhytoIn data, and a
certificate's summary back as form values (to replace it). Parsing only; the rules are the certificates
domain's."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData

from clearway.certificates.schemas import TRANSPORT_MODES
from clearway.certificates.sps import TYPE_REEXPORT
from clearway.web.forms import nested

PRODUCT_ROWS = 3  # rows offered at first; the page's script adds more (the API takes up to 200)
TREATMENT_ROWS = 2
LINES = ("consignor.address", "consignee.address", "distinguishing_marks", "additional_declarations", "transit")
PRODUCT_FIELDS = ("description", "hs_code", "botanical_name", "common_name", "intended_use", "net_weight_kg",
                  "gross_weight_kg", "packages", "package_type", "origin")
TREATMENT_FIELDS = ("type", "method", "chemical", "temperature_c", "concentration", "duration_hours", "date", "text")


def ephyto_data(form: FormData) -> dict[str, Any]:
    """The form as EPhytoIn data: textareas as lists, dates as UTC midnight, the point of entry as its list."""
    data = nested(form.multi_items(), lines=LINES, skip=("csrf", "reason", "action"))
    for t in data.get("treatments") or []:
        if isinstance(t, dict) and isinstance(t.get("date"), str) and len(t["date"]) == 10:
            t["date"] += "T00:00:00Z"
    if isinstance(data.get("points_of_entry"), dict):  # points_of_entry[0] arrives as a one-row list already
        data["points_of_entry"] = list(data["points_of_entry"].values())
    return data


def shown(form: FormData) -> dict[str, str]:
    """What the browser sent, to show it again beside the refusals."""
    return {k: str(v) for k, v in form.items() if k != "csrf"}


def _party(prefix: str, party: dict[str, Any] | None) -> dict[str, str]:
    party = party or {}
    return {f"{prefix}.name": party.get("name") or "", f"{prefix}.address": "\n".join(party.get("address") or []),
            f"{prefix}.country": party.get("country") or ""}


def from_summary(s: dict[str, Any]) -> dict[str, str]:
    """A certificate's summary (certificates.sps.summary) as the form's values, for its replacement."""
    out = {"issuer": s.get("issuer") or "", "place_of_issue": s.get("place_of_issue") or "",
           "authorised_officer": s.get("authorised_officer") or "", "origin": s.get("export_country") or "",
           "destination": s.get("import_country") or "", "transit": "\n".join(s.get("transit_countries") or []),
           "points_of_entry[0]": (s.get("points_of_entry") or [""])[0],
           "distinguishing_marks": "\n".join(s.get("distinguishing_marks") or []),
           "additional_declarations": "\n".join(s.get("additional_declarations") or []),
           "type": "reexport" if s.get("type_code") == TYPE_REEXPORT else "phyto"}
    transport = (s.get("transport") or [{}])[0]
    code = str(transport.get("mode_code") or "")
    modes = {str(n): name for name, n in TRANSPORT_MODES.items()}
    out |= {"conveyance": modes.get(code, ""), "conveyance_name": transport.get("means") or ""}
    out |= _party("consignor", s.get("consignor")) | _party("consignee", s.get("consignee"))
    treatments: list[dict[str, Any]] = []
    for i, item in enumerate(s.get("items") or []):
        out |= {f"products[{i}].{f}": "" if item.get(f) is None else str(item[f]) for f in PRODUCT_FIELDS}
        if item.get("origin") == s.get("export_country"):  # written out by the builder; the form's default
            out[f"products[{i}].origin"] = ""
        for t in item.get("treatments") or []:
            if t not in treatments:
                treatments.append(t)
    for i, t in enumerate(treatments):
        out |= {f"treatments[{i}].{k}": v for k, v in _treatment(t).items()}
    return out


def _number_in(text: str | None, unit: str) -> str:
    """'1 CEL' -> '1' when the unit is `unit` (the summary writes a measure with its UN/ECE Rec. 20 unit)."""
    value, _, given = (text or "").partition(" ")
    return value if given.strip() in ("", unit) else ""


def _treatment(t: dict[str, Any]) -> dict[str, str]:
    hours = {"HUR": 1, "MIN": 1 / 60, "DAY": 24}.get(t.get("duration_unit") or "HUR")
    try:
        duration = f"{float(t['duration']) * hours:g}" if t.get("duration") and hours else ""
    except ValueError:
        duration = ""
    return {"type": t.get("type") or "", "method": t.get("method") or "", "chemical": t.get("chemical") or "",
            "temperature_c": _number_in(t.get("temperature"), "CEL"), "concentration": (t.get("concentration") or "").partition(" ")[0],
            "duration_hours": duration, "date": (t.get("start") or "")[:10], "text": t.get("text") or ""}
