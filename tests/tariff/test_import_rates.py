"""Every rate form seen in the five publications, turned into duty expressions (pure, no files needed).

Each row is a real cell: economy, the line it comes from, the text as published. Sources (see
/work/shared/data/tariffs/full/*/SOURCE.md): JP Japan Customs 実行関税率表 2026-07-09 (qlitre/japan-tariff-mcp
src/tariffdata); US USITC HTS 2025 CSV (Oneusg/Customs htsdata.csv); NZ NZ Customs Tariff_Rates_May2021_v1.xlsx
(suestreet/NZ-Tariff); AU ABF Working Tariff Schedule 3 (networkneedsau/australian-tariff-classification);
CL Arancel Aduanero 2022 (xofengine/definitiva)."""

from datetime import date

import pytest

from clearway.tariff.importers import australia, japan
from clearway.tariff.importers.rates import RateError, au_rate, cl_rate, jp_bound, jp_rate, nz_rate, us_rate, us_special

JP = [  # (line, column, published, expression)
    ("0101.21-100", "基本", "無税", "Free"),
    ("1512.21-010", "WTO協定", "免税", "Free"),
    ("0103.91-000", "基本", "10%", "10%"),
    ("0203.11-020", "暫定", "361円/kg", "361 JPY/kg"),
    ("0101.21-290", "基本", "4,000,000円/頭", "4000000 JPY/item"),
    ("0101.21-290", "EPA_豪州 (amount)", "170万円/頭", "1700000 JPY/item"),
    ("2203.00-000", "基本", "6.40円/l", "6.4 JPY/l"),
    ("2710.12-131", "基本", "934円/kl", "0.934 JPY/l"),
    ("2711.14-010", "基本", "930円/MT", "0.93 JPY/kg"),
    ("1212.21-100", "基本", "1.50円/枚", "1.5 JPY/item"),
    ("9608.10-090", "基本", "6%又は1.51円/本のうちいずれか高い税率", "max(6%, 1.51 JPY/item)"),
    ("2402.20-000", "基本", "(8.5%＋290.70円/1,000本)", "8.5% + 0.2907 JPY/item"),
    ("0401.10", "基本", "25%＋63円/kg", "25% + 63 JPY/kg"),
    ("0402.10-212", "暫定", "26%+130円/kg", "26% + 130 JPY/kg"),
    ("0408.19-000", "基本", "25%又は60円/kgのうちいずれか高い税率", "max(25%, 60 JPY/kg)"),
    ("2836.20-100", "EPA_RCEP_アセアン豪州NZ", "2.5%又は0.76円/kgのうちいずれか低い税率", "min(2.5%, 0.76 JPY/kg)"),
    ("5208.11", "基本", "5.6%又は4.4%＋1.52円/㎡のうちいずれか高い税率", "max(5.6%, 4.4% + 1.52 JPY/sqm)"),
    ("6403.20", "基本", "60%又は4,800円/足のうちいずれか高い税率", "max(60%, 4800 JPY/pair)"),
    ("2204.21-020", "基本", "21.3%又は156.80円/lのうちいずれか低い税率\nただしその税率が93円/lを下回る場合は93円/l",
     "max(min(21.3%, 156.8 JPY/l), 93 JPY/l)"),
    ("2009.61-190", "EPA_アセアン", "9.3%又は7.19円/kgのうちいずれか高い税率（ただしその税率が50%を上回る場合は50%とする）",
     "min(max(9.3%, 7.19 JPY/kg), 50%)"),
    ("1806.10-110", "暫定", "※17.7%", "17.7%"),
    ("0402.10-211", "暫定", "◎無税", "Free"),
    ("0402.10-212", "WTO協定", "*396円/kg", "396 JPY/kg"),
    ("2207.10-191", "EPA_CPTPP", "1.8% ◆4", "1.8%"),
    ("2005.40-191", "暫定", "※1％", "1%"),
]

JP_REFUSED = [  # (line, column, published, words in the reason)
    ("0203.11-031", "暫定", "1キログラムにつき枝肉に係る基準輸入価格と課税価格との差額", "gate-price"),
    ("0703.10-012", "基本", "(73.70円−課税価格)/kg", "customs value"),
    ("0302.99-999", "EPA_アセアン", "●無税〜3.5%", "range"),
    ("0302.99-999", "EPA_シンガポール", "●無税又は非譲許", "not conceded"),
    ("0201.30-010", "EPA_メキシコ", "関税割当数量以内のもの\u300030.8%", "condition"),
    ("1605.51-110", "EPA_アセアン", "気密容器入りのもの\u30005%\nその他のもの\u3000無税", "condition"),
    ("0406.10-090", "EPA_日米貿易協定", "◆11", "not a rate"),
]

