"""Worked examples for each demo economy, checked by hand against the rules they cite
(see the comments: each states the arithmetic)."""

from datetime import date
from decimal import Decimal as D

import pytest

from clearway.errors import Invalid
from clearway.tariff import schedule
from tests.tariff.helpers import assess, decl, lines

ON = date(2026, 11, 28)


def test_us_oranges_specific_duty_per_kg():
    # HTSUS 0805.10.00: 1.9 cents/kg; 1,000 kg -> USD 19.00; no de minimis since 2025-08-29; no VAT; an informal
    # entry (USD 2,500 or less) pays the FY2026 informal-entry fee of USD 2.69 (CBP Dec. 25-10, 90 FR 34665).
    a = assess(decl("US", [{"hs_code": "080510", "quantity": "1000", "unit": "kg", "value": "850.00"}], "USD",
                    incoterm="FOB"))
    assert a.duty == D("19.00") and a.tax == 0 and a.fees == D("2.69") and a.total_due == D("21.69")
    assert lines(a, "duty")[0].rate == "0.019 USD/kg"


def test_us_oranges_by_net_weight_when_counted_in_cartons():
    a = assess(decl("US", [{"hs_code": "080510", "quantity": "50", "unit": "carton", "net_weight_kg": "500",
                            "value": "400.00"}], "USD"))
    assert a.duty == D("9.50")


def test_us_footwear_compound_rate():
    # 6404.11.80: 90 cents/pair + 20%; 10 pairs worth USD 100 -> 9.00 + 20.00
    a = assess(decl("US", [{"hs_code": "64041180", "quantity": "10", "unit": "pr", "value": "100.00"}], "USD"))
    assert a.duty == D("29.00")


def test_us_six_digit_code_split_into_national_lines_is_refused_with_the_lines():
    with pytest.raises(Invalid) as exc:
        assess(decl("US", [{"hs_code": "220421", "quantity": "9", "unit": "l", "value": "100.00"}], "USD"))
    assert exc.value.errors[0].path == "items[0].hs_code"
    assert "22042120" in exc.value.errors[0].reason and "22042150" in exc.value.errors[0].reason


def test_us_de_minimis_before_and_after_the_2025_suspension():
    # Goods of Viet Nam: de minimis until 2025-08-28 (no duty, no fee); goods of China lost it on 2025-05-02
    # (tests/tariff/test_law_us.py).
    d = decl("US", [{"hs_code": "610910", "quantity": "2", "value": "40.00", "origin": "VN"}], "USD")
    before = assess(d, on=date(2025, 8, 28))
    after = assess(d, on=date(2025, 8, 29))
    assert before.duty == 0 and before.fees == 0 and before.de_minimis["duty_waived"] is True
    assert after.duty == D("6.60") and after.fees == D("2.62")  # 16.5% of 40.00; FY2025 informal-entry fee


def test_japan_wine_lower_of_with_minimum_liquor_tax_and_truncation():
    # CIF 20,000 yen, 9 l: min(15% = 3,000, 125 x 9 = 1,125) = 1,125; minimum 67 x 9 = 603 -> 1,125;
    # duty total truncated to 100 yen -> 1,100. Liquor tax 100 yen/l x 9 = 900.
    # Consumption tax base 20,000 + 1,125 + 900 = 22,025 -> 22,000 (truncated to 1,000) x 7.8% = 1,716 -> 1,700;
    # local consumption tax 1,700 x 22/78 = 479 -> 400 (Customs Answer 1111's method): 2,100 in all, not the
    # 10% x 22,000 = 2,200 of a single rate.
    a = assess(decl("JP", [{"hs_code": "220421", "quantity": "9", "unit": "l", "value": "20000", "origin": "FR"}], "JPY"))
    assert (a.duty, a.excise, a.tax, a.total_due) == (D("1100"), D("900"), D("2100"), D("4100"))


def test_japan_oranges_seasonal_rate_and_reduced_consumption_tax():
    # 0805.10: 32% from 1 June to 30 November, 16% from 1 December to 31 May; food at 8%.
    d = decl("JP", [{"hs_code": "080510", "quantity": "100", "unit": "kg", "value": "50000"}], "JPY")
    june, december = assess(d, on=date(2026, 6, 15)), assess(d, on=date(2026, 12, 15))
    assert june.duty == D("16000") and december.duty == D("8000")
    # (50,000 + 8,000) x 6.24% = 3,619 -> 3,600; local 3,600 x 22/78 = 1,015 -> 1,000
    assert december.tax == D("4600")
    assert lines(december, "tax")[0].rate == "6.24%"


