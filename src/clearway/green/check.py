"""The commitment check (pure): APEC economies undertook in 2012 to cut applied tariffs on the List of
Environmental Goods to 5% or less. For one schedule on one date, every listed subheading's national lines with
their applied MFN rate, and the same for each preference the schedule holds; specific and compound rates are
turned into an ad valorem equivalent from the declarations' own unit values where there are any (and the result
says so), else the line is reported as not comparable rather than guessed.

No database here: the caller hands the schedule (tariff.schedule, plain data) and the unit values."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from clearway.green.egl import Edition
from clearway.tariff import expressions
from clearway.tariff.schedule import Measure, Schedule

CAP = Decimal("5")  # percent: the 2012 Leaders' Declaration, "5% or less" by the end of 2015
CENT = Decimal("0.01")


@dataclass(frozen=True)
class UnitValue:
    """Median customs value per unit (schedule currency) of declared goods under one subheading."""

    unit: str
    value: Decimal
    observations: int


@dataclass(frozen=True)
class RateAt:
    national_line: str
    rate: str
    ave: Decimal | None  # percent, rounded to the cent of a percent; None when it cannot be compared
    basis: str
    description: str | None = None  # the national line's own text in the schedule

    @property
    def above_cap(self) -> bool | None:
        return None if self.ave is None else self.ave > CAP


@dataclass(frozen=True)
class SubheadingCheck:
    subheading: str
    listed_as: str
    description: str
    partial: bool
    mfn: tuple[RateAt, ...]
    preferences: dict[str, tuple[RateAt, ...]] = field(default_factory=dict)

    @property
    def status(self) -> str:
        return status_of(self.mfn)

    @property
    def max_ave(self) -> Decimal | None:
        known = [r.ave for r in self.mfn if r.ave is not None]
        return max(known) if known else None


@dataclass(frozen=True)
class TariffCheck:
    economy: str
    on: date
    edition: str
    schedule: str
    currency: str
    subheadings: tuple[SubheadingCheck, ...]

    def counts(self) -> dict[str, int]:
        out = {"within": 0, "above": 0, "not_comparable": 0, "not_in_schedule": 0}
        for s in self.subheadings:
            out[s.status] += 1
        return out

    def preference_counts(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for s in self.subheadings:
            for agreement, rates in s.preferences.items():
                c = out.setdefault(agreement, {"within": 0, "above": 0, "not_comparable": 0})
                c[status_of(rates)] += 1
        return dict(sorted(out.items()))


def status_of(rates: tuple[RateAt, ...]) -> str:
    if not rates:
        return "not_in_schedule"
    if any(r.above_cap for r in rates):
        return "above"
    if any(r.ave is None for r in rates):
        return "not_comparable"
    return "within"


def ave(node: expressions.Node, currency: str, unit_values: dict[str, UnitValue]) -> tuple[Decimal | None, str]:
    """A rate's ad valorem equivalent in percent, and how it was found."""
    if isinstance(node, expressions.Free):
        return Decimal(0), "free"
    if isinstance(node, expressions.AdValorem):
        return node.percent, "ad valorem"
    if isinstance(node, expressions.Specific):
        uv = unit_values.get(node.unit)
        if node.currency != currency:
            return None, f"specific rate in {node.currency}, not the schedule's {currency}"
        if uv is None or uv.value <= 0:
            return None, f"specific rate per {node.unit}: no declared unit values to convert it"
        return (node.amount / uv.value * 100), (f"equivalent at the median declared unit value {uv.value.quantize(CENT)} "
                                                f"{currency}/{node.unit} ({uv.observations} goods items)")
    if isinstance(node, (expressions.Sum, expressions.Choice)):
        parts = [ave(p, currency, unit_values) for p in node.parts]
        if any(v is None for v, _ in parts):
            return None, "; ".join(b for v, b in parts if v is None)
        values = [v for v, _ in parts if v is not None]
        if isinstance(node, expressions.Sum):
            total = sum(values, Decimal(0))
        else:
            total = max(values) if node.fn == "max" else min(values)
        specific = [b for _, b in parts if b.startswith("equivalent")]
        return total, "compound: " + ("; ".join(specific) if specific else "ad valorem parts")
    return None, f"rate {node.text()} cannot be compared"


def _rate(m: Measure, line: str, currency: str, unit_values: dict[str, UnitValue]) -> RateAt:
    value, basis = ave(m.expression, currency, unit_values)
    return RateAt(national_line=line, rate=m.rate, ave=None if value is None else value.quantize(CENT), basis=basis,
                  description=m.description)


def national_lines(sched: Schedule, subheading: str) -> list[str]:
    """The most detailed lines the schedule rates under a subheading (itself when it is not split)."""
    codes = sched.children(subheading)
    leaves = [c for c in codes if not any(o != c and o.startswith(c) for o in codes)]
    return leaves or [subheading]


def check(sched: Schedule, edition: Edition, on: date,
          unit_values: dict[str, dict[str, UnitValue]] | None = None) -> TariffCheck:
    """`unit_values`: per HS 2022 subheading, per unit of quantity (kg, l, u...), the declared median value."""
    unit_values = unit_values or {}
    out = []
    for listed in edition.lines:
        for sub in listed.hs2022:
            uv = unit_values.get(sub, {})
            mfn, prefs = [], {}
            for line in national_lines(sched, sub):
                found = sched.find("mfn", line, on)
                if found:
                    mfn.append(_rate(found[0], line, sched.currency, uv))
                for p in sched.find("preference", line, on):
                    prefs.setdefault(p.agreement or "?", []).append(_rate(p, line, sched.currency, uv))
            out.append(SubheadingCheck(subheading=sub, listed_as=listed.listed_as, description=listed.description,
                                       partial=listed.partial, mfn=tuple(mfn),
                                       preferences={k: tuple(v) for k, v in sorted(prefs.items())}))
    return TariffCheck(economy=sched.economy, on=on, edition=edition.name, schedule=sched.name or sched.economy,
                       currency=sched.currency, subheadings=tuple(out))
