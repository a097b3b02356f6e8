"""Property tests on the calculator: never negative, never more precise than the currency, non-decreasing
in value, zero below the thresholds."""

from datetime import date
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from clearway.reference import currencies
from clearway.tariff import rules
from tests.tariff.helpers import assess, decl

ECONOMIES = ["AU", "CA", "JP", "NZ", "TH", "US"]
LINES = {"US": ["080510", "22042120", "610910", "64041180", "64041190", "851713", "300241", "382219"]}
DEFAULT_LINES = ["080510", "220421", "610910", "640411", "851713", "851714", "300241", "382219"]
UNITS = {"080510": "kg", "220421": "l", "22042120": "l", "64041180": "pr", "640411": "pr"}
DATES = st.dates(min_value=date(2025, 1, 1), max_value=date(2026, 12, 31))


@st.composite
def consignments(draw, value_max=50_000):
    economy = draw(st.sampled_from(ECONOMIES))
    currency = draw(st.sampled_from(["USD", "JPY", rules.get(economy).currency]))
    q = currencies.quantum(currency)
    n = draw(st.integers(1, 3))
    items = []
    for _ in range(n):
        code = draw(st.sampled_from(LINES.get(economy, DEFAULT_LINES)))
        value = Decimal(draw(st.integers(1, value_max * 100))) * Decimal("0.01")
        items.append({"hs_code": code, "unit": UNITS.get(code, "u"),
                      "quantity": str(draw(st.integers(1, 500))),
                      "value": str(value.quantize(q) if value.quantize(q) > 0 else q)})
    extra = {}
    if draw(st.booleans()):
        extra = {"incoterm": "CIF", "freight": "0", "insurance": "0"}
    if draw(st.booleans()):  # the law's own inputs: JP's personal-use valuation, CA's HST by province
        extra.update(personal_use=True, destination_region=draw(st.sampled_from(["ON", "NS", "QC"])))
    if draw(st.booleans()):  # CA's CUSMA thresholds for courier shipments from the US or Mexico
        extra.update(transport={"mode": "air", "courier": True},
                     exporter={"name": "Shop", "country": draw(st.sampled_from(["US", "MX", "CN"]))})
    on = draw(DATES)
    if economy == "JP":  # the demo JP orange rates are seasonal from 2024-12-01
        on = max(on, date(2025, 1, 1))
    return decl(economy, items, currency, **extra), on


def _rounding(line) -> bool:
    """A line showing where a law rounds a total down (item 0, not a fee): its amount is negative."""
    return line.item == 0 and line.kind != "fee"


def _schedule_fees(a):
    """The fees of the schedule (a levy per low-value consignment, NZ from 2026-04-01, stops above NZD 1,000 where
    the high-value levy, not loaded, takes over: the total still does not decrease)."""
    return sum((x.amount for x in a.lines if x.kind == "fee" and x.tariff_line is not None), 0)


def _amounts(a):
    return [a.duty, a.excise, a.tax, a.fees, a.total_due] + [x.amount for x in a.lines if not _rounding(x)] + \
        [x.base for x in a.lines]


@settings(max_examples=150, deadline=None)
@given(consignments())
def test_amounts_are_never_negative_and_never_more_precise_than_the_currency(case):
    d, on = case
    a = assess(d, on=on)
    q = currencies.quantum(a.currency)
    for amount in _amounts(a):
        assert amount >= 0
        assert amount == amount.quantize(q)
    assert a.total_due == a.duty + a.excise + a.tax + a.fees
    r = rules.get(a.economy)
    for x in filter(_rounding, a.lines):  # less than one step of the law's rounding
        step = (r.rounding_duty if x.kind == "duty" else r.rounding_tax).total_step
        assert 0 < -x.amount < step * q


@settings(max_examples=150, deadline=None)
@given(consignments(), st.integers(1, 1_000_000))
def test_amounts_do_not_decrease_when_the_value_grows(case, extra_cents):
    d, on = case
    q = currencies.quantum(d.currency)
    bigger = d.model_copy(deep=True)
    bigger.items[0].value = (bigger.items[0].value + Decimal(extra_cents) * Decimal("0.01")).quantize(q)
    a, b = assess(d, on=on), assess(bigger, on=on)
    assert b.duty >= a.duty and b.tax >= a.tax and b.excise >= a.excise and _schedule_fees(b) >= _schedule_fees(a)
    assert b.total_due >= a.total_due


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(["AU", "NZ", "JP"]), st.integers(1, 100_000), DATES,
       st.sampled_from(["851713", "300241", "382219", "080510"]))
def test_nothing_is_due_at_or_below_the_thresholds(economy, fraction_bp, on, code):
    r = rules.get(economy)
    threshold = r.regime(on).duty_threshold
    value = (threshold * fraction_bp / 100_000).quantize(currencies.quantum(r.currency))
    if value <= 0:
        return
    a = assess(decl(economy, [{"hs_code": code, "value": str(value), "unit": "kg"}], r.currency,
                    incoterm="CIF", freight="0", insurance="0"), on=on)
    # only a levy charged per consignment whatever is due (NZ low-value goods levy from 2026-04-01) remains
    levies = sum(x.amount for x in a.lines if x.kind == "fee")
    assert a.duty == a.excise == a.tax == 0 and a.total_due == levies == sum(
        x.amount for x in r.levies if x.in_force(on) and "air" in x.modes)
    assert a.de_minimis["duty_waived"] and a.de_minimis["tax_waived"]