def test_japan_knitwear_is_excluded_from_the_10000_yen_exemption():
    tee = decl("JP", [{"hs_code": "610910", "quantity": "2", "value": "5000"}], "JPY")
    phone = decl("JP", [{"hs_code": "851713", "quantity": "1", "value": "5000"}], "JPY")
    assert assess(tee).duty == D("500")  # 10.9% of 5,000 = 545 -> truncated to 500
    assert assess(phone).total_due == 0


def test_australia_low_value_consignment_is_free_but_wine_never_benefits():
    tees = assess(decl("AU", [{"hs_code": "610910", "quantity": "10", "value": "800.00"}], "AUD"))
    assert tees.total_due == 0 and tees.de_minimis["duty_waived"] and tees.de_minimis["tax_waived"]
    wine = assess(decl("AU", [{"hs_code": "220421", "quantity": "9", "unit": "l", "value": "800.00"}], "AUD",
                       freight="50.00", insurance="10.00", incoterm="FOB"))
    # duty 5% of 800 = 40.00; WET 29% of (800 + 40 + 60) = 261.00; GST 10% of (800 + 40 + 261 + 60) = 116.10
    assert (wine.duty, wine.excise, wine.tax) == (D("40.00"), D("261.00"), D("116.10"))


def test_australia_vendor_collected_gst_is_not_charged_again():
    items = [{"hs_code": "610910", "quantity": "10", "value": "700.00"},
             {"hs_code": "640411", "quantity": "5", "unit": "pr", "value": "600.00"}]
    plain = assess(decl("AU", items, "AUD"))
    vendor = assess(decl("AU", items, "AUD", vendor_registration="ARN-123456789012"))
    assert plain.duty == vendor.duty == D("65.00")  # 5% of 1,300: the consignment is over AUD 1,000
    assert plain.tax == D("136.50") and vendor.tax == 0
    assert "registered vendor ARN-123456789012" in lines(vendor, "tax")[0].decision


def test_australia_preference_needs_origin_and_proof():
    item = [{"hs_code": "220421", "quantity": "90", "unit": "l", "value": "2000.00", "origin": "CN",
             "preference": "ChAFTA"}]
    without = assess(decl("AU", item, "AUD"))
    assert without.duty == D("100.00") and "no proof of origin" in lines(without, "duty")[0].decision
    proved = assess(decl("AU", item, "AUD", documents=[{"type": "certificate_of_origin", "reference": "CO-1"}]))
    assert proved.duty == 0 and lines(proved, "duty")[0].decision.startswith("preference ChAFTA applied")
    wrong = assess(decl("AU", [{**item[0], "origin": "FR"}], "AUD",
                        documents=[{"type": "certificate_of_origin", "reference": "CO-1"}]))
    assert wrong.duty == D("100.00") and "does not qualify" in lines(wrong, "duty")[0].decision


def test_new_zealand_gst_base_adds_freight_and_insurance():
    # FOB 2,000 NZD; duty 10% = 200; GST 15% of (2,000 + 200 + 100 + 10) = 346.50
    a = assess(decl("NZ", [{"hs_code": "610910", "quantity": "100", "value": "2000.00"}], "NZD",
                    incoterm="FOB", freight="100.00", insurance="10.00"))
    assert (a.customs_value, a.duty, a.tax) == (D("2000.00"), D("200.00"), D("346.50"))


def test_canada_wine_specific_duty_excise_and_gst():
    # 12 l: duty 0.0187 x 12 = 0.2244 -> 0.22; excise 0.730 x 12 = 8.76; GST 5% of 208.98 = 10.449 -> 10.45
    a = assess(decl("CA", [{"hs_code": "220421", "quantity": "12", "unit": "l", "value": "200.00", "origin": "FR"}], "CAD"))
    assert (a.duty, a.excise, a.tax) == (D("0.22"), D("8.76"), D("10.45"))


def test_canada_cif_invoice_is_brought_back_to_fob():
    a = assess(decl("CA", [{"hs_code": "610910", "quantity": "100", "value": "1100.00"}], "CAD",
                    incoterm="CIF", freight="90.00", insurance="10.00"))
    assert a.customs_value == D("1000.00") and a.duty == D("180.00") and a.tax == D("59.00")


def test_thailand_cif_value_and_vat_from_the_first_baht():
    # CIF 10,000 + 500 + 50 = 10,550; duty 30% = 3,165.00; VAT 7% of 13,715 = 960.05
    a = assess(decl("TH", [{"hs_code": "610910", "quantity": "100", "value": "10000.00"}], "THB",
                    incoterm="FOB", freight="500.00", insurance="50.00"))
    assert (a.customs_value, a.duty, a.tax) == (D("10550.00"), D("3165.00"), D("960.05"))


