"""The steps after the tax, on the amount payable, for both paths: the collection threshold
(clearway.tariff.collection: NZ does not collect under NZD 60), the single flat rate on goods for
personal use (clearway.tariff.flat_rate: RU, 15% of the value over EUR 200) and the courier procedure's
global rate (clearway.tariff.courier: MX). `after_tax` rewrites the lines
of one assessment (clearway.tariff.core); `after_tax_columns` does the same on the bulk path's columns
(clearway.tariff.bulk), with the same functions, so the two cannot disagree."""

from __future__ import annotations

from decimal import Decimal

import numpy as np

from clearway.errors import FieldError, Invalid
from clearway.reference import currencies
from clearway.tariff import collection, courier, flat_rate, kernel, levies
from clearway.tariff.assessment import Assessment, Line
from clearway.tariff.case import Case
from clearway.tariff.rules import EconomyRules
from clearway.tariff.steps import from_minor, threshold_minor, total


def after_tax(c: Case, out: Assessment, duty_sum: int, tax_sum: int, rates: dict[str, Decimal]) -> tuple[int, int]:
    duty_sum, tax_sum = _flat(c, out, duty_sum, tax_sum, rates)
    duty_sum, tax_sum = _courier(c, out, duty_sum, tax_sum, rates)
    _levies(c, out)
    return _collection(c, out, duty_sum, tax_sum)


def _levies(c: Case, out: Assessment) -> None:
    """The border levies on this consignment, as fee lines (the totals step adds every fee line)."""
    value = c.values.consignment()["customs_value"]
    for levy in levies.in_force(c.rules.levies, c.on):
        if levies.applies(levy, value, c.decl.transport.mode, currencies.minor_units(c.local)):
            out.lines.append(Line(0, "fee", "*", None, from_minor(value, c.local),
                                  f"{levy.amount:f} {c.local}/consignment", levy.amount, levy.legal_basis,
                                  levy.description))


def levies_columns(cv: np.ndarray, modes: np.ndarray, rules: EconomyRules, on) -> np.ndarray:
    """The border levies of each parcel (each its own consignment), in local minor units."""
    out = np.zeros(len(cv), dtype=np.int64)
    mu = currencies.minor_units(rules.currency)
    for levy in levies.in_force(rules.levies, on):
        out = out + np.where(levies.applies(levy, cv, modes, mu), int(levy.amount.scaleb(mu)), 0)
    return out


def _local(amounts: list[Decimal], currency: str, rules: EconomyRules, rates: dict[str, Decimal],
           what: str) -> list[int]:
    """Amounts the law sets in another currency (norms, bounds), in local minor units at the customs rate."""
    try:
        return [threshold_minor(x, currency, rules.currency, rates) for x in amounts]
    except KeyError:
        raise Invalid(f"no exchange rate for the {what}", errors=[FieldError(
            "currency", f"no customs exchange rate {currency}->{rules.currency} (the {what} are set in it)")]) from None


def _bounds(regime: courier.CourierRegime, rules: EconomyRules, rates: dict[str, Decimal]) -> list[int]:
    return _local([t.up_to for t in regime.tiers], regime.currency, rules, rates, "courier procedure's bounds")


def _courier(c: Case, out: Assessment, duty_sum: int, tax_sum: int, rates: dict[str, Decimal]) -> tuple[int, int]:
    rules, local = c.rules, c.local
    regime = courier.in_force(rules.courier, c.on)
    if regime is None or not c.decl.transport.courier:
        return duty_sum, tax_sum
    value = c.values.consignment()["customs_value"]
    origins = {i.origin for i in c.decl.items}
    origin = c.decl.exporter.country if c.decl.exporter and c.decl.exporter.country else (
        origins.pop() if len(origins) == 1 else None)
    tier = courier.tier_for(regime, origin, value, _bounds(regime, rules, rates))
    if tier is None:
        return duty_sum, tax_sum
    amount = courier.amount(value, tier.percent, rules.rounding_duty.mode)
    _zero(out, ("duty", "tax"), f"replaced by the courier procedure's global rate ({regime.legal_basis})")
    out.lines.append(Line(0, "duty", "*", None, from_minor(value, local), courier.describe(tier, regime),
                          from_minor(amount, local), regime.legal_basis, "courier procedure: one global rate "
                                                                         "instead of the duty and the VAT"))
    return amount, 0


def _zero(out: Assessment, kinds: tuple[str, ...], decision: str, keep=lambda line: False) -> None:
    for line in out.lines:
        if line.kind in kinds and line.amount and not keep(line):
            line.amount, line.decision = Decimal(0), decision


