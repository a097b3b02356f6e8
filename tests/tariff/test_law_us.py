"""United States: the merchandise processing fee (formal entries 0.3464% with the fiscal year's minimum and maximum,
informal entries a fixed fee), not charged on goods originating under the free trade agreements of 19 CFR 24.23(c)
when the preference is claimed; and de minimis lost by goods of China and Hong Kong on 2025-05-02."""

from datetime import date
from decimal import Decimal as D

import pytest

from clearway.tariff import schedule
from tests.tariff.helpers import assess, bulk_rows, decl, lines

ON = date(2026, 11, 28)
PROOF = {"documents": [{"type": "certificate_of_origin", "reference": "USMCA-1"}]}


def _tees(value: str, origin: str = "MX", preference: str | None = "USMCA", **extra):
    item = {"hs_code": "610910", "quantity": "100", "value": value, "origin": origin}
    if preference:
        item["preference"] = preference
    return decl("US", [item], "USD", **extra)


@pytest.mark.parametrize("value,on,fee", [
    # 19 CFR 24.23(b)(1)(i): 0.3464% ad valorem, at least the minimum, at most the maximum of the fiscal year
    # (FY2026 from 2025-10-01: USD 33.58 and 651.50, CBP Dec. 25-10, 90 FR 34665; FY2025: 32.71 and 634.62).
    ("10000.00", ON, "34.64"), ("5000.00", ON, "33.58"), ("200000.00", ON, "651.50"),
    ("200000.00", date(2025, 9, 30), "634.62"),
    # 19 CFR 24.23(b)(2)(i): an informal entry (USD 2,500 or less, 19 CFR 143.21), automated and not prepared by
    # CBP: USD 2.69 in FY2026 (CBP Dec. 25-10), 2.62 in FY2025 (CSMS 61620300).
    ("2500.00", ON, "2.69"), ("100.00", ON, "2.69"), ("2500.00", date(2025, 9, 30), "2.62"),
    ("2500.01", ON, "33.58"),
])
def test_merchandise_processing_fee_formal_and_informal(value, on, fee):
    a = assess(_tees(value, origin="VN", preference=None), on=on)
    assert a.fees == D(fee)


def test_usmca_originating_goods_claimed_with_proof_pay_no_fee():
    # 19 CFR 24.23(c): the fee is not charged on goods originating in Mexico or Canada under USMCA when the
    # preference is claimed (CBP's MPF and preferential trade programme table; the 2007 rule: even unconditionally
    # free goods must carry the claim). Duty free and no MPF; without proof the preference and the exemption fall.
    claimed = assess(_tees("10000.00", **PROOF))
    assert (claimed.duty, claimed.fees, claimed.total_due) == (D("0.00"), D("0.00"), D("0.00"))
    fee = lines(claimed, "fee")
    assert all("24.23(c)" in x.decision for x in fee) and fee[0].base == 0
    unproved = assess(_tees("10000.00"))
    assert (unproved.duty, unproved.fees) == (D("1650.00"), D("34.64"))
    informal = assess(_tees("800.00", **PROOF))
    assert informal.fees == 0  # the informal-entry fee falls too (19 USC 58c(a)(10))


def test_a_mixed_entry_pays_the_fee_on_the_goods_that_are_not_exempt():
    # USD 10,000 of USMCA T-shirts (exempt) and USD 20,000 of Vietnamese ones: 0.3464% of 20,000 = 69.28.
    d = decl("US", [{"hs_code": "610910", "quantity": "100", "value": "10000.00", "origin": "MX",
                     "preference": "USMCA"},
                    {"hs_code": "610910", "quantity": "100", "value": "20000.00", "origin": "VN"}], "USD", **PROOF)
    a = assess(d)
    assert (a.duty, a.fees) == (D("3300.00"), D("69.28"))
    assert lines(a, "fee")[0].base == D("20000.00")


def test_agreements_outside_24_23_c_still_pay_the_fee():
    # The US-Japan Trade Agreement is not among the exemptions of 19 CFR 24.23(c).
    sched = schedule.parse_document({"economy": "US", "currency": "USD", "measures": [
        {"code": "610910", "type": "mfn", "rate": "16.5%"},
        {"code": "610910", "type": "preference", "rate": "Free", "agreement": "US-JP TA", "origins": ["JP"]},
        {"code": "*", "type": "fee", "rate": "max(min(0.3464%, 651.50 USD/entry), 33.58 USD/entry)",
         "min_value": "2500"}]})
    a = assess(_tees("10000.00", origin="JP", preference="US-JP TA", **PROOF), sched=sched)
    assert (a.duty, a.fees) == (D("0.00"), D("34.64"))


@pytest.mark.parametrize("origin,on,waived", [
    ("CN", date(2025, 5, 1), True), ("CN", date(2025, 5, 2), False),  # Executive Order 14256: from 2025-05-02
    ("HK", date(2025, 5, 2), False),
    ("VN", date(2025, 5, 2), True), ("VN", date(2025, 8, 28), True),  # everyone else until 2025-08-28
    ("VN", date(2025, 8, 29), False),
])
def test_china_and_hong_kong_lost_de_minimis_before_everyone_else(origin, on, waived):
    # USD 40 of T-shirts (16.5%): under de minimis no duty and no fee; without it 6.60 duty and the informal fee.
    a = assess(_tees("40.00", origin=origin, preference=None, exporter={"name": "Shop", "country": origin}), on=on)
    assert a.de_minimis["duty_waived"] is waived
    assert (a.duty, a.fees) == ((D("0.00"), D("0.00")) if waived else (D("6.60"), D("2.62")))



def test_it_is_the_goods_origin_that_counts_not_the_shippers_country():
    # The order takes de minimis from products of China and Hong Kong: Chinese goods sent by a US shop lose it,
    # Vietnamese goods sent from Hong Kong keep it (until 2025-08-28).
    on = date(2025, 5, 2)
    cn_goods = assess(_tees("40.00", origin="CN", preference=None, exporter={"name": "Shop", "country": "US"}), on=on)
    vn_goods = assess(_tees("40.00", origin="VN", preference=None, exporter={"name": "Shop", "country": "HK"}), on=on)
    assert (cn_goods.de_minimis["duty_waived"], cn_goods.duty) == (False, D("6.60"))
    assert (vn_goods.de_minimis["duty_waived"], vn_goods.duty) == (True, D("0.00"))

def test_the_bulk_path_applies_the_same_law():
    tee = {"hs_code": "610910", "currency": "USD", "quantity": "2", "value": "40.00"}
    rows = bulk_rows("US", [{**tee, "parcel": "cn", "origin": "CN", "sender": {"name": "S", "country": "US"}},
                            {**tee, "parcel": "vn", "origin": "VN", "sender": {"name": "S", "country": "HK"}}],
                     on=date(2025, 5, 2))
    assert (rows["cn"]["duty"], rows["cn"]["fees"]) == ("6.60", "2.62")
    assert (rows["vn"]["duty"], rows["vn"]["fees"]) == ("0.00", "0.00")
