"""Hand-built schedules and lists for the environmental goods tests."""

from __future__ import annotations

import json
import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select, update

from clearway.db import transaction
from clearway.declarations import service as declarations
from clearway.declarations.models import Declaration
from clearway.declarations.schemas import DeclarationIn
from clearway.demo_goods import declaration, party
from clearway.demo_trs import retime
from clearway.flows import clearance, lodging
from clearway.green import egl
from clearway.payments.models import Payment
from clearway.risk.models import LaneDecisionRow
from clearway.tariff import service as tariff
from clearway.validation import parse
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


# ---- declarations carrying listed goods, for the flag and the dashboard (a fixed window: the six months to AS_OF)

AS_OF = date(2026, 6, 30)
FIRST_LODGED = datetime(2026, 2, 2, 8, tzinfo=UTC)
PV = {"hs_code": "854143", "description": "Photovoltaic modules, 400 W", "origin": "CN", "quantity": "200",
      "unit": "u", "net_weight_kg": "4400", "gross_weight_kg": "4800", "value": "24000.00"}
BOILER_PARTS = {"hs_code": "840290", "description": "Parts for biomass boilers", "origin": "DE", "quantity": "10",
                "unit": "u", "net_weight_kg": "900", "gross_weight_kg": "950", "value": "5000.00"}


def shirts(value: str) -> dict:
    return {"hs_code": "610910", "description": "Cotton T-shirts", "origin": "VN", "quantity": "1000", "unit": "u",
            "net_weight_kg": "200", "gross_weight_kg": "210", "value": value}


# name: (items, lane it is given, hours from lodgement to release (None: not released), cancelled)
DECLARATIONS = {
    "pv": ([PV, shirts("850.00")], "green", 2.0, False),
    "boiler": ([BOILER_PARTS], "red", 10.0, False),
    "shirts": ([shirts("4000.00")], "green", 4.0, False),
    "waiting": ([shirts("1000.00")], "yellow", None, False),
    "withdrawn": ([{**PV, "value": "999.00"}], None, None, True),
}


SEED_MEASURES = [{"code": "854143", "type": "mfn", "rate": "5%"}, {"code": "840290", "type": "mfn", "rate": "3%"},
                 {"code": "610910", "type": "mfn", "rate": "5%"}, {"code": "080510", "type": "mfn", "rate": "Free"}]


def seed(factory, keys) -> dict:
    """Five AU declarations lodged through the flows in February to May 2026 (USD): three carrying listed goods
    (one of them cancelled), two not; lanes, payments and release times as DECLARATIONS says. Returns each one's
    figures as the dashboard should count them."""
    who = keys.principal("declarant", "AU", party("AU"))
    rng = random.Random(19)
    out: dict = {"declarant": party("AU"), "mrn": {}, "rows": []}
    with transaction(factory) as session:
        tariff.load_schedules(session, text=schedule_json(SEED_MEASURES), name="au-egl.json", actor="test")
    for n, (name, (items, lane, hours, cancelled)) in enumerate(DECLARATIONS.items()):
        doc = declaration("AU", 1900 + n, rng)
        doc["items"], doc["documents"] = [dict(i) for i in items], [{"type": "invoice", "reference": f"INV-{n}"}]
        doc["transport"]["containers"] = []
        total = sum(Decimal(i["value"]) for i in items)
        doc["freight"], doc["insurance"] = str(total * Decimal("0.08")), str(total * Decimal("0.01"))
        lodged = FIRST_LODGED + timedelta(days=20 * n)
        with transaction(factory) as session:
            row, _ = lodging.lodge(session, principal=who, decl=parse(DeclarationIn, doc))
            mrn, did = row.mrn, row.id
        with transaction(factory) as session:
            if cancelled:
                declarations.cancel(session, principal=who, mrn=mrn, reason="withdrawn (test)")
            else:
                clearance.assess(session, principal=who, mrn=mrn)
                if hours is not None:
                    ref = clearance.payment_reference(session, principal=who, mrn=mrn, provider="bank_transfer")
                    clearance.pay(session, principal=who, mrn=mrn, amount=ref.amount, currency=ref.currency,
                                  method="bank_transfer", reference=ref.reference)
        with transaction(factory) as session:
            at = {"arrival": lodged - timedelta(hours=3), "lodged": lodged}
            if not cancelled:
                at |= {"assessed": lodged + timedelta(hours=1), "lane_selected": lodged + timedelta(hours=1)}
                session.execute(update(LaneDecisionRow).where(LaneDecisionRow.declaration_id == did).values(lane=lane))
            if hours is not None:
                at |= {"paid": lodged + timedelta(hours=1.5), "released": lodged + timedelta(hours=hours)}
            retime(session, declaration_id=did, at=at)
        with factory() as session:
            status = session.get(Declaration, did).status
            paid = session.execute(select(Payment.amount, Payment.currency)
                                   .where(Payment.declaration_id == did)).all()
        # a lane other than green would hold it for a control: the random draw is fixed (conftest)
        assert status == ("cancelled" if cancelled else "released" if hours is not None else "lane_selected"), name
        if paid:
            out["currency"] = paid[0][1]
        values = [Decimal(i["value"]) for i in items]
        out["mrn"][name] = mrn
        out["rows"].append({"name": name, "status": status, "listed": any(i["hs_code"] in ("854143", "840290")
                                                                          for i in items),
                            "value": sum(values), "paid": sum((a for a, _ in paid), Decimal(0)),
                            "listed_value": sum((Decimal(i["value"]) for i in items
                                                 if i["hs_code"] in ("854143", "840290")), Decimal(0))})
    return out
