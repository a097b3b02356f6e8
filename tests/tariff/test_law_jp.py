"""Japan's arithmetic as Japan Customs writes it: consumption tax 7.8% (reduced 6.24%) plus local consumption tax of
22/78 of it, each truncated to 100 yen; customs value truncated to 1,000 yen per line; liquor tax truncated to
100 yen; personal-use goods valued at 60% of the retail price; the 10,000-yen exemption and what it leaves out."""

from datetime import date
from decimal import Decimal as D

from clearway.tariff import schedule
from tests.tariff.helpers import assess, bulk_rows, decl, lines

ON = date(2026, 11, 28)
# Two 14% lines, one of them food at the reduced rate, as in Japan Customs' example.
ANSWER_1111 = schedule.parse_document({"economy": "JP", "currency": "JPY", "measures": [
    {"code": "420221", "type": "mfn", "rate": "14%"},
    {"code": "160100", "type": "mfn", "rate": "14%"},
    {"code": "1601", "type": "vat", "rate": "6.24%"}]})


def test_customs_answer_1111_worked_example_to_the_yen():
    # Japan Customs, Customs Answer 1111 "Calculation Method of Amount of Tariff Duty, Consumption Tax, etc"
    # (https://www.customs.go.jp/english/c-answer_e/imtsukan/1111_e.htm):
    # A: CIF 534,795 yen, 14%, standard 7.8%: 534,000 x 0.14 = 74,760; (CIF + duty -> 609,000, the page prints
    #    the sum as 609,495) x 0.078 = 47,502; 47,500 x 22/78 = 13,397.
    # B: CIF 126,258 yen, 14%, reduced 6.24%: 126,000 x 0.14 = 17,640; 143,000 x 0.0624 = 8,923; 8,900 x 22/78 = 2,510.
    # Duty 74,760 + 17,640 = 92,400; consumption tax 47,502 + 8,923 = 56,425 -> 56,400;
    # local consumption tax 13,397 + 2,510 = 15,907 -> 15,900.
    d = decl("JP", [{"hs_code": "420221", "value": "534795"}, {"hs_code": "160100", "value": "126258"}], "JPY")
    a = assess(d, sched=ANSWER_1111)
    per_item = [x.amount for x in lines(a, "tax") if x.item > 0]
    assert [x.amount for x in lines(a, "duty")] == [D("74760"), D("17640")] and a.duty == D("92400")
    assert per_item == [D("47502"), D("13397"), D("8923"), D("2510")]
    assert [x.amount for x in lines(a, "tax") if x.item == 0] == [D("-25"), D("-7")]  # to 56,400 and 15,900
    assert a.tax == D("56400") + D("15900")
    assert a.total_due == D("92400") + D("56400") + D("15900")
    local = lines(a, "tax")[1]
    assert local.base == D("47500") and local.rate == "22/78 of the national tax"
    assert "Local Tax Act" in local.legal_basis and local.decision == "local consumption tax"


def test_consumption_tax_is_not_ten_percent_of_the_base():
    # The audit's case: one rate of 10% on 609,000 gives 60,900; the law gives 47,500 + 13,300 = 60,800.
    a = assess(decl("JP", [{"hs_code": "420221", "value": "534795"}], "JPY"), sched=ANSWER_1111)
    assert a.tax == D("60800")


def test_liquor_tax_total_is_truncated_to_100_yen():
    # 9.5 l of wine: liquor tax 100 yen/l = 950 -> 900 (Act on General Rules for National Taxes art. 119(1)).
    # The consumption tax base takes the liquor tax of the line (950): 20,000 + 1,187 + 950 = 22,137 -> 22,000.
    a = assess(decl("JP", [{"hs_code": "220421", "quantity": "9.5", "unit": "l", "value": "20000", "origin": "FR"}],
                    "JPY"))
    assert [x.amount for x in lines(a, "excise")] == [D("950"), D("-50")] and a.excise == D("900")
    assert (a.duty, a.tax) == (D("1100"), D("1700") + D("400"))