def _collection(c: Case, out: Assessment, duty_sum: int, tax_sum: int) -> tuple[int, int]:
    rules, local = c.rules, c.local
    thr = collection.threshold_minor(rules.collection, c.on, currencies.minor_units(local))
    payable = total(duty_sum, rules.rounding_duty) + total(tax_sum, rules.rounding_tax)
    excluded = any(rules.excluded(i.hs_code) for i in c.decl.items)
    if not payable or not collection.waived(payable, thr, excluded):
        return duty_sum, tax_sum
    _zero(out, ("duty", "tax"), f"not collected: duty and {rules.tax_name} payable {from_minor(payable, local)} "
                                f"{local} is below {from_minor(thr or 0, local)} {local} "
                                f"({rules.collection.legal_basis})")
    return 0, 0


def _weight_milli(c: Case) -> int:
    grams = 0
    for n, item in enumerate(c.decl.items):
        kg = item.gross_weight_kg if item.gross_weight_kg is not None else item.net_weight_kg
        if kg is None:
            raise Invalid("the weight is needed", errors=[FieldError(
                f"items[{n}].gross_weight_kg", f"{c.rules.economy} taxes goods for personal use over a weight norm "
                                               "as well as a value norm: declare the gross weight")])
        grams += int((kg * kernel.MILLI).to_integral_value())
    return grams


def _norms(rule: flat_rate.FlatRate, rules: EconomyRules, rates: dict[str, Decimal]) -> tuple[int, int]:
    value_norm, per_kg = _local([rule.value_norm, rule.per_kg], rule.currency, rules, rates, "personal-use norms")
    return value_norm, per_kg


def _flat(c: Case, out: Assessment, duty_sum: int, tax_sum: int, rates: dict[str, Decimal]) -> tuple[int, int]:
    rules, local = c.rules, c.local
    rule = flat_rate.in_force(rules.flat_rates, c.on)
    if rule is None or c.decl.personal_use is False:
        return duty_sum, tax_sum
    value_norm, per_kg = _norms(rule, rules, rates)
    value = c.values.consignment()["customs_value"]
    over_value = value > value_norm
    if c.decl.personal_use is None and (over_value or any(
            (i.gross_weight_kg or i.net_weight_kg or 0) > rule.weight_norm_kg for i in c.decl.items)):
        raise Invalid("say whether the goods are for personal use", errors=[FieldError(
            "personal_use", f"{rules.economy} taxes goods for personal use over {rule.value_norm:f} {rule.currency} "
                            f"at a single rate ({rule.legal_basis}) and other goods at duty and tax: declare "
                            "personal_use true or false")])
    weight = _weight_milli(c)
    if not flat_rate.applies(value, weight, value_norm, rule):
        return duty_sum, tax_sum
    amount = flat_rate.amount(value, weight, value_norm, per_kg, rule, rules.rounding_duty.mode)
    _zero(out, ("duty", "tax"), f"replaced by the single rate on goods for personal use ({rule.legal_basis})")
    out.lines.append(Line(0, "duty", "*", None, from_minor(max(value - value_norm, 0), local), rule.describe(),
                          from_minor(amount, local), rule.legal_basis,
                          f"goods for personal use over the norms: {rule.describe()}"))
    return amount, 0


def after_tax_columns(duty: np.ndarray, tax: np.ndarray, cv: np.ndarray, weight_milli: np.ndarray,
                      excluded: np.ndarray,
                      origins: np.ndarray, by_courier: np.ndarray, rules: EconomyRules, rates: dict[str, Decimal],
                      on) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The same on columns, each parcel its own consignment of goods for personal use (`excluded`: its goods never
    benefit from de minimis); returns the duty, the tax and the parcels refused for want of a weight where the
    weight norm decides."""
    regime = courier.in_force(rules.courier, on)
    if regime is not None and len(cv):
        pending = by_courier.copy()
        for tier, bound in zip(regime.tiers, _bounds(regime, rules, rates)):  # the first tier that fits, as tier_for
            fit = pending & (cv <= bound) & (np.isin(origins, tier.origins) if tier.origins else True)
            duty = np.where(fit, courier.amount(cv, tier.percent, rules.rounding_duty.mode), duty)
            tax = np.where(fit, 0, tax)
            pending = pending & ~fit
    refused = np.zeros(len(cv), dtype=bool)
    rule = flat_rate.in_force(rules.flat_rates, on)
    if rule is not None and len(cv):
        value_norm, per_kg = _norms(rule, rules, rates)
        refused = weight_milli < 0
        w = np.where(refused, 0, weight_milli)
        hit = flat_rate.applies(cv, w, value_norm, rule) & ~refused
        duty = np.where(hit, flat_rate.amount(cv, w, value_norm, per_kg, rule, rules.rounding_duty.mode), duty)
        tax = np.where(hit, 0, tax)
    thr = collection.threshold_minor(rules.collection, on, currencies.minor_units(rules.currency))
    if thr is None or not len(cv):
        return duty, tax, refused
    payable = total(duty, rules.rounding_duty) + total(tax, rules.rounding_tax)
    low = collection.waived(payable, thr, excluded)
    return np.where(low, 0, duty), np.where(low, 0, tax), refused
