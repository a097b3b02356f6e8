"""Rates and dates: Indonesia's 12% VAT on 11/12 of the import value (effective 11%), Viet Nam's 8% VAT by
decree and its exclusions, and Korea's USD 200 threshold for goods from the United States, in force since
2014. Sources beside each test; each assertion failed on the code before these rules."""

from datetime import date
from decimal import Decimal as D

from clearway.tariff import schedule
from tests.tariff.helpers import assess, decl, lines
from tests.tariff.parcel_pair import amounts, single_amounts, single_and_bulk

ID = schedule.parse_document({"economy": "ID", "currency": "IDR", "measures": [
    {"code": "610910", "type": "mfn", "rate": "25%"}]})
VN = schedule.parse_document({"economy": "VN", "currency": "VND", "measures": [
    {"code": "610910", "type": "mfn", "rate": "20%"}, {"code": "220421", "type": "mfn", "rate": "50%"},
    {"code": "851713", "type": "mfn", "rate": "Free"}]})
KR = schedule.parse_document({"economy": "KR", "currency": "KRW", "measures": [
    {"code": "610910", "type": "mfn", "rate": "13%"}]})


def test_indonesia_12_percent_on_11_12_of_the_import_value_from_2025():
    # PMK 131/2024 art. 3, in force 2025-01-01: VAT 12% x (11/12 x import value) for goods other than luxury goods.
    # USD 100 at 16,000 IDR = 1,600,000; duty 25% = 400,000; import value 2,000,000; base 1,833,333.33;
    # VAT 220,000.00 (= 11% of 2,000,000; 12% of the whole value would be 240,000).
    d = decl("ID", [{"hs_code": "610910", "value": "100.00"}], "USD", office="IDJKT")
    a = assess(d, on=date(2025, 3, 1), rates={"USD": D("16000")}, sched=ID)
    assert (a.duty, a.tax) == (D("400000.00"), D("220000.00"))
    tax = lines(a, "tax")[0]
    assert tax.base == D("1833333.33") and tax.rate == "12% of 11/12 of the base (effective 11%)"
    assert "PMK 131/2024" in tax.legal_basis


def _vn(code: str, value: str, unit: str = "u"):
    return decl("VN", [{"hs_code": code, "value": value, "unit": unit, "quantity": "1"}], "VND", office="VNSGN")


def test_viet_nam_8_percent_from_decree_174_2025_but_not_on_excise_goods():
    # Decree 174/2025/ND-CP: 8% instead of 10% from 2025-07-01 to 2026-12-31, also at import, except goods subject
    # to special consumption tax (wine). T-shirts 10,000,000 VND: duty 20% = 2,000,000; VAT 8% of 12,000,000 =
    # 960,000. Wine 10,000,000: duty 50% = 5,000,000; VAT 10% of 15,000,000 = 1,500,000.
    tee, wine = _vn("610910", "10000000"), _vn("220421", "10000000", "l")
    assert assess(tee, on=date(2025, 8, 1), rates={}, sched=VN).tax == D("960000")
    assert lines(assess(tee, on=date(2025, 8, 1), rates={}, sched=VN), "tax")[0].rate == "8%"
    assert assess(wine, on=date(2025, 8, 1), rates={}, sched=VN).tax == D("1500000")
    assert assess(tee, on=date(2027, 1, 1), rates={}, sched=VN).tax == D("1200000")  # the decree has ended


def test_viet_nam_it_goods_kept_10_percent_under_decree_180_2024_only():
    # Decree 180/2024/ND-CP (2025-01-01 to 2025-06-30) excluded IT goods (App. III: phones); Decree 174/2025 does not.
    phone = _vn("851713", "10000000")
    assert assess(phone, on=date(2025, 3, 1), rates={}, sched=VN).tax == D("1000000")
    assert assess(phone, on=date(2025, 7, 1), rates={}, sched=VN).tax == D("800000")