def test_personal_use_goods_are_valued_at_60_percent_of_the_retail_price():
    # Customs Answer 1405 (3) and Cabinet Order for Enforcement of the Customs Tariff Act art. 1-13: goods for the
    # importer's own use are valued on the overseas retail price x 0.6. Oranges (32% from June to November):
    # retail 50,000 yen -> customs value 30,000; duty 9,600; consumption tax (39,600 -> 39,000) x 6.24% = 2,433
    # -> 2,400; local 2,400 x 22/78 = 676 -> 600.
    item = [{"hs_code": "080510", "quantity": "10", "unit": "kg", "value": "50000"}]
    a = assess(decl("JP", item, "JPY", personal_use=True))
    assert (a.customs_value, a.duty, a.tax, a.total_due) == (D("30000"), D("9600"), D("3000"), D("12600"))
    assert "60% of the overseas retail price" in a.notes[0] and "art. 1-13" in a.notes[0]
    business = assess(decl("JP", item, "JPY"))
    assert business.customs_value == D("50000") and business.duty == D("16000")


def test_personal_use_brings_a_retail_price_under_the_10000_yen_exemption():
    # Retail 16,000 yen for personal use: customs value 9,600 <= 10,000: no duty, no consumption tax
    # (Customs Tariff Act art. 14(18); Customs Answer 1006). Bought for business the same oranges pay:
    # 16,000 x 32% = 5,120 -> 5,100; (21,120 -> 21,000) x 6.24% = 1,310 -> 1,300; 1,300 x 22/78 = 366 -> 300.
    item = [{"hs_code": "080510", "quantity": "2", "unit": "kg", "value": "16000"}]
    personal = assess(decl("JP", item, "JPY", personal_use=True))
    assert personal.total_due == 0 and personal.de_minimis["duty_waived"] and personal.de_minimis["tax_waived"]
    business = assess(decl("JP", item, "JPY"))
    assert (business.duty, business.tax, business.total_due) == (D("5100"), D("1600"), D("6700"))


def test_liquor_is_left_out_of_the_10000_yen_exemption_and_its_liquor_tax_is_never_exempt():
    # Customs Answer 1006: the exemption covers customs duty and consumption tax, never liquor or tobacco tax, and
    # not the goods the Cabinet Order (art. 16-3) designates, liquor among them. Wine, 9 l, CIF 8,000 yen:
    # duty min(1,200, 1,125) = 1,125 -> 1,100; liquor tax 900; (8,000 + 1,125 + 900 -> 10,000) x 7.8% = 780 -> 700;
    # 700 x 22/78 = 197 -> 100.
    wine = [{"hs_code": "220421", "quantity": "9", "unit": "l", "value": "8000", "origin": "FR"}]
    a = assess(decl("JP", wine, "JPY"))
    assert (a.duty, a.excise, a.tax, a.total_due) == (D("1100"), D("900"), D("800"), D("2800"))
    assert a.de_minimis["duty_waived"]  # the consignment is under 10,000 yen, yet wine never benefits
    assert "excluded from de minimis" in lines(a, "duty")[0].decision


def test_the_exemption_is_decided_on_the_total_customs_value_of_the_declaration():
    # Customs Answer 1006, criterion 1: the total customs value per declaration, not per item.
    two = [{"hs_code": "080510", "quantity": "1", "unit": "kg", "value": "6000"},
           {"hs_code": "080510", "quantity": "1", "unit": "kg", "value": "6000"}]
    assert assess(decl("JP", two, "JPY")).duty > 0
    assert assess(decl("JP", two[:1], "JPY")).total_due == 0


def test_the_bulk_path_applies_the_same_law():
    rows = bulk_rows("JP", [
        {"parcel": "personal", "hs_code": "080510", "value": "50000", "currency": "JPY", "origin": "US",
         "quantity": "10", "unit": "kg", "personal_use": "true"},
        {"parcel": "wine", "hs_code": "220421", "value": "20000", "currency": "JPY", "origin": "FR",
         "quantity": "9.5", "unit": "l"},
        {"parcel": "bad", "hs_code": "080510", "value": "50000", "currency": "JPY", "origin": "US",
         "quantity": "10", "unit": "kg", "personal_use": "perhaps"}])
    assert (rows["personal"]["customs_value"], rows["personal"]["duty"], rows["personal"]["tax"]) == \
        ("30000", "9600", "3000")
    assert (rows["wine"]["excise"], rows["wine"]["tax"]) == ("900", "2100")
    assert rows["bad"]["reason"] == "personal_use: true or false"
