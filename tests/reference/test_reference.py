from decimal import Decimal

import pytest

from clearway.reference import countries, currencies, economies
from clearway.reference.hs import nomenclature

APEC = "AU BN CA CL CN HK ID JP KR MY MX NZ PG PE PH RU SG TW TH US VN".split()


def test_the_21_apec_economies_with_iso_currencies():
    all_ = economies.all_economies()
    assert sorted(all_) == sorted(APEC)
    for e in all_.values():
        assert currencies.is_currency(e.currency), e
    assert all_["TW"].name == "Chinese Taipei" and all_["HK"].currency == "HKD"


@pytest.mark.parametrize("code", "AUSYD AUMEL NZAKL USLAX USJFK THLCH THBKK SGSIN JPTYO CNSHA KRPUS CAVAN".split())
def test_required_offices_exist_in_their_economy(code):
    office = economies.office(code)
    assert office is not None and office.economy == code[:2]


def test_every_economy_has_an_office():
    have = {o.economy for o in economies.all_offices().values()}
    assert have == set(APEC)


@pytest.mark.parametrize("cur,units,amount,rounded", [
    ("USD", 2, "10.005", "10.01"), ("JPY", 0, "1234.5", "1235"), ("KRW", 0, "99.4", "99"),
    ("KWD", 3, "1.23456", "1.235"), ("VND", 0, "1000.5", "1001"), ("AUD", 2, "0.004", "0.00")])
def test_minor_units_and_rounding(cur, units, amount, rounded):
    assert currencies.minor_units(cur) == units
    assert currencies.round_money(Decimal(amount), cur) == Decimal(rounded)


def test_countries_and_currencies_are_iso():
    assert countries.is_country("CN") and countries.is_country("tw") and not countries.is_country("ZZ")
    assert currencies.is_currency("USD") and not currencies.is_currency("XYZ")


def test_hs_nomenclature_is_hs_2022_without_comtrade_codes():
    n = nomenclature()
    assert len(n.subheadings) == 5612
    assert n.get("999999") is None and n.get("99") is None
    assert n.is_subheading("080510") and n.is_subheading("0805100010") and not n.is_subheading("080519")
    # 2022 novelties: 851713 (smartphones) and 300241 (vaccines) exist; the old 851712 is gone.
    assert n.is_subheading("851713") and n.is_subheading("300241") and not n.is_subheading("851712")
    assert n.section("080510").numeral == "II" and n.chapter("080510").code == "08"


@pytest.mark.parametrize("words,code", [("fresh oranges", "080510"), ("cotton t-shirts", "610910"),
                                        ("vaccines human medicine", "300241"), ("smartphones", "851713")])
def test_search_finds_the_code_first(words, code):
    assert nomenclature().search(words, 5)[0][0].code == code


def test_suggestions_for_a_mistyped_code_stay_in_the_heading():
    near = nomenclature().suggest("080519", 3)
    assert near[0] == "080510" and all(c.startswith("0805") for c in near)
