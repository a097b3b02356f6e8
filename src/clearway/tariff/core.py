"""The duty and tax calculator: a declaration, the rules in force on a date, and the customs
exchange rates in, an explainable assessment out. No database here.

Order of the calculation (each law's rounding applied where that law rounds), one function per arrow:
customs value on the economy's basis (FOB or CIF, adjusted from the declared Incoterm) -> converted to
the local currency -> duty per item (MFN, or the preference when the origin qualifies and a proof of
origin is declared) -> excise -> consumption tax on the economy's base -> de minimis per consignment
(duty and tax thresholds separately; excluded goods never benefit; tax already collected by a
registered vendor is not charged again) -> totals.

De minimis is decided on the consignment value before the duty step (a waived duty is not in the excise
or tax base) and applied by the duty and tax steps; where an economy measures the amount payable instead
(`de_minimis_basis = "tax_amount"`), that test comes after the tax step.

The step functions live in clearway.tariff.steps, shared with the bulk path (clearway.tariff.bulk), which
has steps of the same names."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from clearway.declarations.schemas import CLEARANCE_REQUEST, DeclarationIn
from clearway.errors import FieldError, Invalid
from clearway.reference import currencies
from clearway.tariff import expressions, kernel, law_steps, payable, tax_rates, vendor as vendor_law
from clearway.tariff.assessment import Assessment, Line, allocate, dm_text, round_total
from clearway.tariff.case import Case, DeMinimisTest, Values
from clearway.tariff.rules import EconomyRules
from clearway.tariff.schedule import Schedule
from clearway.tariff.steps import (duty, excise, excise_base, fee, fee_applies, fee_in_range, fraction, from_minor,
                                   millionths, mfn_measure, quantities_for, rate_for, tax, tax_base, terms_group,
                                   threshold_minor, to_minor, total, value_at_basis)

PROOF_OF_ORIGIN = frozenset({"proof_of_origin", "certificate_of_origin", "origin_declaration", "origin_statement",
                             "coo"})


NOT_ASSESSED = ("a clearance request releases goods for which no full declaration is required (documents, printed "
                "matter, low-value goods): no duty or tax is assessed on it, its goods items carrying no commodity "
                "code and value to assess")


def assess(decl: DeclarationIn, *, on: date, rules: EconomyRules, schedule: Schedule,
           rates: dict[str, Decimal]) -> Assessment:
    if decl.kind == CLEARANCE_REQUEST:
        return Assessment(economy=rules.economy, date=on, currency=rules.currency,
                          declared_currency=decl.currency or rules.currency, exchange_rate=None,
                          valuation_basis=rules.valuation, customs_value=Decimal(0), de_minimis={},
                          tax_name=rules.tax_name, notes=[f"not assessed: {NOT_ASSESSED}"], not_assessed=NOT_ASSESSED)
    local, cur = rules.currency, decl.currency
    law_steps.check(decl, rules)
    fx = rate_for(cur, local, rates, rules.economy, on, "currency")
    values = _convert(_value(decl, rules), fx, cur, local)
    dm = _de_minimis(decl, on, rules, rates, values)
    c = Case(decl, on, rules, schedule, local, values, dm, frozenset(d.type for d in decl.documents))
    out = Assessment(economy=rules.economy, date=on, currency=local, declared_currency=cur,
                     exchange_rate=None if cur == local else rates[cur], valuation_basis=rules.valuation,
                     customs_value=from_minor(values.consignment()["customs_value"], local), de_minimis={},
                     tax_name=rules.tax_name, notes=law_steps.notes(c))
    duty_sum = excise_sum = tax_sum = surtax_sum = 0
    for n in range(len(decl.items)):
        d, line = _duty(c, n)
        ex, ex_lines = _excise(c, n, d)
        out.lines += [line, *ex_lines]
        if rules.tax_name is not None:
            t, tax_line = _tax(c, n, d, ex)
            out.lines.append(tax_line)
            tax_sum += t
            s, surtax_lines = law_steps.surtax(c, n, t)
            out.lines += surtax_lines
            surtax_sum += s
        duty_sum += d
        excise_sum += ex
    duty_sum, tax_sum = _de_minimis_payable(c, out, duty_sum, tax_sum)
    duty_sum, tax_sum = payable.after_tax(c, out, duty_sum, tax_sum, rates)
    return _totals(c, out, duty_sum, excise_sum, tax_sum, surtax_sum)


def _value(decl: DeclarationIn, rules: EconomyRules) -> Values:
    """Each item's value moved to the economy's basis (FOB or CIF) from the declared Incoterm, with the declared
    freight and insurance allocated over the items by value; in the declaration currency."""
    cur, eco = decl.currency, rules.economy
    terms = terms_group(decl.incoterm)
    if rules.valuation == "CIF" and decl.incoterm is not None:
        if terms == "FOB" and decl.freight is None:
            raise Invalid("freight is needed", errors=[FieldError(
                "freight", f"{eco} values goods CIF and {decl.incoterm} excludes freight: declare the freight")])
        if terms in ("FOB", "CFR") and decl.insurance is None:
            raise Invalid("insurance is needed", errors=[FieldError(
                "insurance", f"{eco} values goods CIF and {decl.incoterm} excludes insurance: declare the insurance "
                             "(0 if none)")])
    values = [law_steps.personal_use_value(decl, rules, to_minor(i.value, cur)) for i in decl.items]
    freight = allocate(to_minor(decl.freight or Decimal(0), cur), values)
    insurance = allocate(to_minor(decl.insurance or Decimal(0), cur), values)
    out = Values([], [], [], [])
    for n, v in enumerate(values):
        f, ins = freight[n], insurance[n]
        at_fob = value_at_basis(v, f, ins, terms, "FOB")
        if at_fob <= 0:
            raise Invalid("freight and insurance exceed the value", errors=[FieldError(
                f"items[{n}].value", f"after taking out freight and insurance included by {decl.incoterm} "
                                     "nothing is left of the value")])
        out.customs_value.append(value_at_basis(v, f, ins, terms, rules.valuation))
        out.fob.append(at_fob)
        out.cif.append(value_at_basis(v, f, ins, terms, "CIF"))
        out.transport.append(f + ins)
    return out


def _convert(values: Values, fx: tuple[int, int], cur: str, local: str) -> Values:
    """The values in the local currency at the customs exchange rate, to the local minor unit."""
    dmu, lmu = currencies.minor_units(cur), currencies.minor_units(local)

    def conv(xs: list[int]) -> list[int]:
        return [kernel.convert(x, fx[0], fx[1], dmu, lmu) for x in xs]

    return Values(conv(values.customs_value), conv(values.fob), conv(values.cif), conv(values.transport))


def _de_minimis(decl: DeclarationIn, on: date, rules: EconomyRules, rates: dict[str, Decimal],
                values: Values) -> DeMinimisTest:
    """The regime for the consignment's origin and mode, its thresholds in the local currency, and the test
    of the consignment value against them."""
    local, eco = rules.currency, rules.economy
    regime = rules.regime(on, law_steps.de_minimis_origin(decl, rules, _origin_of(decl)), law_steps.shipment_mode(decl))
    try:
        duty_thr = threshold_minor(regime.duty_threshold, regime.currency, local, rates) if regime else None
        tax_thr = threshold_minor(regime.tax_threshold, regime.currency, local, rates) if regime else None
    except KeyError as exc:
        raise Invalid("no exchange rate for the de minimis threshold", errors=[FieldError(
            "currency", f"no customs exchange rate {exc.args[0]}->{local} in {eco} on {on} "
                        "(the de minimis threshold is set in it)")]) from None
    consignment = values.consignment()
    basis = rules.de_minimis_basis
    dm_value = consignment.get(basis, consignment["customs_value"])
    value_test = basis != "tax_amount"
    vendor = rules.vendor if (decl.vendor_registration and rules.vendor and on >= rules.vendor.valid_from) else None
    ceiling = None
    if vendor is not None:
        ceiling = threshold_minor(vendor.item_ceiling, regime.currency if regime else local, local, rates)
    duty_ok = vendor_law.duty_waiver_holds(rules, on, bool(decl.vendor_registration))
    return DeMinimisTest(regime, basis, dm_value, duty_thr, tax_thr,
                     bool(value_test and duty_ok and kernel.within(dm_value, duty_thr, rules.inclusive)),
                     bool(value_test and kernel.within(dm_value, tax_thr, rules.inclusive)), vendor, ceiling)


def _duty(c: Case, n: int) -> tuple[int, Line]:
    """Item n's duty: MFN, or the preference claimed when the origin qualifies, a proof of origin is declared
    and it is lower; waived under de minimis unless the goods are excluded."""
    item, rules, eco, dm = c.decl.items[n], c.rules, c.rules.economy, c.dm
    code, cv = item.hs_code, c.values.customs_value[n]
    mfn = mfn_measure(c.schedule, code, c.on, f"items[{n}].hs_code")
    qty_path = f"items[{n}].quantity"
    chosen, decision = mfn, None
    q = quantities_for(mfn.expression, item.unit, item.quantity, item.net_weight_kg, eco, code, qty_path)
    d = duty(mfn.expression, cv, q, rules.rounding_duty)
    if item.preference:
        pref = [m for m in c.schedule.find("preference", code, c.on)
                if m.agreement and m.agreement.upper() == item.preference.upper()]
        if not pref:
            decision = f"preference {item.preference} claimed but {eco} has no {item.preference} rate for {code}: MFN"
        elif item.origin not in pref[0].origins:
            decision = f"preference {item.preference} refused: origin {item.origin} does not qualify; MFN applies"
        elif not c.documents & PROOF_OF_ORIGIN:
            decision = (f"preference {item.preference} refused: no proof of origin declared "
                        f"(document type proof_of_origin or certificate_of_origin); MFN applies")
        else:
            pq = quantities_for(pref[0].expression, item.unit, item.quantity, item.net_weight_kg, eco, code, qty_path)
            pd = duty(pref[0].expression, cv, pq, rules.rounding_duty)
            if pd <= d:
                chosen, d, decision = pref[0], pd, f"preference {pref[0].agreement} applied (origin {item.origin})"
            else:
                decision = f"preference {item.preference} is higher than MFN here: MFN applies"
    excluded = rules.excluded(code)
    if dm.duty_waived and not excluded:
        d, decision = 0, dm_text("duty", dm.value, dm.duty_threshold, c.local)
    elif dm.duty_waived and excluded:
        decision = (decision + "; " if decision else "") + f"{code} is excluded from de minimis in {eco}"
    return d, Line(n + 1, "duty", code, chosen.code, from_minor(kernel.floor_step(cv, rules.rounding_duty.base_step),
                   c.local), chosen.rate, from_minor(d, c.local), chosen.legal_basis, decision)


def _excise(c: Case, n: int, d: int) -> tuple[int, list[Line]]:
    """Item n's excise duties, one line each, on the base each measure names."""
    item, local = c.decl.items[n], c.local
    code, lines, ex_total = item.hs_code, [], 0
    for m in c.schedule.find("excise", code, c.on):
        eq = quantities_for(m.expression, item.unit, item.quantity, item.net_weight_kg, c.rules.economy, code,
                            f"items[{n}].quantity")
        base = excise_base(m.base or "customs_value", c.values.customs_value[n], d, c.values.transport[n])
        e = excise(m.expression, base, eq, c.rules.rounding_duty)
        ex_total += e
        lines.append(Line(n + 1, "excise", code, m.code, from_minor(base, local), m.rate, from_minor(e, local),
                          m.legal_basis, m.description))
    return ex_total, lines


