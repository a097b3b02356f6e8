"""Why a declaration scored high, in officer language.

LightGBM's per-feature contributions (pred_contrib, log-odds) are summed over the features that
describe one fact (the value per kg and its neighbours, the inspection record of one party or
route...), and the facts that raised the score most are written out with the declaration's own
values: "value per kg 80% below the usual for 610910 from VN"."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from clearway.risk import features

VALUATION = ("unit_price", "unit_price_ratio", "value", "log_value", "value_fraction", "net_mass_kg", "log_mass",
             "mass_fraction", "tax_amount")
# groups that say the same thing about the goods' route: explained once, by the most specific
ROUTE_FAMILY = {"hs_departure_origin": ("hs_departure_origin", "hs_departure", "hs_origin", "hs4_origin")}
LABELS = {"office": "office", "procedure": "procedure type", "import_type": "import type", "import_use": "import use",
          "payment_type": "payment type", "transport_mode": "mode of transport", "tax_type": "tax type",
          "origin_indicator": "origin indicator"}
GROUP_WORDS = {
    "declarant": "declarant {declarant}", "importer": "importer {importer}", "seller": "seller {seller}",
    "courier": "courier {courier}", "hs": "HS {hs_code}", "office": "office {office}",
    "origin": "goods originating in {origin_country}", "departure": "goods shipped from {departure_country}",
    "tax_type": "tax type {tax_type}", "importer_hs": "importer {importer} with HS {hs_code}",
    "declarant_hs": "declarant {declarant} with HS {hs_code}", "hs_origin": "HS {hs_code} from origin {origin_country}",
    "importer_declarant": "importer {importer} through declarant {declarant}",
    "hs_departure": "HS {hs_code} shipped from {departure_country}", "hs_tax_type": "HS {hs_code} under tax type {tax_type}",
    "origin_tax_type": "origin {origin_country} under tax type {tax_type}",
    "hs_origin_indicator": "HS {hs_code} with origin indicator {origin_indicator}",
    "hs_office": "HS {hs_code} at office {office}", "importer_origin": "importer {importer} with origin {origin_country}",
    "hs4_origin": "heading {hs4} from origin {origin_country}",
    "hs_departure_origin": "HS {hs_code} shipped from {departure_country} with origin {origin_country}",
    "hs_tax_rate": "HS {hs_code} at a {tax_rate}% tax rate",
    "departure_tax_type": "goods from {departure_country} under tax type {tax_type}",
    "declarant_departure": "declarant {declarant} with goods from {departure_country}",
}


def _facts(names: list[str]) -> dict[str, list[int]]:
    idx = {n: i for i, n in enumerate(names)}
    facts: dict[str, list[int]] = {"valuation": [idx[n] for n in VALUATION]}
    for c in features.CATEGORICAL:
        facts[f"cat:{c}"] = [idx[c]]
    facts["tax_rate"] = [idx["tax_rate"]]
    facts["hs_chapter"] = [idx["hs2"], idx["hs4_num"]]
    facts["route"] = [idx["origin_is_departure"]]
    merged = {g: main for main, members in ROUTE_FAMILY.items() for g in members}
    for g in features.GROUPS:
        key = f"group:{merged.get(g, g)}"
        facts.setdefault(key, []).extend([idx[f"rate_{g}"], idx[f"count_{g}"]])
    return facts


def explain(contrib: np.ndarray, x: np.ndarray, record: dict[str, Any], names: list[str], prior: float,
            top: int = 3) -> list[dict[str, Any]]:
    """The `top` facts that raised this declaration's score most: [{fact, text, contribution}]."""
    idx = {n: i for i, n in enumerate(names)}
    out = []
    for fact, cols in _facts(names).items():
        c = float(sum(contrib[i] for i in cols))
        if c > 0:
            out.append((c, fact))
    out.sort(reverse=True)
    reasons = []
    for c, fact in out[:top]:
        reasons.append({"fact": fact, "contribution": round(c, 4), "text": _words(fact, x, record, idx, prior)})
    return reasons


def _fmt(v: Any) -> str:
    if v is None:
        return "unknown"
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() else f"{v:,.2f}".rstrip("0").rstrip(".")
    return str(v)


def _words(fact: str, x: np.ndarray, r: dict[str, Any], idx: dict[str, int], prior: float) -> str:
    vals = {k: _fmt(v) for k, v in r.items()}
    vals["hs4"] = (r.get("hs_code") or "")[:4]
    if fact == "valuation":
        ratio = x[idx["unit_price_ratio"]]
        if math.isfinite(ratio) and ratio > 0:
            pct = abs(1 - ratio) * 100
            where = f"{vals.get('hs_code')} from {vals.get('origin_country')}"
            if pct < 10:
                return (f"declared value {vals.get('value')} for {vals.get('net_mass_kg')} kg "
                        f"(value per kg near the usual for {where})")
            if ratio < 1:
                return f"value per kg {pct:.0f}% below the usual for {where}"
            if ratio < 2:
                return f"value per kg {pct:.0f}% above the usual for {where}"
            return f"value per kg {ratio:.1f} times the usual for {where}"
        return f"declared value {vals.get('value')} for {vals.get('net_mass_kg')} kg"
    if fact.startswith("cat:"):
        c = fact[4:]
        return f"{LABELS[c]} {vals.get(c)}"
    if fact == "tax_rate":
        return f"tax rate {vals.get('tax_rate')}%"
    if fact == "hs_chapter":
        return f"goods of HS chapter {vals['hs4'][:2]} (heading {vals['hs4']})"
    if fact == "route":
        same = r.get("origin_country") == r.get("departure_country")
        return "origin and departure country are the same" if same else \
            f"origin {vals.get('origin_country')} differs from the country of departure {vals.get('departure_country')}"
    g = fact[6:]
    who = GROUP_WORDS[g].format_map(_Default(vals))
    rate, count = x[idx[f"rate_{g}"]], x[idx[f"count_{g}"]]
    if count < 1:
        return f"{who}: no inspection record (first time seen)"
    return f"{who}: {rate:.0%} of about {count:.0f} past inspections found irregularities (usual {prior:.0%})"


class _Default(dict):
    def __missing__(self, key: str) -> str:
        return "unknown"
