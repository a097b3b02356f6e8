"""The demo's goods and its declaration generator: the lines the demo tariff schedules cover and one
plausible import declaration per call. The demo (clearway.demo), its risk model (clearway.demo_model)
and the lodging benchmark all draw from here, so what the demo shows is what was measured."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from clearway.containers.iso6346 import check_digit
from clearway.reference import economies

# (hs code, description, unit, value per unit range in USD, kg per unit)
GOODS = [
    ("080510", "Fresh oranges", "kg", (0.6, 1.4), 1.0),
    ("220421", "Red wine in 750 ml bottles", "l", (4.0, 25.0), 1.3),
    ("610910", "Cotton T-shirts", "pce", (1.5, 9.0), 0.2),
    ("640411", "Sports footwear, textile uppers", "pr", (8.0, 60.0), 0.9),
    ("851713", "Smartphones", "pce", (90.0, 800.0), 0.3),
    ("851714", "Mobile telephones, other", "pce", (15.0, 120.0), 0.25),
    ("300241", "Vaccines for human medicine", "kg", (200.0, 2000.0), 1.0),
    ("382219", "Diagnostic test kits", "pce", (2.0, 12.0), 0.05),
]  # the lines the demo tariff schedules cover
ORIGINS = ["CN", "VN", "TH", "US", "JP", "KR", "MY", "ID", "AU", "NZ", "CL", "MX", "DE", "IN"]
DEMO_ECONOMIES = ["AU", "NZ", "US", "CA", "JP", "TH"]  # the economies with demo tariff schedules
OWNERS = ["MSCU", "MAEU", "CMAU", "HLXU", "OOLU", "EGHU", "TGHU", "CSQU"]


def party(economy: str) -> str:
    return f"{economy}-DEMO-BROKER-1"


def _container(rng: random.Random) -> str:
    body = rng.choice(OWNERS) + f"{rng.randrange(1_000_000):06d}"
    return body + str(check_digit(body))


def declaration(economy: str, n: int, rng: random.Random, *, arrival: datetime | None = None) -> dict[str, Any]:
    """One plausible import declaration lodged by the demo broker of `economy`."""
    offices = [o for o in economies.all_offices().values() if o.economy == economy]
    office = rng.choice(offices)
    lines = []
    total = Decimal(0)
    for _ in range(rng.choice([1, 1, 1, 2, 3])):
        hs, desc, unit, (lo, hi), kg = rng.choice(GOODS)
        qty = Decimal(rng.choice([10, 50, 100, 250, 500, 1000, 2400]))
        value = (qty * Decimal(str(round(rng.uniform(lo, hi), 2)))).quantize(Decimal("0.01"))
        net = (qty * Decimal(str(kg))).quantize(Decimal("0.1"))
        gross = (net * Decimal("1.06")).quantize(Decimal("0.1"))
        origin = rng.choice([o for o in ORIGINS if o != economy])
        total += value
        lines.append({"hs_code": hs, "description": desc, "origin": origin, "quantity": str(qty), "unit": unit,
                      "gross_weight_kg": str(gross), "net_weight_kg": str(net), "value": str(value)})
    sea = office.kind == "seaport"
    arrival = arrival or datetime.now(UTC) + timedelta(hours=rng.randrange(-72, 72))
    docs = [{"type": "invoice", "reference": f"INV-{economy}-{n:07d}"}]
    if any(line["hs_code"].startswith("08") for line in lines):
        docs.append({"type": "ephyto", "reference": f"{lines[0]['origin']}-2026-PHY-{n:06d}"})
    return {
        "lrn": f"DEMO-{economy}-{n:07d}", "type": "import", "economy": economy, "office": office.code,
        "declarant": {"id": party(economy), "name": f"Demo Customs Brokers {economy}"},
        "importer": {"id": f"{economy}-IMP-{rng.randrange(1, 60):04d}", "name": "Demo Importer", "country": economy},
        "exporter": {"name": f"Exporter {rng.randrange(1, 200)}", "country": lines[0]["origin"]},
        "transport": {"mode": "sea" if sea else "air",
                      "document": f"{'MAEU' if sea else '618-'}{rng.randrange(10**8):08d}",
                      "containers": [_container(rng)] if sea else [],
                      "arrival": arrival.isoformat().replace("+00:00", "Z")},
        "incoterm": rng.choice(["FOB", "CIF", "EXW", "FCA"]), "currency": "USD",
        "freight": str((total * Decimal("0.08")).quantize(Decimal("0.01"))),
        "insurance": str((total * Decimal("0.01")).quantize(Decimal("0.01"))),
        "items": lines, "documents": docs,
    }


# One demo declaration in seven carries photovoltaic modules (HS 2022 8541.43, on APEC's environmental goods
# list; the demo schedules of ENVIRONMENTAL_ECONOMIES have the line), so that the dashboard's environmental
# goods section has something in it.
# Decided from the declaration's number, not drawn, so the other declarations stay as they were.
ENVIRONMENTAL_EVERY, ENVIRONMENTAL_AT = 7, 3  # 7, not 6 or 10: every economy below gets some
# Not NZ: its shipped whole schedule is HS 2017 (no 8541.43), and a demo line would stand beside it once
# `clearway demo tariffs` loads it, changing the NZ results docs/green.md reports.
ENVIRONMENTAL_ECONOMIES = ("AU", "CA", "JP", "TH", "US")
PV_MODULE_USD = Decimal("150.00")


def with_environmental_goods(doc: dict[str, Any], n: int) -> dict[str, Any]:
    """The declaration with its first goods item made photovoltaic modules, for one number in seven (none whose
    first item needs a phytosanitary certificate, which cites it)."""
    first = doc["items"][0]
    if n % ENVIRONMENTAL_EVERY != ENVIRONMENTAL_AT or first["hs_code"].startswith("08") \
            or doc["economy"] not in ENVIRONMENTAL_ECONOMIES:
        return doc
    qty = Decimal(first["quantity"])
    net = (qty * Decimal("22")).quantize(Decimal("0.1"))
    items = [{**first, "hs_code": "854143", "description": "Photovoltaic modules, 400 W", "unit": "u",
              "value": str((qty * PV_MODULE_USD).quantize(Decimal("0.01"))), "net_weight_kg": str(net),
              "gross_weight_kg": str((net * Decimal("1.06")).quantize(Decimal("0.1")))}, *doc["items"][1:]]
    total = sum(Decimal(i["value"]) for i in items)
    return {**doc, "items": items, "freight": str((total * Decimal("0.08")).quantize(Decimal("0.01"))),
            "insurance": str((total * Decimal("0.01")).quantize(Decimal("0.01")))}
