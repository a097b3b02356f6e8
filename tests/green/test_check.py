"""The 5% commitment on the APEC List of Environmental Goods (2012 Leaders' Declaration, Annex C: "reduce
applied tariff rates to 5% or less by the end of 2015"), checked on hand-built schedules: an ad valorem line
above the cap, a specific rate turned into an ad valorem equivalent from declared unit values (or reported as
not comparable without them), a compound rate, a preference under the cap, a subheading the schedule lacks."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from clearway.errors import Invalid
from clearway.green import check, egl
from tests.green.support import edition, hand_schedule

ON = date(2026, 12, 1)


def by_sub(result):
    return {s.subheading: s for s in result.subheadings}


def test_an_ad_valorem_line_above_the_cap_is_named_and_a_preference_under_it_is_counted():
    result = check.check(hand_schedule(), edition(), ON)
    pv = by_sub(result)["854143"]
    assert [(r.national_line, r.rate, r.ave, r.above_cap) for r in pv.mfn] == [
        ("85414310", "6%", Decimal("6.00"), True), ("85414390", "Free", Decimal("0.00"), False)]
    assert pv.status == "above" and pv.max_ave == Decimal("6.00")
    assert [(r.national_line, r.ave) for r in pv.preferences["AANZFTA"]] == [("85414310", Decimal("0.00"))]
    assert result.preference_counts() == {"AANZFTA": {"within": 1, "above": 0, "not_comparable": 0}}


def test_a_specific_rate_without_declared_unit_values_is_not_comparable_rather_than_guessed():
    boiler = by_sub(check.check(hand_schedule(), edition(), ON))["840290"]
    assert boiler.status == "not_comparable" and boiler.mfn[0].ave is None
    assert "no declared unit values" in boiler.mfn[0].basis


@pytest.mark.parametrize("unit_value, ave, status", [("10", "6.00", "above"), ("12", "5.00", "within"),
                                                       ("15", "4.00", "within")])
def test_a_specific_rate_becomes_an_ad_valorem_equivalent_at_the_median_declared_unit_value(unit_value, ave, status):
    # 0.60 AUD/kg on goods declared at 10 AUD/kg is 6%; at 12 AUD/kg exactly the cap (5% or less: within).
    values = {"840290": {"kg": check.UnitValue("kg", Decimal(unit_value), 7)}}
    boiler = by_sub(check.check(hand_schedule(), edition(), ON, values))["840290"]
    assert (boiler.mfn[0].ave, boiler.status) == (Decimal(ave), status)
    assert f"{Decimal(unit_value):.2f} AUD/kg (7 goods items)" in boiler.mfn[0].basis


def test_a_compound_rate_adds_its_parts_and_the_higher_of_takes_the_higher():
    measures = [{"code": "840290", "type": "mfn", "rate": "2% + 0.30 AUD/kg"},
                {"code": "854143", "type": "mfn", "rate": "max(3%, 0.50 AUD/kg)"}]
    values = {"840290": {"kg": check.UnitValue("kg", Decimal("10"), 3)},
              "854143": {"kg": check.UnitValue("kg", Decimal("20"), 3)}}
    subs = by_sub(check.check(hand_schedule(measures=measures), edition(), ON, values))
    assert subs["840290"].mfn[0].ave == Decimal("5.00")  # 2% + 3%
    assert subs["854143"].mfn[0].ave == Decimal("3.00")  # max(3%, 2.5%)


def test_a_listed_subheading_without_a_rate_is_reported_not_in_the_schedule():
    result = check.check(hand_schedule(), edition(), ON)
    assert by_sub(result)["850231"].status == "not_in_schedule"
    assert result.counts() == {"within": 0, "above": 1, "not_comparable": 1, "not_in_schedule": 1}


def test_the_shipped_list_is_annex_c_mapped_to_hs_2022():
    shipped = egl.shipped()
    assert len(shipped.lines) == 54  # "54 lines of the Harmonized System" (USTR, legacy.trade.gov)
    by_listed = {line.listed_as: line.hs2022 for line in shipped.lines}
    assert by_listed["854140"] == ("854141", "854142", "854143", "854149")  # PV cells moved within 8541 in 2022
    assert by_listed["850164"] == ("850164", "850180")  # PV generators moved to 8501.80
    assert egl.is_environmental(["85414300", "080510"], shipped.subheadings())
    assert not egl.is_environmental(["080510"], shipped.subheadings())


def test_a_bad_edition_is_refused_whole_naming_the_line():
    with pytest.raises(Invalid) as caught:
        egl.parse("hs2022,description\n854143,PV modules\n999999,Nothing\n,Empty\n", name="bad.csv")
    paths = [(e.path, e.reason) for e in caught.value.errors]
    assert ("line 3.hs2022", "'999999' is not an HS 2022 subheading") in paths
    assert ("line 4.hs2022", "is empty") in paths
    with pytest.raises(Invalid) as caught:
        egl.parse("code,text\n854143,PV\n", name="wrong.csv")
    assert caught.value.errors[0].reason == "missing column(s): hs2022, description"