US = [  # (subheading, published General or Special rate, expression)
    ("0101.21.00", "Free", "Free"),
    ("0101.30.00.00", "6.80%", "6.8%"),
    ("0102.29.40", "1¢/kg", "0.01 USD/kg"),
    ("0402.99.90.00", "46.3¢/kg + 14.9%", "0.463 USD/kg + 14.9%"),
    ("1704.90.58.00", "40¢/kg +10.4%", "0.4 USD/kg + 10.4%"),
    ("0401.50.75.00", "$1.646/kg", "1.646 USD/kg"),
    ("0105.11.00", "0.9¢ each", "0.009 USD/item"),
    ("8201.50.00.00", "1¢ each + 2.8%", "0.01 USD/item + 2.8%"),
    ("9108.90.50.00", "$2.16 each", "2.16 USD/item"),
    ("0401.10.00.00", "0.34¢/liter", "0.0034 USD/l"),
    ("2009.21.20.00", "4.5¢/ liter", "0.045 USD/l"),
    ("2709.00.10.00", "5.25¢/bbl", "0.0525 USD/bbl"),
    ("6402.19.50", "76¢/pr. + 32%", "0.76 USD/pair + 32%"),
    ("0806.10.20", "$1.13/m3", "1.13 USD/cbm"),
    ("7005.29.08", "18.7¢/m2", "0.187 USD/sqm"),
    ("0407.11.00.00", "2.8¢/doz.", "0.028 USD/doz"),
    ("4421.91.80", "6.5¢/gross", "0.065 USD/gross"),
    ("0104.20.00.00", "68¢/head", "0.68 USD/item"),
    ("1212.93.00.00", "$1.24/t", "0.00124 USD/kg"),
    ("0601.10.15.00", "89.6¢/1000", "0.000896 USD/item"),
    ("2207.10.30.00", "18.9¢/pf.liter", "0.189 USD/pfl"),
    ("2204.30.00.00", "4.4¢/liter + 31.4¢/pf. liter", "0.044 USD/l + 0.314 USD/pfl"),
    ("6505.00.08.00", "13.5¢/kg + 6.3% + 1.9¢/article", "0.135 USD/kg + 6.3% + 0.019 USD/item"),
]

US_REFUSED = [
    ("0711.20.18.00", "3.7¢/kg on drained weight"),
    ("1701.12.05.00", "3.6606¢/kg less 0.020668¢/kg for each degree under 100 degrees (and fractions of a degree in "
                      "proportion) but not less than 3.143854¢/kg"),
    ("9102.11.10", "44¢ each + 6% on the case + 14% on the strap, band or bracelet + 5.3% on the battery"),
    ("6103.22.00", "The rate applicable to each garment in the ensemble if separately entered"),
]


@pytest.mark.parametrize(("line", "column", "text", "expr"), JP, ids=[f"{r[0]}-{r[1]}" for r in JP])
def test_japan_rate_forms(line, column, text, expr):
    assert jp_rate(text) == expr


@pytest.mark.parametrize(("line", "column", "text", "why"), JP_REFUSED, ids=[r[0] + r[1] for r in JP_REFUSED])
def test_japan_refuses_what_it_cannot_state(line, column, text, why):
    with pytest.raises(RateError, match=why):
        jp_rate(text)


def test_japan_parentheses_mean_bound_not_applied():
    assert jp_bound("(無税)") and jp_bound("(361円/kg)") and jp_bound("*(55円/kg)") and jp_bound("(3%)〜(6%)")
    assert not jp_bound("3.9%") and not jp_bound("●21%〜29.8%+1,159円/kg")


def test_japan_applied_rate_rule_on_real_lines():
    """0810.50-000 (kiwifruit): general 8%, WTO 6.4% -> the lower, 6.4%. 0203.11-020 (pork): temporary 361円/kg
    wins over general (5%). 0101.21-100: WTO (無税) in parentheses is bound -> general. 6403.20-012: both
    compound -> min() of the two for the calculator. 2710.12-131: WTO (3,033円/kl) bound -> general 934円/kl."""
    assert japan.applied({"基本": "8%", "暫定": "", "WTO協定": "6.4%"}) == (
        "6.4%", "lower of general (基本) and WTO (WTO協定) rates")
    assert japan.applied({"基本": "(5%)", "暫定": "361円/kg", "WTO協定": "(361円/kg)"})[0] == "361 JPY/kg"
    assert japan.applied({"基本": "無税", "暫定": "", "WTO協定": "(無税)"}) == ("Free", "general rate (基本)")
    assert japan.applied({"基本": "60%又は4,800円/足のうちいずれか高い税率", "暫定": "",
                          "WTO協定": "30%又は4,300円/足のうちいずれか高い税率"})[0] == \
        "min(max(60%, 4800 JPY/pair), max(30%, 4300 JPY/pair))"
    assert japan.applied({"基本": "934円/kl", "暫定": "", "WTO協定": "(3,033円/kl)"})[0] == "0.934 JPY/l"
    assert japan.applied({"基本": "4,000,000円/頭", "WTO協定": "3,400,000円/頭"})[0] == "3400000 JPY/item"
    with pytest.raises(RateError, match="bound"):
        japan.applied({"基本": "", "暫定": "", "WTO協定": "(10%)"})