def test_thailand_fob_without_freight_is_refused():
    with pytest.raises(Invalid) as exc:
        assess(decl("TH", [{"hs_code": "610910", "value": "100.00"}], "THB", incoterm="FOB"))
    assert exc.value.errors[0].path == "freight"


def test_korea_guide_example_whole_value_taxed_over_the_us_threshold():
    # bal.pe.kr: USD 250 from the US, duty 6.5%, VAT 10% on the duty-inclusive value (at 1,400 KRW/USD):
    # duty 16.25 USD = 22,750 KRW; VAT 26.625 USD = 37,275 KRW.
    kr = schedule.parse_document({"economy": "KR", "currency": "KRW", "measures": [
        {"code": "610910", "type": "mfn", "rate": "6.5%"}]})
    d = decl("KR", [{"hs_code": "610910", "value": "250.00", "origin": "US"}], "USD",
             exporter={"name": "Shop", "country": "US"})
    a = assess(d, sched=kr, rates={"USD": D("1400")})
    assert (a.duty, a.tax) == (D("22750"), D("37275"))
    small = assess(decl("KR", [{"hs_code": "610910", "value": "190.00", "origin": "US"}], "USD",
                        exporter={"name": "Shop", "country": "US"}), sched=kr, rates={"USD": D("1400")})
    assert small.total_due == 0  # under the USD 200 threshold for goods from the US


def test_no_exchange_rate_for_the_date_is_refused():
    with pytest.raises(Invalid) as exc:
        assess(decl("AU", [{"hs_code": "610910", "value": "100.00"}], "USD"), on=date(2024, 6, 1))
    assert exc.value.errors[0].path == "currency" and "2024-06-01" in exc.value.errors[0].reason


def test_missing_quantity_unit_for_a_specific_rate_is_refused():
    with pytest.raises(Invalid) as exc:
        assess(decl("US", [{"hs_code": "080510", "quantity": "3", "unit": "carton", "value": "100.00"}], "USD"))
    assert exc.value.errors[0].path == "items[0].quantity" and "per kg" in exc.value.errors[0].reason


def test_us_merchandise_processing_fee_on_formal_entries():
    # 0.3464% of 10,000 = 34.64 (between the FY2026 minimum 33.58 and maximum 651.50); 16.5% duty = 1,650.00
    a = assess(decl("US", [{"hs_code": "610910", "quantity": "500", "value": "10000.00"}], "USD"))
    assert (a.duty, a.fees, a.total_due) == (D("1650.00"), D("34.64"), D("1684.64"))
    small = assess(decl("US", [{"hs_code": "610910", "quantity": "5", "value": "3000.00"}], "USD"))
    assert small.fees == D("33.58")  # 10.39 -> the minimum
    huge = assess(decl("US", [{"hs_code": "851713", "quantity": "500", "value": "500000.00"}], "USD"))
    assert huge.fees == D("651.50") and huge.duty == 0  # the maximum
    informal = assess(decl("US", [{"hs_code": "610910", "quantity": "5", "value": "2500.00"}], "USD"))
    assert informal.fees == D("2.69")  # an informal entry: the fixed fee (19 CFR 24.23(b)(2)(i), FY2026)
    fy2025 = assess(decl("US", [{"hs_code": "610910", "quantity": "5", "value": "3000.00"}], "USD"),
                    on=date(2025, 9, 30))
    assert fy2025.fees == D("32.71")


def test_schedule_format_refuses_bad_measures_with_their_paths():
    with pytest.raises(Invalid) as exc:
        schedule.parse_document({"economy": "NZ", "currency": "NZD", "measures": [
            {"code": "610910", "type": "mfn", "rate": "10%", "valid_from": "2026-01-01"},
            {"code": "610910", "type": "mfn", "rate": "12%", "valid_from": "2026-06-01"},
            {"code": "6109", "type": "mfn", "rate": "5%"},
            {"code": "610910", "type": "mfn", "rate": "5 NZD/entry"},
            {"code": "610910", "type": "preference", "rate": "Free"},
            {"code": "610910", "type": "mfn", "rate": "5 USD/kg"}]})
    paths = {e.path for e in exc.value.errors}
    assert {"measures[2].code", "measures[3].rate", "measures[4].agreement", "measures[4].origins",
            "measures[5].rate"} <= paths
    with pytest.raises(Invalid) as exc:
        schedule.parse_document({"economy": "NZ", "measures": [
            {"code": "610910", "type": "mfn", "rate": "10%", "valid_from": "2026-01-01"},
            {"code": "610910", "type": "mfn", "rate": "12%", "valid_from": "2026-06-01"}]})
    assert "overlaps" in exc.value.errors[0].reason