def test_korea_usd_200_for_goods_from_the_us_long_before_2026():
    # Korea Customs Service via Yonhap/Korea Herald (2014-04-09): list clearance from July 2014 with a USD 200 cap
    # for goods bought from US websites under the KORUS FTA (USD 150 elsewhere today).
    d = decl("KR", [{"hs_code": "610910", "value": "190.00", "origin": "US"}], "USD", office="KRINC",
             exporter={"name": "Shop", "country": "US"})
    a = assess(d, on=date(2020, 6, 1), rates={"USD": D("1400")}, sched=KR)
    assert a.total_due == 0 and a.de_minimis["duty_threshold"] == D("280000")


def test_bulk_path_applies_the_same_rates():
    for economy, parcel, on, rates, sched in (
            ("ID", {"hs_code": "610910", "value": "100.00", "currency": "USD"}, date(2025, 3, 1),
             {"USD": D("16000")}, ID),
            ("VN", {"hs_code": "610910", "value": "10000000", "currency": "VND"}, date(2025, 8, 1), {}, VN),
            ("VN", {"hs_code": "851713", "value": "10000000", "currency": "VND"}, date(2025, 3, 1), {}, VN)):
        row, single = single_and_bulk(economy, parcel, on, rates, sched)
        assert amounts(row) == single_amounts(single), (economy, row)
        assert single.tax in (D("220000.00"), D("960000"), D("1000000"))


MX = schedule.parse_document({"economy": "MX", "currency": "MXN", "measures": [
    {"code": "610910", "type": "mfn", "rate": "35%"}]})
AUG_2025 = date(2025, 9, 1)


def _mx(value: str, country: str, courier: bool | None = True):
    return decl("MX", [{"hs_code": "610910", "value": value, "origin": country}], "USD", office="MXMEX",
                exporter={"name": "Shop", "country": country}, transport={"mode": "air", "courier": courier})


def test_mexico_courier_global_rates_from_2025_08_15():
    # RGCE 2025 rule 3.7.35 (DOF 2025-07-28, from 2025-08-15; AS Consulting Group 2025-10-01): courier imports up to
    # USD 2,500: 33.5% of the value in general; from the US or Canada: up to USD 50 free, USD 50.01-117 17%,
    # over USD 117 19%. At 18.50 MXN per USD: USD 100 from China = 1,850.00 MXN x 33.5% = 619.75.
    rates = {"USD": D("18.50")}
    cn = assess(_mx("100.00", "CN"), on=AUG_2025, rates=rates, sched=MX)
    assert (cn.duty, cn.tax, cn.total_due) == (D("619.75"), D("0"), D("619.75"))
    assert "global rate 33.5%" in lines(cn, "duty")[-1].rate
    assert assess(_mx("40.00", "US"), on=AUG_2025, rates=rates, sched=MX).total_due == 0
    assert assess(_mx("100.00", "US"), on=AUG_2025, rates=rates, sched=MX).total_due == D("314.50")  # 17%
    assert assess(_mx("200.00", "CA"), on=AUG_2025, rates=rates, sched=MX).total_due == D("703.00")  # 19% of 3,700
    # over USD 2,500, or not by courier: the duty (35% here) and 16% VAT as usual
    over = assess(_mx("3000.00", "CN"), on=AUG_2025, rates=rates, sched=MX)
    assert (over.duty, over.tax) == (D("19425.00"), D("11988.00"))  # 55,500 x 35%; 16% of 74,925
    assert assess(_mx("100.00", "CN", courier=None), on=AUG_2025, rates=rates, sched=MX).duty == D("647.50")


def test_bulk_path_applies_the_same_courier_rates():
    for country, value in (("CN", "100.00"), ("US", "40.00"), ("US", "100.00"), ("CN", "3000.00")):
        row, single = single_and_bulk("MX", {"hs_code": "610910", "value": value, "currency": "USD",
                                             "sender_country": country, "origin": country, "courier": "true"},
                                      AUG_2025, {"USD": D("18.50")}, MX, courier=True)
        assert amounts(row) == single_amounts(single), (country, value, row)
