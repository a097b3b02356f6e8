"""Russia (EAEU): goods for personal use sent by post or carrier over EUR 200 or 31 kg pay a single rate of
15% of the value over EUR 200, at least EUR 2 per kg over 31 kg, instead of duty and VAT (EAEU Customs Code
art. 266; EEC Council Decision No. 107 of 2017-12-20, norms of EUR 200 / 31 kg from 2020-01-01). Worked
examples: "if the parcel cost is 300 euros and the weight is not higher than 31 kg, then the fee will need to be
paid from 100 euros - 15 euros. If the parcel weight is 35 kg, the duty will be 8 euros" (Crane IP, on the 2020
norms). Each assertion failed on the code before these rules."""

from datetime import date
from decimal import Decimal as D

import pytest

from clearway.errors import Invalid
from clearway.tariff import schedule
from tests.tariff.helpers import assess, decl, lines
from tests.tariff.parcel_pair import amounts, single_amounts, single_and_bulk

RU = schedule.parse_document({"economy": "RU", "currency": "RUB", "measures": [
    {"code": "610910", "type": "mfn", "rate": "10%"}]})
RATES = {"EUR": D("100")}  # 100 RUB per EUR keeps the euro figures readable in roubles
ON = date(2025, 6, 1)


def _parcel(value: str, kg: str | None = "2", **extra):
    item = {"hs_code": "610910", "value": value, **({"gross_weight_kg": kg} if kg else {})}
    return decl("RU", [item], "EUR", office="RUMOW", **extra)


def test_eur_300_under_31_kg_pays_15_percent_of_the_excess():
    a = assess(_parcel("300.00", personal_use=True), on=ON, rates=RATES, sched=RU)
    assert (a.duty, a.tax, a.total_due) == (D("1500.00"), D("0"), D("1500.00"))  # EUR 15
    assert "15% of the value over 200 EUR" in lines(a, "duty")[-1].rate


def test_35_kg_under_the_value_norm_pays_eur_2_per_kg_over_31():
    a = assess(_parcel("150.00", kg="35", personal_use=True), on=ON, rates=RATES, sched=RU)
    assert a.total_due == D("800.00")  # 4 kg x EUR 2


def test_the_per_kg_minimum_wins_when_it_is_higher():
    # EUR 210 and 40 kg: 15% of EUR 10 = EUR 1.50 < 9 kg x EUR 2 = EUR 18
    a = assess(_parcel("210.00", kg="40", personal_use=True), on=ON, rates=RATES, sched=RU)
    assert a.total_due == D("1800.00")


def test_under_both_norms_nothing_is_due():
    assert assess(_parcel("200.00", personal_use=True), on=ON, rates=RATES, sched=RU).total_due == 0


def test_goods_not_for_personal_use_pay_duty_and_vat():
    # 30,000 RUB: duty 10% = 3,000; VAT 20% (before 2026) of 33,000 = 6,600
    a = assess(_parcel("300.00", personal_use=False), on=ON, rates=RATES, sched=RU)
    assert (a.duty, a.tax) == (D("3000.00"), D("6600.00"))


def test_missing_personal_use_or_weight_is_refused_with_the_field():
    with pytest.raises(Invalid) as exc:
        assess(_parcel("300.00"), on=ON, rates=RATES, sched=RU)
    assert exc.value.errors[0].path == "personal_use"
    with pytest.raises(Invalid) as exc:
        assess(_parcel("300.00", kg=None, personal_use=True), on=ON, rates=RATES, sched=RU)
    assert exc.value.errors[0].path == "items[0].gross_weight_kg"


def test_bulk_path_applies_the_same_single_rate():
    for value, kg, total in (("300.00", "2", D("1500.00")), ("150.00", "35", D("800.00")),
                             ("120.00", "1", D("0"))):
        row, single = single_and_bulk("RU", {"hs_code": "610910", "value": value, "currency": "EUR", "weight_kg": kg},
                                      ON, RATES, RU, personal_use=True)
        assert amounts(row) == single_amounts(single) and single.total_due == total, row
