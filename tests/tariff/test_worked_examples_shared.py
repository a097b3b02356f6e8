"""The rows of the shared worked examples (../shared/data/duty-examples/worked_examples.csv, copied here as
figures) that the engine's steps cover: the UK duty calculator's ad valorem, MFN and VAT-on-value-plus-duty
cases (trade-tariff/trade-tariff-duty-calculator@c9cbbc7, spec/services/expression_evaluators/ad_valorem_spec.rb,
duty_options/third_country_tariff_spec.rb, expression_evaluators/vat_spec.rb) and the specific duty per 100 kg
(measure_unit_spec.rb), run through the same step functions both paths use (clearway.tariff.steps).

Not covered, on purpose: the UK's VAT base from unrounded duty lines (uk-full-7202118000-*: the engine rounds
each duty line to the penny as the APEC economies' laws do), quotas, the UK's EUR->GBP monthly rates, retail
price, sucrose and alcohol evaluators, and the AU GST-on-LVG row (GST = P/11 is the vendor's own calculation at
the point of sale, not a border assessment). The Korea guide row is test_worked_examples.py's
test_korea_guide_example_whole_value_taxed_over_the_us_threshold."""

from decimal import Decimal as D

from clearway.tariff import expressions
from clearway.tariff.rules import Rounding
from clearway.tariff.steps import duty, from_minor, tax, to_minor, value_at_basis

HALF_UP = Rounding()


def _duty(rate: str, customs_value: str, quantities: dict | None = None) -> D:
    node = expressions.parse(rate, "GBP")
    return from_minor(duty(node, to_minor(D(customs_value), "GBP"), quantities or {}, HALF_UP), "GBP")


def test_uk_advalorem_1_cif_value_and_8_percent():
    # goods 10 + freight 10 + insurance 10 GBP, CIF basis: customs value 30.00; 8% -> 2.40
    cv = value_at_basis(to_minor(D("10"), "GBP"), to_minor(D("10"), "GBP"), to_minor(D("10"), "GBP"), "FOB", "CIF")
    assert from_minor(cv, "GBP") == D("30.00")
    assert _duty("8%", "30.00") == D("2.40")


def test_uk_third_country_1_mfn_8_percent_of_1200():
    assert _duty("8%", "1200.00") == D("96.00")


def test_uk_vat_base_1_value_plus_duties():
    # customs value 30.00 + duties 1,000.00 = VAT base 1,030.00; at 8% (the spec's fixture rate) VAT 82.40
    base = to_minor(D("30.00"), "GBP") + to_minor(D("1000.00"), "GBP")
    assert from_minor(tax(base, 80_000, HALF_UP), "GBP") == D("82.40")


def test_uk_specific_gbp_per_100_kg():
    # 35.10 GBP / 100 kg on 10 tonnes (dtn = 100 x 100 kg): 3,510.00; the engine's rate grammar states a rate per
    # 100 kg per kg (0.351 GBP/kg), quantities in thousandths of a kg
    assert _duty("0.351 GBP/kg", "1.00", {"kg": 10_000 * 1_000}) == D("3510.00")
