"""Single flat rates that replace the duty and the consumption tax on goods for personal use above a value
or weight norm. Russia (EAEU): goods for personal use delivered by post or carrier to an individual pay,
over EUR 200 or 31 kg per consignment, a single rate of 15% of the value over EUR 200, but not less than
EUR 2 per kg of the weight over 31 kg (EAEU Customs Code art. 266; EEC Council Decision No. 107 of
2017-12-20, in force from 2020-01-01; examples: EUR 300 and under 31 kg pays 15% of EUR 100 = EUR 15,
35 kg pays 4 x EUR 2 = EUR 8). Both paths call `amount`, on ints or NumPy arrays."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from clearway.tariff import kernel


@dataclass(frozen=True)
class FlatRate:
    valid_from: date
    valid_to: date | None
    currency: str  # of the norms and the per-kg minimum
    value_norm: Decimal
    weight_norm_kg: Decimal
    percent: Decimal  # of the value over the norm
    per_kg: Decimal  # at least this per kg over the weight norm
    legal_basis: str

    def in_force(self, on: date) -> bool:
        return self.valid_from <= on and (self.valid_to is None or on <= self.valid_to)

    def describe(self) -> str:
        return (f"{self.percent.normalize():f}% of the value over {self.value_norm.normalize():f} {self.currency}, "
                f"at least {self.per_kg.normalize():f} {self.currency}/kg over {self.weight_norm_kg.normalize():f} kg")


def parse(spec: list[dict[str, Any]]) -> tuple[FlatRate, ...]:
    return tuple(FlatRate(
        date.fromisoformat(r["from"]), date.fromisoformat(r["to"]) if r.get("to") else None, r["currency"],
        Decimal(r["value_norm"]), Decimal(r["weight_norm_kg"]), Decimal(r["percent"]), Decimal(r["per_kg"]),
        r["legal_basis"]) for r in spec)


def in_force(rules: tuple[FlatRate, ...], on: date) -> FlatRate | None:
    return next((r for r in rules if r.in_force(on)), None)


def applies(value: kernel.Num, weight_milli: kernel.Num, value_norm: int, rule: FlatRate) -> kernel.Num:
    """Is the consignment over the value norm or the weight norm?"""
    return (value > value_norm) | (weight_milli > int(rule.weight_norm_kg * kernel.MILLI))


def amount(value: kernel.Num, weight_milli: kernel.Num, value_norm: int, per_kg_minor: int,
           rule: FlatRate, mode: str) -> kernel.Num:
    """The single rate in local minor units: percent of the value over the norm, at least per_kg for each kg
    over the weight norm (both rounded as the economy rounds duty)."""
    over_value = kernel.maximum(value - value_norm, value * 0)
    over_weight = kernel.maximum(weight_milli - int(rule.weight_norm_kg * kernel.MILLI), weight_milli * 0)
    by_value = kernel.to_minor(kernel.ad_valorem_micro(over_value, int(rule.percent * 10_000)), mode)
    by_weight = kernel.div_round(over_weight * per_kg_minor, kernel.MILLI, mode)
    return kernel.maximum(by_value, by_weight)
