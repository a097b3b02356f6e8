"""Build declarations and run the pure calculator on the shipped rules and demo rates."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

from clearway.declarations.schemas import DeclarationIn
from clearway.tariff import bulk, core, rules, schedule

OFFICES = {"AU": "AUSYD", "CA": "CAYVR", "JP": "JPTYO", "NZ": "NZAKL", "TH": "THBKK", "US": "USLAX", "KR": "KRINC"}


def decl(economy: str, items: list[dict], currency: str, **extra) -> DeclarationIn:
    body = {"lrn": "T-1", "type": "import", "economy": economy, "office": OFFICES.get(economy, "AUSYD"),
            "declarant": {"id": "D1", "name": "Broker"}, "importer": {"id": "I1", "name": "Importer"},
            "transport": {"mode": "air"}, "currency": currency,
            "items": [{"description": "goods", "origin": "CN", "quantity": "1", "unit": "u", **i} for i in items]}
    body.update(extra)
    return DeclarationIn.model_validate(body)


def demo_rates(economy: str, on: date) -> dict[str, Decimal]:
    return {r.currency: r.rate for r in rules.builtin_rates() if r.economy == economy and r.in_force(on)}


def assess(d: DeclarationIn, on: date = date(2026, 11, 28), rates: dict | None = None,
           sched: schedule.Schedule | None = None, economy_rules=None) -> core.Assessment:
    return core.assess(d, on=on, rules=economy_rules or rules.get(d.economy),
                       schedule=sched or schedule.builtin(d.economy),
                       rates=demo_rates(d.economy, on) if rates is None else rates)


def lines(a: core.Assessment, kind: str) -> list[core.Line]:
    return [x for x in a.lines if x.kind == kind]


def bulk_rows(economy: str, manifest: list[dict], on: date = date(2026, 11, 28)) -> dict[str, dict]:
    """A JSON Lines manifest through the bulk path (clearway.tariff.bulk): its result rows by parcel."""
    text = "\n".join(json.dumps(p) for p in manifest)
    res = bulk.assess(bulk.read_manifest(text), rules=rules.get(economy), schedule=schedule.builtin(economy),
                      rates=demo_rates(economy, on), on=on)
    return {r["parcel"]: r for r in bulk.result_rows(res).to_dicts()}
