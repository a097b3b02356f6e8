"""The calculation's steps, shared by the single-declaration path (clearway.tariff.core) and the bulk
path (clearway.tariff.bulk): each takes Python ints or NumPy int64 arrays and applies the same exact
integer operations (clearway.tariff.kernel), so the two paths cannot disagree."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from clearway.errors import FieldError, Invalid
from clearway.reference import currencies
from clearway.tariff import expressions, kernel
from clearway.tariff.rules import EconomyRules, Rounding
from clearway.tariff.schedule import Measure, Schedule

FOB_TERMS = frozenset({"EXW", "FCA", "FAS", "FOB"})  # price stops at (or before) the export border
CFR_TERMS = frozenset({"CFR", "CPT"})  # price includes main carriage
CIF_TERMS = frozenset({"CIF", "CIP", "DAP", "DPU", "DDP"})  # price includes carriage and insurance


# ---- money <-> integers of minor units --------------------------------------------------------------

def to_minor(amount: Decimal, currency: str) -> int:
    scaled = amount.scaleb(currencies.minor_units(currency))
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{amount} is more precise than {currency} allows")
    return int(scaled)


def from_minor(n: int, currency: str) -> Decimal:
    return Decimal(int(n)).scaleb(-currencies.minor_units(currency))


def fraction(d: Decimal) -> tuple[int, int]:
    """An exact Decimal as numerator/denominator (a power of ten)."""
    sign, digits, exp = d.as_tuple()
    num = int("".join(map(str, digits)) or "0") * (-1 if sign else 1)
    return (num * 10 ** exp, 1) if exp >= 0 else (num, 10 ** -exp)


def millionths(percent: Decimal) -> int:
    return int(percent * 10_000)


# ---- the step functions shared with the bulk path --------------------------------------------------

def value_at_basis(value: kernel.Num, freight: kernel.Num, insurance: kernel.Num, terms: str,
                   basis: str) -> kernel.Num:
    """The invoice value moved to FOB or CIF: terms is 'FOB', 'CFR' or 'CIF' (the declared Incoterm's group)."""
    if basis == "FOB":
        return value - (freight if terms in ("CFR", "CIF") else 0) - (insurance if terms == "CIF" else 0)
    return value + (freight if terms == "FOB" else 0) + (insurance if terms in ("FOB", "CFR") else 0)


def duty(expr: expressions.Node, customs_value: kernel.Num, quantities: dict[str, kernel.Num],
         rounding: Rounding) -> kernel.Num:
    base = kernel.floor_step(customs_value, rounding.base_step)
    return kernel.to_minor(expr.evaluate(base, quantities), rounding.mode)


def ad_valorem_duty(customs_value: kernel.Num, rate_millionths: kernel.Num, rounding: Rounding) -> kernel.Num:
    """duty() of a plain percentage (expressions.AdValorem; Free is 0%) with the rate given in millionths, an int
    or a column (the bulk path joins each parcel's rate from the line table): the same operations in the same
    order as AdValorem.evaluate inside duty()."""
    base = kernel.floor_step(customs_value, rounding.base_step)
    return kernel.to_minor(kernel.ad_valorem_micro(base, rate_millionths), rounding.mode)


def excise(expr: expressions.Node, base: kernel.Num, quantities: dict[str, kernel.Num], rounding: Rounding) -> kernel.Num:
    return kernel.to_minor(expr.evaluate(base, quantities), rounding.mode)


def excise_base(kind: str, customs_value: kernel.Num, duty_amount: kernel.Num, transport: kernel.Num) -> kernel.Num:
    base = customs_value
    if "duty" in kind:
        base = base + duty_amount
    if "transport" in kind:
        base = base + transport
    return base


def tax_base(rules: EconomyRules, customs_value: kernel.Num, duty_amount: kernel.Num, excise_amount: kernel.Num,
             transport: kernel.Num) -> kernel.Num:
    base = customs_value
    if "duty" in rules.tax_base:
        base = base + duty_amount
    if "excise" in rules.tax_base:
        base = base + excise_amount
    if "transport" in rules.tax_base and rules.valuation == "FOB":
        base = base + transport
    return kernel.floor_step(base, rules.rounding_tax.base_step)


def tax(base: kernel.Num, rate_millionths: kernel.Num, rounding: Rounding) -> kernel.Num:
    return kernel.to_minor(kernel.ad_valorem_micro(base, rate_millionths), rounding.mode)


def waive(amount: kernel.Num, condition: kernel.Num) -> kernel.Num:
    return kernel.where(condition, amount * 0, amount)


def total(amount: kernel.Num, rounding: Rounding) -> kernel.Num:
    return kernel.floor_step(amount, rounding.total_step)


def threshold_minor(regime_amount: Decimal | None, regime_currency: str, local: str,
                    rates: dict[str, Decimal]) -> int | None:
    """A de minimis threshold in minor units of the local currency (converted at the customs rate)."""
    if regime_amount is None:
        return None
    if regime_currency == local:
        return to_minor(regime_amount, local)
    num, den = fraction(rates[regime_currency])
    q = currencies.minor_units(regime_currency)
    return kernel.convert(to_minor(regime_amount, regime_currency), num, den, q, currencies.minor_units(local))


def terms_group(incoterm: str | None) -> str:
    if incoterm in CIF_TERMS:
        return "CIF"
    if incoterm in CFR_TERMS:
        return "CFR"
    return "FOB"


def rate_for(currency: str, local: str, rates: dict[str, Decimal], economy: str, on: date, path: str) -> tuple[int, int]:
    if currency == local:
        return 1, 1
    if currency not in rates:
        raise Invalid(f"no customs exchange rate for {currency} in {economy} on {on}",
                      errors=[FieldError(path, f"no customs exchange rate {currency}->{local} in force in "
                                               f"{economy} on {on}; load one with `clearway rates load`")])
    return fraction(rates[currency])


def mfn_measure(schedule: Schedule, code: str, on: date, path: str) -> Measure:
    found = schedule.find("mfn", code, on)
    if found:
        return found[0]
    children = schedule.children(code)
    if children:
        raise Invalid("declare the national tariff line", errors=[FieldError(
            path, f"{schedule.economy}'s schedule splits {code} into national lines {', '.join(children)}: declare one")])
    raise Invalid("no tariff rate", errors=[FieldError(
        path, f"{code} has no MFN rate in {schedule.economy}'s schedule on {on}")])


def quantities_for(expr: expressions.Node, unit: str, quantity: Decimal, net_weight_kg: Decimal | None,
                   economy: str, code: str, path: str) -> dict[str, int]:
    out: dict[str, int] = {}
    declared = expressions.unit_of(unit)
    for needed in expr.units():
        if declared == needed:
            q = quantity
        elif needed == "kg" and net_weight_kg is not None:
            q = net_weight_kg
        else:
            raise Invalid("a quantity is missing", errors=[FieldError(
                path, f"the duty on {code} in {economy} is per {needed}: declare the quantity in {needed}"
                      + (" or the net weight" if needed == "kg" else ""))])
        out[needed] = int((q * kernel.MILLI).to_integral_value())  # thousandths, half-even at 1e-3
    return out


def fee(expr: expressions.Node, consignment_value: kernel.Num, rounding: Rounding) -> kernel.Num:
    """A charge per entry (declaration or parcel): fixed, ad valorem on the consignment's customs value,
    or both with a minimum and maximum, e.g. max(min(0.3464%, 651.50 USD/entry), 33.58 USD/entry)."""
    entry = consignment_value * 0 + kernel.MILLI  # one entry, in thousandths
    return kernel.to_minor(expr.evaluate(consignment_value, {"entry": entry}), rounding.mode)


def fee_applies(measure: Measure, hs_code: str) -> bool:
    return measure.code == "*" or hs_code.startswith(measure.code)


def fee_in_range(measure: Measure, consignment_value: kernel.Num, local: str) -> kernel.Num:
    """Is the consignment's customs value within the fee's bounds (above min_value, at most max_value)?"""
    ok = consignment_value >= 0
    if measure.min_value is not None:
        ok = ok & (consignment_value > to_minor(measure.min_value, local))
    if measure.max_value is not None:
        ok = ok & (consignment_value <= to_minor(measure.max_value, local))
    return ok