def _tax(c: Case, n: int, d: int, ex: int) -> tuple[int, Line]:
    """Item n's consumption tax at the standard rate or the line's own; waived under de minimis, or when a
    registered vendor already collected it, unless the goods are excluded."""
    rules, dm, local, eco = c.rules, c.dm, c.local, c.rules.economy
    code = c.decl.items[n].hs_code
    cv = c.values.customs_value[n]
    excluded = rules.excluded(code)
    override = c.schedule.find("vat", code, c.on)
    frac = (1, 1)
    if override:
        rate_m = millionths(override[0].expression.percent) if isinstance(
            override[0].expression, expressions.AdValorem) else 0
        rate_text, basis_text = override[0].rate, override[0].legal_basis
    else:
        r = tax_rates.line_rate(rules.tax_rates, dm.regime.tax_rate_percent if dm.regime else Decimal(0), code,
                                c.on, f"{rules.tax_name} standard rate ({eco})")
        rate_m, rate_text, basis_text, frac = r.millionths, r.text, r.legal_basis, r.base_fraction
        rate_m, rate_text, basis_text = law_steps.regional_rate(c, rate_m, rate_text, basis_text)
    tb = tax_base(rules, cv, d, ex, c.values.transport[n])
    t = tax(tb, rate_m, rules.rounding_tax)
    tdec = None
    if dm.tax_waived and not excluded:
        t, tdec = 0, dm_text(rules.tax_name, dm.value, dm.tax_threshold, local)
    elif dm.vendor is not None and not excluded and cv <= dm.vendor_ceiling:
        tb = vendor_law.base_still_due(rules, d, ex)
        t = tax(tb, rate_m, rules.rounding_tax)
        tdec = vendor_law.text(rules, dm.vendor, c.decl.vendor_registration, t)
    elif dm.tax_waived and excluded:
        tdec = f"{code} is excluded from de minimis in {eco}"
    shown = kernel.div_round(tb * frac[0], frac[1], "half_up")
    return t, Line(n + 1, "tax", code, override[0].code if override else None, from_minor(shown, local), rate_text,
                   from_minor(t, local), basis_text, tdec)


