"""The consumption tax rate the law sets for a line on a date, where it departs from the standard rate of the
de minimis row: a reduced rate for a period on all but excluded goods (Viet Nam's 8% instead of 10%), or a
fraction of the base (Indonesia's 12% on 11/12 of the import value, effective 11%). No database here; both
the per-declaration path (clearway.tariff.core) and the bulk path (clearway.tariff.bulk) call `rate_for`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class TaxRateRule:
    valid_from: date
    valid_to: date | None
    percent: Decimal | None  # the rate that replaces the standard one (None: keep it)
    instead_of: Decimal | None  # applies only where the standard rate is this one (VN: 10%)
    base_fraction: tuple[int, int] | None  # (11, 12): the base is 11/12 of the import value
    exclusions: tuple[str, ...]  # HS prefixes that keep the standard rate and the whole base
    legal_basis: str

    def in_force(self, on: date) -> bool:
        return self.valid_from <= on and (self.valid_to is None or on <= self.valid_to)

    def covers(self, hs_code: str, standard: Decimal) -> bool:
        return (not any(hs_code.startswith(p) for p in self.exclusions)
                and (self.instead_of is None or standard == self.instead_of))


@dataclass(frozen=True)
class Rate:
    """The rate applied to a line: millionths applied to the whole base (the fraction folded in), its text and
    legal basis, and the fraction of the base the law names (for the line's base)."""

    millionths: int
    text: str
    legal_basis: str | None
    base_fraction: tuple[int, int] = (1, 1)


def parse(spec: list[dict[str, Any]]) -> tuple[TaxRateRule, ...]:
    return tuple(TaxRateRule(
        valid_from=date.fromisoformat(r["from"]), valid_to=date.fromisoformat(r["to"]) if r.get("to") else None,
        percent=Decimal(r["percent"]) if r.get("percent") else None,
        instead_of=Decimal(r["instead_of"]) if r.get("instead_of") else None,
        base_fraction=tuple(r["base_fraction"]) if r.get("base_fraction") else None,  # type: ignore[arg-type]
        exclusions=tuple(r.get("exclusions", ())), legal_basis=r["legal_basis"]) for r in spec)


def rate_for(rules: tuple[TaxRateRule, ...], hs_code: str, on: date, standard: Decimal) -> Rate | None:
    """The rule's rate for this line on this date, or None when the standard rate applies as it is."""
    for r in rules:
        if not (r.in_force(on) and r.covers(hs_code, standard)):
            continue
        percent = r.percent if r.percent is not None else standard
        num, den = r.base_fraction or (1, 1)
        scaled = int(percent * 10_000) * num
        if scaled % den:
            raise ValueError(f"{percent}% of {num}/{den} of the base is not a whole number of millionths")
        text = f"{percent.normalize():f}%" + (f" of {num}/{den} of the base (effective "
                                              f"{(percent * num / den).normalize():f}%)" if den != 1 else "")
        return Rate(scaled // den, text, r.legal_basis, (num, den))
    return None


def line_rate(rules: tuple[TaxRateRule, ...], standard: Decimal, hs_code: str, on: date, standard_basis: str) -> Rate:
    """The rate of a line with no rate of its own in the schedule: a rule's, else the standard rate."""
    return rate_for(rules, hs_code, on, standard) or Rate(int(standard * 10_000), f"{standard.normalize():f}%",
                                                         standard_basis)
