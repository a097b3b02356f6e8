"""New Zealand's arithmetic as NZ Customs publishes it: GST still due on the duty when the supplier collected
GST on the goods, the NZD 1,000 threshold from 2019-12-01 (before it: the NZD 60 revenue waiver on the amount
payable), and the Import Entry Transaction Fee and Biosecurity System Entry Levy on import declarations.
Sources are cited beside each test; each assertion failed on the code before these rules."""

from datetime import date
from decimal import Decimal as D

from clearway.tariff import schedule
from tests.tariff.helpers import assess, decl, lines
from tests.tariff.parcel_pair import amounts, single_amounts, single_and_bulk

FIVE_PERCENT = schedule.parse_document({"economy": "NZ", "currency": "NZD", "measures": [
    {"code": "610910", "type": "mfn", "rate": "5%"}, {"code": "851713", "type": "mfn", "rate": "Free"}]})
BEFORE = date(2018, 6, 1)  # before the NZD 1,000 threshold (2019-12-01) and before the fees loaded (2023-07-01)
AUG_2025 = date(2025, 8, 1)


def test_customs_worked_examples_gst_on_value_freight_and_duty():
    # NZ Customs, "Examples of how to calculate Customs Charges" (OIA response, fyi.org.nz/request/657):
    # Example 1: goods 1,000 + insurance and freight 100 -> GST 15% of 1,100 = 165.00.
    # Example 2: duty 5% of 1,000 = 50.00; GST 15% of 1,150 = 172.50.
    gst_only = assess(decl("NZ", [{"hs_code": "851713", "value": "1000.00"}], "NZD", incoterm="FOB",
                           freight="100.00", insurance="0"), on=BEFORE, sched=FIVE_PERCENT)
    assert (gst_only.duty, gst_only.tax) == (D("0"), D("165.00"))
    duty_gst = assess(decl("NZ", [{"hs_code": "610910", "value": "1000.00"}], "NZD", incoterm="FOB",
                           freight="100.00", insurance="0"), on=BEFORE, sched=FIVE_PERCENT)
    assert (duty_gst.duty, duty_gst.tax, duty_gst.total_due) == (D("50.00"), D("172.50"), D("222.50"))


def test_the_nzd_1000_threshold_starts_on_2019_12_01():
    # NZ Customs, New GST rules for low-value imported goods (12 July 2019): from 1 December 2019 consignments of
    # NZD 1,000 or less pay no duty, GST or fees at the border. The day before, NZD 500 of T-shirts paid duty
    # 10% = 50.00 and GST 15% of 550 = 82.50 (over the NZD 60 waiver).
    d = decl("NZ", [{"hs_code": "610910", "quantity": "20", "value": "500.00"}], "NZD")
    before, after = assess(d, on=date(2019, 11, 30)), assess(d, on=date(2019, 12, 1))
    assert (before.duty, before.tax, before.total_due) == (D("50.00"), D("82.50"), D("132.50"))
    assert after.total_due == 0 and after.de_minimis["duty_waived"]


def test_under_nzd_60_payable_is_not_collected_but_alcohol_is():
    # "Customs will have the discretion to not collect import duty and GST where the total revenue payable on any
    # one import shipment is less than $60 ... does not apply to alcohol or tobacco" (NZ Customs, from
    # 2010-10-01). NZD 300 of T-shirts: duty 30.00 + GST 49.50 = 79.50 is collected; NZD 200: duty 20.00 +
    # GST 33.00 = 53.00 is not.
    big = assess(decl("NZ", [{"hs_code": "610910", "value": "300.00"}], "NZD"), on=BEFORE)
    small = assess(decl("NZ", [{"hs_code": "610910", "value": "200.00"}], "NZD"), on=BEFORE)
    assert big.total_due == D("79.50")
    assert small.total_due == 0 and "below 60.00 NZD" in lines(small, "tax")[0].decision
    wine = assess(decl("NZ", [{"hs_code": "220421", "quantity": "1", "unit": "l", "value": "100.00"}], "NZD"),
                  on=BEFORE)
    assert wine.tax == D("15.00")  # free of duty, GST 15% collected although under NZD 60


def test_gst_on_the_duty_is_still_due_when_the_supplier_collected_gst():
    # NZ Customs (12 July 2019): "If GST on the value of the goods has already been collected at the point of sale
    # by the supplier GST will still be payable on any duty at the border." Consignment NZD 1,300 (over 1,000) of
    # low-value goods: duty 10% = 70.00 + 60.00 = 130.00; GST 15% of the duty = 10.50 + 9.00 = 19.50 (not 0,
    # not 214.50); the fee and levy of the import declaration: 53.44 + 46.40 = 99.84.
    items = [{"hs_code": "610910", "quantity": "10", "value": "700.00"},
             {"hs_code": "640411", "quantity": "5", "unit": "pr", "value": "600.00"}]
    plain = assess(decl("NZ", items, "NZD"), on=AUG_2025)
    vendor = assess(decl("NZ", items, "NZD", vendor_registration="GST-123-456-789"), on=AUG_2025)
    assert (plain.duty, plain.tax, plain.fees) == (D("130.00"), D("214.50"), D("99.84"))
    assert (vendor.duty, vendor.tax, vendor.fees, vendor.total_due) == (D("130.00"), D("19.50"), D("99.84"),
                                                                        D("249.34"))
    assert [x.base for x in lines(vendor, "tax")] == [D("70.00"), D("60.00")]
    assert "charged here only on the duty" in lines(vendor, "tax")[0].decision