def _de_minimis_payable(c: Case, out: Assessment, duty_sum: int, tax_sum: int) -> tuple[int, int]:
    """Where the economy measures the duty and tax payable against its threshold, waive both (except on
    excluded goods) when it is at or below it."""
    rules, dm, local = c.rules, c.dm, c.local
    payable = total(duty_sum, rules.rounding_duty) + total(tax_sum, rules.rounding_tax)
    if dm.basis != "tax_amount" or not kernel.within(payable, dm.duty_threshold, rules.inclusive):
        return duty_sum, tax_sum
    for line in out.lines:
        if line.kind in ("duty", "tax") and not rules.excluded(line.hs_code) and line.amount:
            line.decision, line.amount = dm_text("duty and tax", payable, dm.duty_threshold, local,
                                                 "duty and tax payable"), Decimal(0)
    return (sum(to_minor(x.amount, local) for x in out.lines if x.kind == "duty"),
            sum(to_minor(x.amount, local) for x in out.lines if x.kind == "tax"))


def _totals(c: Case, out: Assessment, duty_sum: int, excise_sum: int, tax_sum: int, surtax_sum: int) -> Assessment:
    """Totals rounded where the law rounds them, the fees per entry, and the de minimis record."""
    rules, dm, local, eco = c.rules, c.dm, c.local, c.rules.economy
    duty_sum = round_total(out, "duty", duty_sum, rules.rounding_duty, local)
    tax_sum = round_total(out, "tax", tax_sum, rules.rounding_tax, local)
    surtax_sum, excise_sum = law_steps.round_surtax_and_excise(c, out, surtax_sum, excise_sum)
    tax_sum += surtax_sum
    fee_sum = sum(to_minor(x.amount, local) for x in out.lines if x.kind == "fee")  # levies already on the lines
    cv_total = c.values.consignment()["customs_value"]
    fee_base, exempt = law_steps.fee_base(c, out)
    for m in c.schedule.fees(c.on):
        if any(fee_applies(m, i.hs_code) for i in c.decl.items) and fee_in_range(m, cv_total, local):
            amount = fee(m.expression, fee_base, rules.rounding_duty) if fee_base else 0
            decision = exempt
            if dm.duty_waived and (dm.tax_waived or rules.tax_name is None):
                amount, decision = 0, "not charged: the consignment is under the de minimis thresholds"
            fee_sum += amount
            out.lines.append(Line(0, "fee", "*", m.code, from_minor(fee_base, local), m.rate, from_minor(amount, local),
                                  m.legal_basis, decision or m.description))
    out.duty, out.excise, out.tax = from_minor(duty_sum, local), from_minor(excise_sum, local), from_minor(tax_sum, local)
    out.fees = from_minor(fee_sum, local)
    out.total_due = out.duty + out.excise + out.tax + out.fees
    regime = dm.regime
    out.de_minimis = {
        "basis": dm.basis, "consignment_value": from_minor(dm.value, local),
        "duty_threshold": from_minor(dm.duty_threshold, local) if dm.duty_threshold is not None else None,
        "tax_threshold": from_minor(dm.tax_threshold, local) if dm.tax_threshold is not None else None,
        "duty_waived": dm.duty_waived, "tax_waived": dm.tax_waived,
        "regime": regime.scope if regime else "no de minimis rule for this economy",
        "source": regime.source if regime else None}
    if rules.rounding_duty.total_step > 1 or rules.rounding_tax.total_step > 1:
        out.notes.append(f"{eco} truncates the taxable value per line to "
                         f"{from_minor(rules.rounding_duty.base_step, local)} and each total to "
                         f"{from_minor(rules.rounding_duty.total_step, local)} {local}")
    return out


def _origin_of(decl: DeclarationIn) -> str | None:
    if decl.exporter is not None and decl.exporter.country:
        return decl.exporter.country
    origins = {i.origin for i in decl.items}
    return origins.pop() if len(origins) == 1 else None


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
