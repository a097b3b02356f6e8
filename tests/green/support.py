"""Hand-built schedules and lists for the environmental goods tests."""

from __future__ import annotations

import json

from clearway.green import egl
from clearway.tariff import schedule

# Three rows in the shipped list's own columns: PV modules (8541.43, HS 2022), boiler parts (8402.90) and wind
# turbine generating sets (8502.31).
LIST_CSV = """hs2012,hs2022,description,notes
854140,854143,"Photovoltaic cells assembled in modules or made up into panels",
840290,840290,"Parts of steam or other vapour generating boilers (ex-out: parts for biomass boilers)",
850231,850231,"Electric generating sets; wind-powered",
"""


def edition() -> egl.Edition:
    return egl.parse(LIST_CSV, name="test edition")


def schedule_doc(economy: str, currency: str, measures: list[dict]) -> dict:
    return {"format": "clearway-tariff-schedule/1", "economy": economy, "currency": currency,
            "name": f"{economy} test schedule", "measures": measures}


def hand_schedule(economy: str = "AU", currency: str = "AUD", measures: list[dict] | None = None
                  ) -> schedule.Schedule:
    return schedule.parse_document(schedule_doc(economy, currency, measures or MEASURES))


MEASURES = [
    # 8541.43 split in two national lines: one above the cap, one free; a preference under the cap.
    {"code": "85414310", "type": "mfn", "rate": "6%"},
    {"code": "85414390", "type": "mfn", "rate": "Free"},
    {"code": "85414310", "type": "preference", "rate": "0%", "agreement": "AANZFTA", "origins": "NZ"},
    # Boiler parts: a specific rate, comparable only with declared unit values.
    {"code": "840290", "type": "mfn", "rate": "0.60 AUD/kg"},
    # 8502.31 has no line in this schedule.
]


def schedule_json(measures: list[dict] | None = None) -> str:
    return json.dumps(schedule_doc("AU", "AUD", measures or MEASURES))
