"""One parcel assessed on both paths, the bulk manifest (clearway.tariff.bulk) and a declaration of its own
(clearway.tariff.core), for the tests that check a rule gives the same amounts on each."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import polars as pl

from clearway.declarations.schemas import DeclarationIn
from clearway.tariff import bulk, core, rules, schedule


def single_and_bulk(economy: str, parcel: dict, on: date, rates: dict[str, Decimal],
                    sched: schedule.Schedule | None = None, **decl_extra) -> tuple[dict, core.Assessment]:
    p = {"parcel": "P1", "sender_name": "Shop", "sender_country": "CN", "receiver_name": "Buyer", "origin": "CN",
         "quantity": "1", "unit": "u", "weight_kg": "1", **parcel}
    sched = sched or schedule.builtin(economy)
    courier = decl_extra.pop("courier", None)  # a declaration says it in its transport
    df = pl.DataFrame([p], schema={c: pl.String for c in bulk.COLUMNS if c in p})
    df = df.with_columns([pl.lit(None, pl.String).alias(c) for c in bulk.COLUMNS if c not in df.columns])
    df = df.with_columns(line=pl.int_range(1, 2), malformed=pl.lit(None, pl.String))
    row = bulk.result_rows(bulk.assess(df, rules=rules.get(economy), schedule=sched, rates=rates, on=on)).to_dicts()[0]
    d = declaration(economy, p, courier, **decl_extra)
    return row, core.assess(d, on=on, rules=rules.get(economy), schedule=sched, rates=rates)


def declaration(economy: str, p: dict, courier: bool | None = None, **decl_extra) -> DeclarationIn:
    """The parcel as a declaration of its own (one goods item, valued as declared)."""
    return DeclarationIn.model_validate({
        "lrn": "P1", "type": "import", "economy": economy, "office": f"{economy}XXX",
        "declarant": {"id": "X", "name": "Carrier"}, "exporter": {"name": "Shop", "country": p["sender_country"]},
        "transport": {"mode": "air", "courier": courier}, "currency": p["currency"], "vendor_registration": p.get("vendor_registration"),
        "items": [{"hs_code": p["hs_code"], "description": "parcel", "origin": p["origin"], "quantity": p["quantity"],
                   "unit": p["unit"], "gross_weight_kg": p["weight_kg"], "value": p["value"]}], **decl_extra})


def amounts(row: dict) -> tuple[Decimal, ...]:
    return tuple(Decimal(row[k]) for k in ("duty", "tax", "fees", "total"))


def single_amounts(a: core.Assessment) -> tuple[Decimal, ...]:
    return a.duty, a.tax, a.fees, a.total_due
