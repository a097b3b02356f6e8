"""The parts of an economy's arithmetic that its own law writes and the generic steps (clearway.tariff.steps) do
not cover, as data (the `law` section of data/economy_rules.json) and one small step function each. No database.

- personal-use valuation: goods for the importer's own use valued at a share of the overseas retail price (JP 60%);
- a surtax: a tax levied as a fraction of another tax, each truncated as the law says (JP local consumption tax,
  22/78 of the national consumption tax);
- a regional tax: the provincial part of a harmonised tax, by the region of destination and only where the border
  collects it (CA: the provincial part of the HST on non-commercial goods);
- a fee exemption: goods whose preference was granted under certain agreements pay no fee per entry (US MPF);
- the total of the excise truncated (JP liquor tax, to 100 yen).

Like the steps, each function takes Python ints or NumPy int64 arrays, so the single-declaration path
(clearway.tariff.core) and the bulk path (clearway.tariff.bulk) call the same ones and cannot disagree."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from clearway.tariff import kernel


@dataclass(frozen=True)
class PersonalUse:
    share: Decimal  # of the declared (overseas retail) price that is the customs value
    legal_basis: str


@dataclass(frozen=True)
class Surtax:
    name: str
    numerator: int
    denominator: int
    base_step: int  # the other tax is truncated to this (minor units) before the fraction is taken
    total_step: int  # the surtax total is truncated to this
    legal_basis: str


@dataclass(frozen=True)
class RegionalRate:
    percent: Decimal  # the regional part, added to the standard rate
    valid_from: date | None
    valid_to: date | None

    def in_force(self, on: date) -> bool:
        return (self.valid_from is None or self.valid_from <= on) and (self.valid_to is None or on <= self.valid_to)


@dataclass(frozen=True)
class RegionalTax:
    name: str  # e.g. "HST"
    regions: dict[str, tuple[RegionalRate, ...]]
    legal_basis: str
    field_reason: str  # what the refusal says when the region is needed and missing

    def percent(self, region: str | None, on: date) -> Decimal:
        return next((r.percent for r in self.regions.get(region or "", ()) if r.in_force(on)), Decimal(0))


@dataclass(frozen=True)
class FeeExemption:
    agreements: frozenset[str]
    legal_basis: str


@dataclass(frozen=True)
class Law:
    personal_use: PersonalUse | None = None
    surtax: Surtax | None = None
    regional_tax: RegionalTax | None = None
    fee_exemption: FeeExemption | None = None
    excise_total_step: int = 1
    excise_legal_basis: str = ""
    de_minimis_origin: str = "consignor"  # or "goods": the de minimis rows are chosen by the goods' own origin
    sources: tuple[str, ...] = field(default_factory=tuple)


def _day(s: str | None) -> date | None:
    return date.fromisoformat(s) if s else None


def parse(spec: dict[str, Any] | None) -> Law:
    """The `law` section of one economy in economy_rules.json."""
    if not spec:
        return Law()
    pu, st, rt, fe = (spec.get(k) for k in ("personal_use", "surtax", "regional_tax", "fee_exemption"))
    return Law(
        personal_use=PersonalUse(Decimal(pu["share"]), pu["legal_basis"]) if pu else None,
        surtax=Surtax(st["name"], st["numerator"], st["denominator"], st["base_step"], st["total_step"],
                      st["legal_basis"]) if st else None,
        regional_tax=RegionalTax(rt["name"], {region: tuple(RegionalRate(Decimal(r["percent"]), _day(r.get("from")),
                                                                         _day(r.get("to"))) for r in rates)
                                              for region, rates in rt["regions"].items()},
                                 rt["legal_basis"], rt["field_reason"]) if rt else None,
        fee_exemption=FeeExemption(frozenset(fe["agreements"]), fe["legal_basis"]) if fe else None,
        excise_total_step=spec.get("excise_total", {}).get("step", 1),
        excise_legal_basis=spec.get("excise_total", {}).get("legal_basis", ""),
        de_minimis_origin=spec.get("de_minimis_origin", {}).get("of", "consignor"),
        sources=tuple(spec.get("sources", ())))


# ---- the step functions, on ints or NumPy int64 arrays ---------------------------------------------

def personal_use_value(value: kernel.Num, law: Law, personal: kernel.Num) -> kernel.Num:
    """The customs value of goods for personal use: the share of the declared retail price, truncated to the minor
    unit but never below one (the law's own truncation of the customs value comes later, in the duty step)."""
    if law.personal_use is None:
        return value
    num, den = law.personal_use.share.as_integer_ratio()
    return kernel.where(personal, kernel.maximum(value * num // den, 1), value)


def surtax(other_tax: kernel.Num, rule: Surtax) -> kernel.Num:
    """The surtax on one line: the other tax truncated to the rule's base step, times the fraction, truncated to the
    minor unit (Japan Customs, Customs Answer 1111: 47,502 -> 47,500 x 22/78 = 13,397 yen)."""
    return kernel.floor_step(other_tax, rule.base_step) * rule.numerator // rule.denominator


def surtax_total(amount: kernel.Num, rule: Surtax) -> kernel.Num:
    return kernel.floor_step(amount, rule.total_step)


def excise_total(amount: kernel.Num, law: Law) -> kernel.Num:
    return kernel.floor_step(amount, law.excise_total_step)


def regional_millionths(law: Law, region: str | None, on: date) -> int:
    """The regional part of the tax rate, in millionths, for goods bound for `region` (0 outside the regions)."""
    if law.regional_tax is None:
        return 0
    return int(law.regional_tax.percent(region, on) * 10_000)


def fee_exempt(law: Law, agreement: str | None) -> bool:
    """Does a preference granted under this agreement take the goods out of the fee per entry?"""
    return law.fee_exemption is not None and agreement is not None and agreement in law.fee_exemption.agreements