@pytest.mark.parametrize(("line", "text", "expr"), US, ids=[r[0] for r in US])
def test_us_rate_forms(line, text, expr):
    assert us_rate(text) == expr


@pytest.mark.parametrize(("line", "text"), US_REFUSED, ids=[r[0] for r in US_REFUSED])
def test_us_refuses_rates_on_parts_or_contents(line, text):
    with pytest.raises(RateError, match="not a rate this importer reads"):
        us_rate(text)


def test_us_special_column_segments():
    # 0603.12.70.00 and 0406.10.18.00 of the HTS 2025 CSV
    assert us_special("Free (A,AU,BH,CL,CO,D,E,IL,JO,KR,MA,OM,P,PA,PE,S,SG) 3.2% (JP)") == [
        ("Free", ["A", "AU", "BH", "CL", "CO", "D", "E", "IL", "JO", "KR", "MA", "OM", "P", "PA", "PE", "S", "SG"]),
        ("3.2%", ["JP"])]
    got = us_special("Free (BH,CL,JO,MA,OM,P,PE,SG) 15.1¢/kg (KR) See 9822.04.40 (AU) See 9823.04.01-9823.04.54 (S+)")
    assert got[1] == ("15.1¢/kg", ["KR"]) and got[2] == ("See 9822.04.40", ["AU"])
    assert us_special("Free(A, AU, BH,CL, CO)")[0][1] == ["A", "AU", "BH", "CL", "CO"]  # 2903.42.10.00


@pytest.mark.parametrize(("text", "expr"), [("Free", "Free"), ("5%", "5%"), ("10%", "10%"),
                                            ("50c/l al", "0.5 NZD/lpa"), ("$1.87/kg", "1.87 NZD/kg")])
def test_new_zealand_rate_forms(text, expr):
    """NML/preference cells of Tariff_Rates_May2021_v1.xlsx (2208.50.06 CA '50c/l al'; 6309.00.01 '$1.87/kg')."""
    assert nz_rate(text) == expr


def test_new_zealand_parts_is_refused_not_zero():
    with pytest.raises(RateError, match="Parts"):
        nz_rate("Parts")  # 4016.99.79, listed on the PARTS sheet


def test_australia_duty_strings():
    """dutyRate strings of tariff-schedule3.json: 0709.52.00, 1514.11.00, 2707.10.00*, 2204.10.83, 9504.50.90."""
    assert australia.components("5% DCS4% DCT5%") == ("5%", [("DCS", "4%"), ("DCT", "5%")])
    assert australia.components("5% DCS4% CAFree DCT5%") == ("5%", [("DCS", "4%"), ("CA", "Free"), ("DCT", "5%")])
    assert australia.components("$0.526/L NZ/PG/FI/DC/LDC/SG $0.526/L") == (
        "$0.526/L", [("NZ/PG/FI/DC/LDC/SG", "$0.526/L")])
    assert au_rate("5%, and $107.99/L of alcohol") == "5% + 107.99 AUD/lpa"
    assert au_rate("$1.52829/stick") == "1.52829 AUD/item"
    assert au_rate("Free\u200b") == "Free"
    assert australia.stages("5% From1July2018 3.75% From1July2019 Free") == [
        (None, "5%"), (date(2018, 7, 1), "3.75%"), (date(2019, 7, 1), "Free")]
    assert australia.stages("From1January2017 3.75% From 1 July 2017 2.5%") == [  # 8486.20.40: no rate before
        (date(2017, 1, 1), "3.75%"), (date(2017, 7, 1), "2.5%")]
    with pytest.raises(RateError, match="measured content"):
        au_rate("$10.57/L of alcohol, calculated on that alcohol content by which the percentage by volume of "
                "alcohol of the goods exceeds 1.15")  # 2203.00.63


@pytest.mark.parametrize(("value", "expr"), [("6", "6%"), (6, "6%"), ("L", "Free"), ("0", "Free"), ("15", "15%")])
def test_chile_ad_valorem(value, expr):
    """Column5 of the Arancel 2022 JSON: '6' as text or int, 'L' (liberado), '0'."""
    assert cl_rate(value) == expr


def test_chile_empty_rate_is_refused():
    with pytest.raises(RateError, match="no rate"):
        cl_rate(None)


def test_units_of_the_publications_are_declared_by_their_un_ece_codes():
    from clearway.tariff import expressions

    assert [expressions.unit_of(u) for u in ("MTK", "m2", "MTQ", "DZN", "GRO", "BLL", "LPA", "pfl")] == [
        "sqm", "sqm", "cbm", "doz", "gross", "bbl", "lpa", "pfl"]
