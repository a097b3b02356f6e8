"""Each economy's assessment rules as data: valuation basis, consumption tax rate and base, de minimis
thresholds (dated, with origin-specific variants), excluded goods, vendor collection of tax on
low-value goods, and rounding. Loaded from data/economy_rules.json and data/de_minimis.csv."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from importlib import resources

from clearway.reference import economies
from clearway.tariff import collection, courier, flat_rate, law as economy_law, levies, tax_rates


@dataclass(frozen=True)
class Rounding:
    mode: str = "half_up"  # or "down"
    base_step: int = 1  # in minor units: the base is truncated to a multiple of it (JP: 1,000 yen)
    total_step: int = 1  # the consignment total is truncated to a multiple of it (JP: 100 yen)
    legal_basis: str = ""  # the law that rounds the total, shown on the rounding line of an assessment


@dataclass(frozen=True)
class DeMinimis:
    currency: str
    duty_threshold: Decimal | None  # None: no de minimis for duty
    tax_threshold: Decimal | None
    tax_rate_percent: Decimal
    vendor_collection: str
    valid_from: date | None
    valid_to: date | None
    origins: tuple[str, ...]
    modes: tuple[str, ...]
    scope: str
    source: str

    def in_force(self, on: date) -> bool:
        return (self.valid_from is None or self.valid_from <= on) and (self.valid_to is None or on <= self.valid_to)


@dataclass(frozen=True)
class VendorCollection:
    valid_from: date
    item_ceiling: Decimal  # in the de minimis currency
    legal_basis: str
    still_due: tuple[str, ...] = ()  # what the border still taxes (NZ: the duty), see clearway.tariff.vendor
    duty_waiver_needs_registration: bool = False  # CL: the low-value duty waiver holds only with it


@dataclass(frozen=True)
class EconomyRules:
    economy: str
    currency: str  # the local currency
    valuation: str  # "FOB" or "CIF"
    tax_name: str | None
    tax_base: tuple[str, ...]  # what the consumption tax base adds to the customs value
    de_minimis_basis: str  # customs_value | fob | cif | tax_amount
    inclusive: bool
    exclusions: tuple[str, ...]  # HS prefixes that never benefit from de minimis
    rounding_duty: Rounding
    rounding_tax: Rounding
    vendor: VendorCollection | None
    de_minimis: tuple[DeMinimis, ...]
    legal_basis: str = ""
    collection: collection.CollectionThreshold | None = None  # minimum amount collected (NZ: NZD 60)
    flat_rates: tuple[flat_rate.FlatRate, ...] = ()  # single rates replacing duty and tax (RU personal use)
    tax_rates: tuple[tax_rates.TaxRateRule, ...] = ()  # dated rate rules (VN 8%, ID 11/12 base)
    courier: tuple[courier.CourierRegime, ...] = ()  # global rates of the courier procedure (MX)
    law: economy_law.Law = economy_law.Law()  # each law's own arithmetic (clearway.tariff.law)
    levies: tuple[levies.Levy, ...] = ()  # per consignment whatever is due (NZ low-value goods levy)

    def regime(self, on: date, origin: str | None = None, mode: str | None = None) -> DeMinimis | None:
        """The de minimis row in force: an origin-specific one if the consignment qualifies, else the general."""
        rows = [r for r in self.de_minimis if r.in_force(on)]
        special = [r for r in rows if r.origins and origin in r.origins and (not r.modes or mode in r.modes)]
        general = [r for r in rows if not r.origins]
        return (special or general or [None])[0]

    def excluded(self, hs_code: str) -> bool:
        return any(hs_code.startswith(p) for p in self.exclusions)


def _dec(s: str) -> Decimal | None:
    return Decimal(s) if s not in (None, "") else None


def _day(s: str) -> date | None:
    return date.fromisoformat(s) if s else None


def _data(name: str) -> str:
    return resources.files("clearway.tariff").joinpath("data", name).read_text("utf-8")


@cache
def all_rules() -> dict[str, EconomyRules]:
    rows: dict[str, list[DeMinimis]] = {}
    for r in csv.DictReader(_data("de_minimis.csv").splitlines()):
        rows.setdefault(r["economy"], []).append(DeMinimis(
            currency=r["currency"], duty_threshold=_dec(r["duty_threshold"]), tax_threshold=_dec(r["tax_threshold"]),
            tax_rate_percent=Decimal(r["vat_gst_rate_pct"] or "0"), vendor_collection=r["lvg_vendor_collection"],
            valid_from=_day(r["valid_from"]), valid_to=_day(r["valid_to"]), origins=tuple(r["origins"].split()),
            modes=tuple(r["modes"].split()), scope=r["scope"], source=r["source"]))
    spec = json.loads(_data("economy_rules.json"))["economies"]
    out = {}
    for code, s in spec.items():
        rd = lambda k, s=s: Rounding(**s["rounding"][k])  # noqa: E731
        v = s.get("vendor_collection")
        out[code] = EconomyRules(
            economy=code, currency=economies.get(code).currency, valuation=s["valuation"], tax_name=s["tax_name"],
            tax_base=tuple(s["tax_base"]), de_minimis_basis=s["de_minimis"]["basis"],
            inclusive=s["de_minimis"]["inclusive"], exclusions=tuple(s["de_minimis"]["exclusions"]),
            rounding_duty=rd("duty"), rounding_tax=rd("tax"),
            vendor=VendorCollection(date.fromisoformat(v["from"]), Decimal(v["item_ceiling"]), v["legal_basis"],
                                    tuple(v.get("still_due", ())), v.get("duty_waiver_needs_registration", False))
            if v else None,
            de_minimis=tuple(rows.get(code, ())), legal_basis=s.get("legal_basis", ""),
            collection=collection.parse(s.get("collection_threshold")),
            flat_rates=flat_rate.parse(s.get("flat_rate", [])),
            tax_rates=tax_rates.parse(s.get("tax_rates", [])), courier=courier.parse(s.get("courier", [])),
            law=economy_law.parse(s.get("law")), levies=levies.parse(s.get("levies", [])))
    return out


def get(economy: str) -> EconomyRules | None:
    return all_rules().get(economy.upper())


# ---- exchange rates --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Rate:
    economy: str
    currency: str
    rate: Decimal  # local currency per one unit of `currency`
    valid_from: date
    valid_to: date | None
    source: str = ""

    def in_force(self, on: date) -> bool:
        return self.valid_from <= on and (self.valid_to is None or on <= self.valid_to)


@cache
def builtin_rates() -> tuple[Rate, ...]:
    return tuple(Rate(r["economy"], r["currency"], Decimal(r["rate"]), date.fromisoformat(r["valid_from"]),
                      _day(r["valid_to"]), r["source"])
                 for r in csv.DictReader(_data("exchange_rates_demo.csv").splitlines()))
