"""The per-declaration face of each economy's own arithmetic (clearway.tariff.law): the inputs a rule needs, the
lines it adds to an assessment and the totals it rounds. The calculator (clearway.tariff.core) calls these; the
bulk path (clearway.tariff.bulk) calls the same step functions of clearway.tariff.law on columns. No database."""

from __future__ import annotations

from decimal import Decimal

from clearway.declarations.schemas import DeclarationIn
from clearway.errors import FieldError, Invalid
from clearway.tariff import law
from clearway.tariff.assessment import Assessment, Line, round_total
from clearway.tariff.case import Case
from clearway.tariff.rules import EconomyRules, Rounding
from clearway.tariff.steps import from_minor


def check(decl: DeclarationIn, rules: EconomyRules) -> None:
    """Refuse a declaration that lacks what one of its economy's rules needs (CA: the province of goods for
    personal use, whose HST the CBSA collects)."""
    rt = rules.law.regional_tax
    if rt is not None and decl.personal_use and decl.destination_region is None:
        raise Invalid("the region of destination is needed", errors=[FieldError("destination_region",
                                                                              rt.field_reason)])


def shipment_mode(decl: DeclarationIn) -> str:
    """The mode the de minimis rows are chosen by: "courier" for a courier shipment, else the transport mode."""
    return "courier" if decl.transport.courier else decl.transport.mode


def de_minimis_origin(decl: DeclarationIn, rules: EconomyRules, consignor: str | None) -> str | None:
    """The origin the de minimis rows are chosen by: the consignor's (CA: goods shipped from the US or Mexico), or
    where the law names products of a country (US: China and Hong Kong) the goods' own origin when they share one."""
    origins = {i.origin for i in decl.items}
    if rules.law.de_minimis_origin != "goods" or len(origins) != 1:
        return consignor
    return origins.pop()


def personal_use_value(decl: DeclarationIn, rules: EconomyRules, value: int) -> int:
    return law.personal_use_value(value, rules.law, bool(decl.personal_use))


def notes(c: Case) -> list[str]:
    pu = c.rules.law.personal_use
    if pu is None or not c.decl.personal_use:
        return []
    share = (pu.share * 100).normalize()
    return [f"goods for personal use: the customs value is {share:f}% of the overseas retail price declared "
            f"({pu.legal_basis})"]


def regional_rate(c: Case, rate_m: int, rate_text: str, basis: str) -> tuple[int, str, str]:
    """The standard rate with the regional part added for goods for personal use bound for a region that has one
    (CA: 5% GST + 8% ON = 13% HST)."""
    rt = c.rules.law.regional_tax
    if rt is None or not c.decl.personal_use:
        return rate_m, rate_text, basis
    extra = rt.percent(c.decl.destination_region, c.on)
    if not extra:
        return rate_m, rate_text, (f"{basis}; {c.decl.destination_region} is not an {rt.name} province (a provincial "
                                   "sales tax the border may collect is not modelled)")
    whole = Decimal(rate_m) / 10_000 + extra
    return (rate_m + law.regional_millionths(c.rules.law, c.decl.destination_region, c.on),
            f"{whole.normalize():f}%", f"{rt.name} {c.decl.destination_region}: {rate_text} + {extra.normalize():f}% "
                                       f"provincial part ({rt.legal_basis})")


def surtax(c: Case, n: int, other_tax: int) -> tuple[int, list[Line]]:
    """Item n's surtax on its tax (JP: local consumption tax, 22/78 of the national tax truncated to 100 yen)."""
    rule = c.rules.law.surtax
    if rule is None:
        return 0, []
    amount = law.surtax(other_tax, rule)
    base = from_minor(other_tax - other_tax % rule.base_step, c.local)
    return amount, [Line(n + 1, "tax", c.decl.items[n].hs_code, None, base,
                         f"{rule.numerator}/{rule.denominator} of the national tax", from_minor(amount, c.local),
                         rule.legal_basis, rule.name)]


def round_surtax_and_excise(c: Case, out: Assessment, surtax_sum: int, excise_sum: int) -> tuple[int, int]:
    """The surtax and excise totals truncated where the law truncates them, each with its rounding line."""
    rules = c.rules
    if rules.law.surtax is not None:
        st = rules.law.surtax
        surtax_sum = round_total(out, "tax", surtax_sum, Rounding("down", 1, st.total_step, st.legal_basis), c.local,
                                 st.name)
    if rules.law.excise_total_step > 1:
        excise_sum = round_total(out, "excise", excise_sum, Rounding("down", 1, rules.law.excise_total_step,
                                                                     rules.law.excise_legal_basis), c.local)
    return surtax_sum, excise_sum


def fee_base(c: Case, out: Assessment) -> tuple[int, str | None]:
    """The customs value the fees per entry are charged on: the consignment's, less the goods whose preference was
    granted under an agreement that exempts them (US: 19 CFR 24.23(c)); with the reason when some are left out."""
    total = c.values.consignment()["customs_value"]
    exempt = c.rules.law.fee_exemption
    if exempt is None:
        return total, None
    left_out, names = 0, set()
    for line in out.lines:
        if line.kind != "duty" or line.item < 1 or not line.decision:
            continue
        agreement = next((a for a in exempt.agreements if line.decision.startswith(f"preference {a} applied")), None)
        if law.fee_exempt(c.rules.law, agreement):
            left_out += c.values.customs_value[line.item - 1]
            names.add(agreement)
    if not left_out:
        return total, None
    return total - left_out, (f"goods originating under {', '.join(sorted(names))} "
                              f"({from_minor(left_out, c.local)} {c.local}) are exempt: {exempt.legal_basis}")
