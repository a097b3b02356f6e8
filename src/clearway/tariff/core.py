"""The duty and tax calculator: a declaration, the rules in force on a date, and the customs
exchange rates in, an explainable assessment out. No database here.

Order of the calculation (each law's rounding applied where that law rounds):
customs value on the economy's basis (FOB or CIF, adjusted from the declared Incoterm) -> converted to
the local currency -> duty per item (MFN, or the preference when the origin qualifies and a proof of
origin is declared) -> excise -> consumption tax on the economy's base -> de minimis per consignment
(duty and tax thresholds separately; excluded goods never benefit; tax already collected by a
registered vendor is not charged again) -> totals.

The step functions live in clearway.tariff.steps, shared with the bulk path (clearway.tariff.bulk)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from clearway.declarations.schemas import DeclarationIn
from clearway.errors import FieldError, Invalid
from clearway.reference import currencies
from clearway.tariff import expressions, kernel
from clearway.tariff.rules import EconomyRules, Rounding
from clearway.tariff.schedule import Schedule
from clearway.tariff.schemas import plain
from clearway.tariff.steps import (duty, excise, excise_base, fee, fee_applies, fee_in_range, fraction, from_minor,  # noqa: F401
                                   millionths, mfn_measure, quantities_for, rate_for, tax, tax_base, terms_group,
                                   threshold_minor, to_minor, total, value_at_basis, waive)

PROOF_OF_ORIGIN = frozenset({"proof_of_origin", "certificate_of_origin", "origin_declaration", "origin_statement",
                             "coo"})


# ---- the assessment --------------------------------------------------------------------------------

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

    def as_dict(self) -> dict[str, Any]:
        return plain(asdict(self))


def _allocate(total_minor: int, weights: list[int]) -> list[int]:
    """Split an amount over items in proportion to their values; the shares add up exactly."""
    s = sum(weights)
    shares = [total_minor * w // s for w in weights]
    rest = total_minor - sum(shares)
    order = sorted(range(len(weights)), key=lambda i: -((total_minor * weights[i]) % s))
    for i in order[:rest]:
        shares[i] += 1
    return shares


def _origin_of(decl: DeclarationIn) -> str | None:
    if decl.exporter is not None and decl.exporter.country:
        return decl.exporter.country
    origins = {i.origin for i in decl.items}
    return origins.pop() if len(origins) == 1 else None


def assess(decl: DeclarationIn, *, on: date, rules: EconomyRules, schedule: Schedule,
           rates: dict[str, Decimal]) -> Assessment:
    local, cur, eco = rules.currency, decl.currency, rules.economy
    lmu, dmu = currencies.minor_units(local), currencies.minor_units(cur)
    fx_num, fx_den = rate_for(cur, local, rates, eco, on, "currency")
    conv = lambda v: kernel.convert(v, fx_num, fx_den, dmu, lmu)  # noqa: E731
    terms = terms_group(decl.incoterm)
    if rules.valuation == "CIF" and decl.incoterm is not None:
        if terms == "FOB" and decl.freight is None:
            raise Invalid("freight is needed", errors=[FieldError(
                "freight", f"{eco} values goods CIF and {decl.incoterm} excludes freight: declare the freight")])
        if terms in ("FOB", "CFR") and decl.insurance is None:
            raise Invalid("insurance is needed", errors=[FieldError(
                "insurance", f"{eco} values goods CIF and {decl.incoterm} excludes insurance: declare the insurance "
                             "(0 if none)")])
    values = [to_minor(i.value, cur) for i in decl.items]
    freight = _allocate(to_minor(decl.freight or Decimal(0), cur), values)
    insurance = _allocate(to_minor(decl.insurance or Decimal(0), cur), values)

    cv, fob, cif, transport = [], [], [], []
    for n, v in enumerate(values):
        f, ins = freight[n], insurance[n]
        at_basis = value_at_basis(v, f, ins, terms, rules.valuation)
        at_fob = value_at_basis(v, f, ins, terms, "FOB")
        if at_fob <= 0:
            raise Invalid("freight and insurance exceed the value", errors=[FieldError(
                f"items[{n}].value", f"after taking out freight and insurance included by {decl.incoterm} "
                                     "nothing is left of the value")])
        cv.append(conv(at_basis))
        fob.append(conv(at_fob))
        cif.append(conv(value_at_basis(v, f, ins, terms, "CIF")))
        transport.append(conv(f + ins))
    consignment = {"customs_value": sum(cv), "fob": sum(fob), "cif": sum(cif)}

    origin = _origin_of(decl)
    regime = rules.regime(on, origin, decl.transport.mode)
    try:
        duty_thr = threshold_minor(regime.duty_threshold, regime.currency, local, rates) if regime else None
        tax_thr = threshold_minor(regime.tax_threshold, regime.currency, local, rates) if regime else None
    except KeyError as exc:
        raise Invalid("no exchange rate for the de minimis threshold", errors=[FieldError(
            "currency", f"no customs exchange rate {exc.args[0]}->{local} in {eco} on {on} "
                        "(the de minimis threshold is set in it)")]) from None
    basis = rules.de_minimis_basis
    dm_value = consignment.get(basis, consignment["customs_value"])
    value_test = basis != "tax_amount"
    duty_dm = bool(value_test and kernel.within(dm_value, duty_thr, rules.inclusive))
    tax_dm = bool(value_test and kernel.within(dm_value, tax_thr, rules.inclusive))
    vendor = rules.vendor if (decl.vendor_registration and rules.vendor and on >= rules.vendor.valid_from) else None
    vendor_ceiling = None
    if vendor is not None:
        vendor_ceiling = threshold_minor(vendor.item_ceiling, regime.currency if regime else local, local, rates)

    out = Assessment(economy=eco, date=on, currency=local, declared_currency=cur,
                     exchange_rate=None if cur == local else rates[cur], valuation_basis=rules.valuation,
                     customs_value=from_minor(consignment["customs_value"], local), de_minimis={},
                     tax_name=rules.tax_name)
    docs = {d.type for d in decl.documents}
    duty_sum = excise_sum = tax_sum = 0
    for n, item in enumerate(decl.items):
        code, path = item.hs_code, f"items[{n}].hs_code"
        mfn = mfn_measure(schedule, code, on, path)
        excluded = rules.excluded(code)
        qty_path = f"items[{n}].quantity"
        chosen, decision = mfn, None
        q = quantities_for(mfn.expression, item.unit, item.quantity, item.net_weight_kg, eco, code, qty_path)
        d = duty(mfn.expression, cv[n], q, rules.rounding_duty)
        if item.preference:
            pref = [m for m in schedule.find("preference", code, on)
                    if m.agreement and m.agreement.upper() == item.preference.upper()]
            if not pref:
                decision = f"preference {item.preference} claimed but {eco} has no {item.preference} rate for {code}: MFN"
            elif item.origin not in pref[0].origins:
                decision = f"preference {item.preference} refused: origin {item.origin} does not qualify; MFN applies"
            elif not docs & PROOF_OF_ORIGIN:
                decision = (f"preference {item.preference} refused: no proof of origin declared "
                            f"(document type proof_of_origin or certificate_of_origin); MFN applies")
            else:
                pq = quantities_for(pref[0].expression, item.unit, item.quantity, item.net_weight_kg, eco, code,
                                    qty_path)
                pd = duty(pref[0].expression, cv[n], pq, rules.rounding_duty)
                if pd <= d:
                    chosen, d, decision = pref[0], pd, f"preference {pref[0].agreement} applied (origin {item.origin})"
                else:
                    decision = f"preference {item.preference} is higher than MFN here: MFN applies"
        if duty_dm and not excluded:
            d, decision = 0, _dm_text("duty", dm_value, duty_thr, local)
        elif duty_dm and excluded:
            decision = (decision + "; " if decision else "") + f"{code} is excluded from de minimis in {eco}"
        out.lines.append(Line(n + 1, "duty", code, chosen.code, from_minor(kernel.floor_step(
            cv[n], rules.rounding_duty.base_step), local), chosen.rate, from_minor(d, local),
            chosen.legal_basis, decision))

        ex_total = 0
        for m in schedule.find("excise", code, on):
            eq = quantities_for(m.expression, item.unit, item.quantity, item.net_weight_kg, eco, code, qty_path)
            base = excise_base(m.base or "customs_value", cv[n], d, transport[n])
            e = excise(m.expression, base, eq, rules.rounding_duty)
            ex_total += e
            out.lines.append(Line(n + 1, "excise", code, m.code, from_minor(base, local), m.rate,
                                  from_minor(e, local), m.legal_basis, m.description))

        if rules.tax_name is not None:
            override = schedule.find("vat", code, on)
            if override:
                rate_m = millionths(override[0].expression.percent) if isinstance(
                    override[0].expression, expressions.AdValorem) else 0
                rate_text, basis_text = override[0].rate, override[0].legal_basis
            else:
                rate_m = millionths(regime.tax_rate_percent) if regime else 0
                rate_text = f"{regime.tax_rate_percent.normalize():f}%" if regime else "0%"
                basis_text = f"{rules.tax_name} standard rate ({eco})"
            tb = tax_base(rules, cv[n], d, ex_total, transport[n])
            t = tax(tb, rate_m, rules.rounding_tax)
            tdec = None
            if tax_dm and not excluded:
                t, tdec = 0, _dm_text(rules.tax_name, dm_value, tax_thr, local)
            elif vendor is not None and not excluded and cv[n] <= vendor_ceiling:
                t, tdec = 0, (f"{rules.tax_name} collected at the point of sale by registered vendor "
                              f"{decl.vendor_registration}: not charged again ({vendor.legal_basis})")
            elif tax_dm and excluded:
                tdec = f"{code} is excluded from de minimis in {eco}"
            out.lines.append(Line(n + 1, "tax", code, override[0].code if override else None, from_minor(tb, local),
                                  rate_text, from_minor(t, local), basis_text, tdec))
            tax_sum += t
        duty_sum += d
        excise_sum += ex_total

    payable = total(duty_sum, rules.rounding_duty) + total(tax_sum, rules.rounding_tax)
    if basis == "tax_amount" and kernel.within(payable, duty_thr, rules.inclusive):
        for line in out.lines:
            if line.kind in ("duty", "tax") and not rules.excluded(line.hs_code) and line.amount:
                line.decision, line.amount = _dm_text("duty and tax", payable, duty_thr, local,
                                                      "duty and tax payable"), Decimal(0)
        duty_sum = sum(to_minor(x.amount, local) for x in out.lines if x.kind == "duty")
        tax_sum = sum(to_minor(x.amount, local) for x in out.lines if x.kind == "tax")
    duty_sum = _round_total(out, "duty", duty_sum, rules.rounding_duty, local)
    tax_sum = _round_total(out, "tax", tax_sum, rules.rounding_tax, local)
    fee_sum = 0
    cv_total = consignment["customs_value"]
    for m in schedule.fees(on):
        if any(fee_applies(m, i.hs_code) for i in decl.items) and fee_in_range(m, cv_total, local):
            amount = fee(m.expression, cv_total, rules.rounding_duty)
            decision = None
            if duty_dm and tax_dm:
                amount, decision = 0, "not charged: the consignment is under the de minimis thresholds"
            fee_sum += amount
            out.lines.append(Line(0, "fee", "*", m.code, from_minor(cv_total, local), m.rate, from_minor(amount, local),
                                  m.legal_basis, decision or m.description))
    out.duty, out.excise, out.tax = from_minor(duty_sum, local), from_minor(excise_sum, local), from_minor(tax_sum, local)
    out.fees = from_minor(fee_sum, local)
    out.total_due = out.duty + out.excise + out.tax + out.fees
    out.de_minimis = {
        "basis": basis, "consignment_value": from_minor(dm_value, local),
        "duty_threshold": from_minor(duty_thr, local) if duty_thr is not None else None,
        "tax_threshold": from_minor(tax_thr, local) if tax_thr is not None else None,
        "duty_waived": duty_dm, "tax_waived": tax_dm,
        "regime": regime.scope if regime else "no de minimis rule for this economy",
        "source": regime.source if regime else None}
    if rules.rounding_duty.total_step > 1 or rules.rounding_tax.total_step > 1:
        out.notes.append(f"{eco} truncates the taxable value per line to "
                         f"{from_minor(rules.rounding_duty.base_step, local)} and each total to "
                         f"{from_minor(rules.rounding_duty.total_step, local)} {local}")
    return out


def to_assessment_currency(amount: Decimal, currency: str, *, assessed: dict[str, Any]) -> Decimal:
    """An amount in the declaration currency (e.g. extra duty found at control on a USD declaration) in the
    currency the assessment collects, at the customs exchange rate that assessment used, half up to the minor
    unit. `assessed` is the stored assessment (Assessment.as_dict())."""
    local, declared = assessed["currency"], assessed["declared_currency"]
    if currency == local:
        return amount
    if currency != declared or assessed.get("exchange_rate") is None:
        raise Invalid(f"an amount in {currency} cannot be added to this assessment", errors=[FieldError(
            "currency", f"use the declaration currency {declared} (or {local}, the currency duties are collected in)")])
    num, den = fraction(Decimal(assessed["exchange_rate"]))
    return from_minor(kernel.convert(to_minor(amount, currency), num, den, currencies.minor_units(currency),
                                     currencies.minor_units(local)), local)


def _round_total(out: Assessment, kind: str, amount: int, rounding: Rounding, local: str) -> int:
    """Where the law rounds the total rather than each line (JP: the confirmed amount of each tax is truncated
    to 100 yen, Act on General Rules for National Taxes art. 119(1)), the lines keep their own amounts and one
    more line of this kind shows the rounding, so that the lines always add up to the total they explain."""
    rounded = total(amount, rounding)
    if rounded != amount:
        step = from_minor(rounding.total_step, local)
        out.lines.append(Line(0, kind, "*", None, from_minor(amount, local), f"total rounded down to {step:f} {local}",
                              from_minor(rounded - amount, local), rounding.legal_basis or None,
                              f"the {kind} total {from_minor(amount, local):f} {local} is rounded down to a "
                              f"multiple of {step:f} {local}"))
    return rounded


def _dm_text(what: str, value: int, threshold: int | None, local: str, measured: str = "consignment value") -> str:
    return (f"de minimis: {measured} {from_minor(value, local)} {local} is at or below the {what} threshold "
            f"{from_minor(threshold or 0, local)} {local}")
