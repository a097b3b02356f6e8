"""The explainable assessment the calculator (clearway.tariff.core) returns: one line per duty, excise, tax
and fee, each with its base, rate, amount and legal basis, and the totals those lines add up to."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from clearway.tariff.rules import Rounding
from clearway.tariff.schemas import plain
from clearway.tariff.steps import from_minor, total


@dataclass
class Line:
    item: int
    kind: str  # duty | excise | tax
    hs_code: str
    tariff_line: str | None
    base: Decimal
    rate: str
    amount: Decimal
    legal_basis: str | None
    decision: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return plain(asdict(self))


@dataclass
class Assessment:
    economy: str
    date: date
    currency: str
    declared_currency: str
    exchange_rate: Decimal | None
    valuation_basis: str
    customs_value: Decimal
    de_minimis: dict[str, Any]
    lines: list[Line] = field(default_factory=list)
    duty: Decimal = Decimal(0)
    excise: Decimal = Decimal(0)
    tax: Decimal = Decimal(0)
    fees: Decimal = Decimal(0)
    total_due: Decimal = Decimal(0)
    tax_name: str | None = None
    notes: list[str] = field(default_factory=list)
    # Why nothing was assessed (a clearance request): then the amounts are zero because nothing is assessed.
    not_assessed: str | None = None

    def as_dict(self) -> dict[str, Any]:
        out = plain(asdict(self))
        if self.not_assessed is None:
            del out["not_assessed"]  # assessments before clearance requests existed read the same
        return out


def allocate(total_minor: int, weights: list[int]) -> list[int]:
    """Split an amount over items in proportion to their values; the shares add up exactly."""
    s = sum(weights)
    shares = [total_minor * w // s for w in weights]
    rest = total_minor - sum(shares)
    order = sorted(range(len(weights)), key=lambda i: -((total_minor * weights[i]) % s))
    for i in order[:rest]:
        shares[i] += 1
    return shares


def round_total(out: Assessment, kind: str, amount: int, rounding: Rounding, local: str, what: str | None = None) -> int:
    """Where the law rounds the total rather than each line (JP: the confirmed amount of each tax is truncated
    to 100 yen, Act on General Rules for National Taxes art. 119(1)), the lines keep their own amounts and one
    more line of this kind shows the rounding, so that the lines always add up to the total they explain."""
    rounded = total(amount, rounding)
    if rounded != amount:
        step = from_minor(rounding.total_step, local)
        out.lines.append(Line(0, kind, "*", None, from_minor(amount, local), f"total rounded down to {step:f} {local}",
                              from_minor(rounded - amount, local), rounding.legal_basis or None,
                              f"the {what or kind} total {from_minor(amount, local):f} {local} is rounded down to a "
                              f"multiple of {step:f} {local}"))
    return rounded


def dm_text(what: str, value: int, threshold: int | None, local: str, measured: str = "consignment value") -> str:
    return (f"de minimis: {measured} {from_minor(value, local)} {local} is at or below the {what} threshold "
            f"{from_minor(threshold or 0, local)} {local}")
