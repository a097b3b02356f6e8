"""Global rates for goods cleared by a registered courier company under its simplified procedure: one rate on
the customs value replaces the import duty (IGI) and the VAT. Mexico, RGCE 2025 rule 3.7.35 as amended by the
Cuarta Resolución de Modificaciones (DOF 2025-07-28), from 2025-08-15, for consignments up to USD 2,500 per
consignee: 33.5% in general; goods from the T-MEC (USMCA) partners United States and Canada: up to USD 50 free
of IGI and VAT (the customs processing fee DTA, not loaded here, is still paid), USD 50.01 to 117: 17%, over
USD 117: 19% (AS Consulting Group, "Procedimiento Simplificado de Mensajería y Paquetería", 2025-10-01;
Revista Punto de Vista, 2025). The courier company elects the procedure: the declaration says so (`courier`).
Both paths call `rate_for`, then `amount`, on ints or NumPy arrays."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from clearway.tariff import kernel


@dataclass(frozen=True)
class Tier:
    origins: tuple[str, ...]  # empty: any origin
    up_to: Decimal  # consignment value, inclusive, in the regime's currency
    percent: Decimal


@dataclass(frozen=True)
class CourierRegime:
    valid_from: date
    valid_to: date | None
    currency: str
    tiers: tuple[Tier, ...]  # the first whose origins and bound fit applies; none fits: duty and tax as usual
    legal_basis: str

    def in_force(self, on: date) -> bool:
        return self.valid_from <= on and (self.valid_to is None or on <= self.valid_to)


def parse(spec: list[dict[str, Any]]) -> tuple[CourierRegime, ...]:
    return tuple(CourierRegime(
        date.fromisoformat(r["from"]), date.fromisoformat(r["to"]) if r.get("to") else None, r["currency"],
        tuple(Tier(tuple(t.get("origins", ())), Decimal(t["up_to"]), Decimal(t["percent"])) for t in r["tiers"]),
        r["legal_basis"]) for r in spec)


def in_force(regimes: tuple[CourierRegime, ...], on: date) -> CourierRegime | None:
    return next((r for r in regimes if r.in_force(on)), None)


def tier_for(regime: CourierRegime, origin: str | None, value: int, bounds: list[int]) -> Tier | None:
    """The tier for a consignment of this origin and local value; bounds are the tiers' up_to in local units."""
    for tier, bound in zip(regime.tiers, bounds):
        if (not tier.origins or origin in tier.origins) and value <= bound:
            return tier
    return None


def amount(value: kernel.Num, percent: Decimal, mode: str) -> kernel.Num:
    return kernel.to_minor(kernel.ad_valorem_micro(value, int(percent * 10_000)), mode)


def describe(tier: Tier, regime: CourierRegime) -> str:
    scope = f"from {'/'.join(tier.origins)}" if tier.origins else "any origin"
    return f"global rate {tier.percent.normalize():f}% ({scope}, up to {tier.up_to.normalize():f} {regime.currency})"
