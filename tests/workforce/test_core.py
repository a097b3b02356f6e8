"""Workforce shares and self-assessment scores on hand-built cases, worked by hand beside each assertion."""

from datetime import date
from decimal import Decimal

from clearway.workforce import principles
from clearway.workforce.core import Metrics, Rating, grade_shares, inconsistencies, open_actions, scores, shares

M = Metrics("TH", 2025, staff=1200, women=420, frontline_staff=800, frontline_women=200, recruits=90,
            recruits_women=45, leaders=60, leaders_women=12, trained=300,
            grades={"senior": (60, 12), "officer": (900, 300), "support": (240, 108)})


def test_shares_are_computed_from_head_counts_to_one_decimal():
    assert shares(M) == {"overall": Decimal("35.0"),  # 420 / 1200
                         "frontline": Decimal("25.0"),  # 200 / 800
                         "recruits": Decimal("50.0"), "leadership": Decimal("20.0"),
                         "trained": Decimal("25.0")}  # 300 / 1200
    assert grade_shares(M) == {"senior": Decimal("20.0"), "officer": Decimal("33.3"), "support": Decimal("45.0")}


def test_a_share_of_nobody_is_unknown_not_zero():
    empty = Metrics("TH", 2025, staff=10, women=3)
    assert shares(empty)["leadership"] is None and shares(empty)["overall"] == Decimal("30.0")


def test_counts_that_cannot_be_true_together_are_named():
    bad = Metrics("TH", 2025, staff=100, women=120, leaders=150, leaders_women=10, grades={"senior": (5, 6)})
    assert inconsistencies(bad) == [("women", "is 120, more than staff (100)"),
                                    ("leaders", "is 150, more than staff (100)"),
                                    ("grades.senior", "women (6) more than staff (5)")]
    assert inconsistencies(M) == []


def test_scores_per_principle_are_the_mean_rating_over_the_top_of_the_scale():
    d1, d2 = date(2025, 3, 1), date(2026, 3, 1)
    rows = [Rating("TH", d1, "P1.1", 2), Rating("TH", d1, "P1.2", 1), Rating("TH", d1, "P3.1", 4),
            Rating("TH", d2, "P1.1", 3), Rating("TH", d2, "P1.2", 3), Rating("TH", d2, "CC.1", 0)]
    assert scores(rows) == {d1: {"P1": Decimal("37.5"),  # (2 + 1) / (2 x 4)
                                 "P3": Decimal("100.0")},
                            d2: {"CC": Decimal("0.0"), "P1": Decimal("75.0")}}  # principles in GEOAT order


def test_open_actions_come_from_each_indicators_latest_assessment_earliest_due_first():
    rows = [Rating("TH", date(2025, 3, 1), "P3.2", 1, "train all border staff", "HR director", date(2025, 12, 31)),
            Rating("TH", date(2026, 3, 1), "P3.2", 2, "train the remaining staff", "HR director", date(2027, 6, 30)),
            Rating("TH", date(2026, 3, 1), "P4.1", 1, "set a leadership target", "Commissioner", date(2026, 9, 30)),
            Rating("TH", date(2026, 3, 1), "P1.1", 3, "pay audit", "Finance", date(2026, 1, 1), done=True),
            Rating("TH", date(2026, 3, 1), "CC.1", 4)]
    found = open_actions(rows, today=date(2026, 12, 2))
    assert [(r.indicator, r.action, late) for r, late in found] == [
        ("P4.1", "set a leadership target", True), ("P3.2", "train the remaining staff", False)]


def test_the_shipped_principles_follow_the_geoat_outline():
    codes = [p.code for p in principles.principles()]
    assert codes == ["CC", "P1", "P2", "P3", "P4", "P5", "P6"]  # cross-cutting policies, then six principles
    assert principles.principles()[1].name == "Employment and compensation"
    assert principles.indicators()["P3.2"].principle == "P3"
    assert principles.scale()[0] == "not in place" and max(principles.scale()) == principles.TOP


def test_published_shares_leave_out_groups_too_small_to_hide_a_person():
    from clearway.workforce.core import published

    small = Metrics("PG", 2025, staff=300, women=90, leaders=4, leaders_women=1, recruits=5, recruits_women=2,
                    grades={"senior": (4, 1), "officer": (296, 89)})
    public, grades = published(small)
    assert public["leadership"] is None and public["recruits"] == Decimal("40.0")  # 4 leaders out, 5 recruits in
    assert grades == {"senior": None, "officer": Decimal("30.1")}
    assert shares(small)["leadership"] == Decimal("25.0")  # the administration itself sees it