def test_entry_fee_and_biosecurity_levy_by_date_and_only_over_nzd_1000():
    # NZ Customs Goods Clearance Fees: IETF 40.08 from 2024-07-01, 53.44 from 2025-07-01 to 2026-03-31 (incl. GST);
    # MPI BSEL 46.40 from 2023-07-01; charged on the import declaration that consignments over NZD 1,000 need.
    phones = decl("NZ", [{"hs_code": "851713", "quantity": "2", "value": "2000.00"}], "NZD")
    assert assess(phones, on=date(2024, 8, 1)).fees == D("86.48")
    assert assess(phones, on=AUG_2025).fees == D("99.84")
    one = decl("NZ", [{"hs_code": "851713", "quantity": "1", "value": "1000.00"}], "NZD")
    assert assess(one, on=AUG_2025).total_due == 0


def test_duty_free_vendor_goods_over_1000_pay_only_the_entry_charges():
    # Two phones of NZD 600 and 500 (each low-value goods, GST collected by the supplier) in one NZD 1,100
    # consignment: no duty, so no GST is left to collect; one NZD 1,100 phone is not low-value goods (over
    # NZD 1,000 itself, GST Act 1985 s 8(3)(c)) and pays GST 165.00 at the border.
    two = decl("NZ", [{"hs_code": "851713", "value": "600.00"}, {"hs_code": "851713", "value": "500.00"}], "NZD",
               vendor_registration="GST-1")
    one = decl("NZ", [{"hs_code": "851713", "value": "1100.00"}], "NZD", vendor_registration="GST-1")
    assert (assess(two, on=AUG_2025).tax, assess(two, on=AUG_2025).fees) == (D("0"), D("99.84"))
    assert assess(one, on=AUG_2025).tax == D("165.00")


def test_bulk_path_applies_the_same_nz_rules():
    # one parcel is one item: over NZD 1,000 it is not low-value goods, so the supplier's GST does not cover it
    for value, on, vendor, total in (("1300.00", AUG_2025, "GST-1", D("444.34")),  # 130 + 214.50 + 99.84
                                     ("200.00", BEFORE, None, D("0")),  # 53.00 payable: not collected
                                     ("300.00", BEFORE, None, D("79.50"))):
        row, single = single_and_bulk("NZ", {"hs_code": "610910", "value": value, "currency": "NZD",
                                             "vendor_registration": vendor}, on, {})
        assert amounts(row) == single_amounts(single) and single.total_due == total, (value, on, row)


def test_low_value_goods_levy_per_consignment_from_2026_04_01():
    # Customs and Excise (Goods Management Levies) Order 2025, in force 2026-04-01: NZD 2.21 + GST (2.54) per
    # low-value consignment by air, NZD 2.09 + GST (2.40) by sea, charged although no duty or GST is due
    # (gogondola.com 2026-03-16; ShipEngine: Customs 1.46 + MPI 0.75); not on the day before, not over NZD 1,000
    # (an import declaration, whose levy is not loaded), not on UPU mail (billed per kg to the postal operator).
    tee = [{"hs_code": "610910", "quantity": "2", "value": "200.00"}]
    assert assess(decl("NZ", tee, "NZD"), on=date(2026, 4, 1)).total_due == D("2.54")
    assert assess(decl("NZ", tee, "NZD", transport={"mode": "sea"}), on=date(2026, 4, 1)).total_due == D("2.40")
    assert assess(decl("NZ", tee, "NZD"), on=date(2026, 3, 31)).total_due == 0
    assert assess(decl("NZ", tee, "NZD", transport={"mode": "post"}), on=date(2026, 4, 1)).total_due == 0
    levy = lines(assess(decl("NZ", tee, "NZD"), on=date(2026, 4, 1)), "fee")[0]
    assert "Goods Management Levies" in levy.legal_basis and levy.rate == "2.54 NZD/consignment"
    row, single = single_and_bulk("NZ", {"hs_code": "610910", "value": "200.00", "currency": "NZD"},
                                  date(2026, 4, 1), {})
    assert amounts(row) == single_amounts(single) == (D("0"), D("0"), D("2.54"), D("2.54"))
