"""The rules of docs/tariff-law-b.md on random parcels: the bulk path and the per-declaration path give the
same amounts (NZ vendor GST and the NZD 60 waiver, CL platforms, RU single rate, ID and VN rates, MX courier
rates), never negative, never more precise than the currency."""

from datetime import date
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from clearway.reference import currencies
from clearway.tariff import schedule
from tests.tariff.parcel_pair import amounts, single_amounts, single_and_bulk


def _schedule(economy: str, currency: str):
    return schedule.parse_document({"economy": economy, "currency": currency, "measures": [
        {"code": "610910", "type": "mfn", "rate": "10%"}, {"code": "851713", "type": "mfn", "rate": "Free"},
        {"code": "220421", "type": "mfn", "rate": "5%"}]})


CASES = {  # economy: (schedule, local currency, rates, earliest date)
    "NZ": (schedule.builtin("NZ"), "NZD", {}, date(2018, 1, 1)),
    "CL": (_schedule("CL", "CLP"), "CLP", {"USD": Decimal("940"), "EUR": Decimal("1080.46")}, date(2025, 1, 1)),
    "RU": (_schedule("RU", "RUB"), "RUB", {"EUR": Decimal("98.75"), "USD": Decimal("91.2")}, date(2020, 1, 1)),
    "ID": (_schedule("ID", "IDR"), "IDR", {"USD": Decimal("16500")}, date(2024, 6, 1)),
    "VN": (_schedule("VN", "VND"), "VND", {"USD": Decimal("25400")}, date(2025, 3, 1)),
    "MX": (_schedule("MX", "MXN"), "MXN", {"USD": Decimal("18.5")}, date(2025, 8, 15)),
}


@st.composite
def parcels(draw):
    economy = draw(st.sampled_from(sorted(CASES)))
    sched, local, rates, earliest = CASES[economy]
    currency = draw(st.sampled_from([local, *rates]))
    places = currencies.minor_units(currency)
    value = Decimal(draw(st.integers(1, 5_000 * 10 ** places))).scaleb(-places)
    country = draw(st.sampled_from(["CN", "US", "CA"]))
    parcel = {"hs_code": draw(st.sampled_from(["610910", "851713", "220421"])), "value": format(value, "f"),
              "currency": currency, "sender_country": country, "origin": country,
              "weight_kg": format(Decimal(draw(st.integers(1, 60_000))).scaleb(-3), "f"),
              "vendor_registration": draw(st.sampled_from([None, "REG-1"])), "courier": "true"}
    parcel["unit"] = "l" if parcel["hs_code"] == "220421" else "u"
    on = draw(st.dates(min_value=earliest, max_value=date(2026, 12, 31)))
    return economy, parcel, on, rates, sched


@settings(max_examples=80, deadline=None)
@given(parcels())
def test_both_paths_agree_on_the_law_b_rules(case):
    economy, parcel, on, rates, sched = case
    row, single = single_and_bulk(economy, parcel, on, rates, sched, personal_use=True, courier=True)
    assert row["outcome"] == "assessed", row
    assert amounts(row) == single_amounts(single), (economy, parcel, on, row)
    q = currencies.quantum(single.currency)
    for amount in single_amounts(single):
        assert amount >= 0 and amount == amount.quantize(q)
