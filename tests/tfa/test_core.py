"""The stock-take rules on hand-built cases. Legal basis: TFA (WT/L/931) Art. 14-17; the real-world case is
Viet Nam's Art. 10.9 (https://tfadatabase.org/en/members/viet-nam/implementation-schedule/article-10-9:
notified C, shifted to B by G/TFA/N/VNM/1/Add.1, definitive date 31 March 2022)."""

from datetime import date
from decimal import Decimal

import pytest

from clearway.tfa.core import (Commitment, due_date, early_warning_due, heat_map, needs_help, overdue,
                               rate_by_category, refusals, still_needed)

VN_10_9 = Commitment("VN", "10.9", "B", status="in_progress", percent=60, definitive_date=date(2022, 3, 31))


@pytest.mark.parametrize("today,late", [
    (date(2022, 3, 30), None),  # the day before: not yet due
    (date(2022, 3, 31), None),  # the definitive date itself: still in time
    (date(2022, 4, 1), 1),
    (date(2023, 3, 31), 365),
])
def test_a_definitive_date_is_overdue_from_the_day_after_it(today, late):
    found = overdue([VN_10_9], today=today)
    assert [o.days_late for o in found] == ([late] if late else [])


def test_an_implemented_measure_is_never_overdue():
    done = Commitment("VN", "10.9", "B", status="implemented", percent=100, definitive_date=date(2022, 3, 31))
    assert overdue([done], today=date(2026, 1, 1)) == []


def test_category_a_without_a_date_is_due_on_entry_into_force_and_b_without_one_is_never_overdue():
    a = Commitment("PE", "1.1", "A")
    b_undated = Commitment("PE", "1.2", "B", indicative_date=date(2018, 1, 1))
    assert due_date(a) == date(2017, 2, 22)
    assert due_date(b_undated) is None  # an indicative date is not a binding one
    found = overdue([a, b_undated], today=date(2017, 2, 23))
    assert [(o.commitment.measure, o.days_late) for o in found] == [("1.1", 1)]


def test_overdue_lists_the_longest_late_first():
    rows = [Commitment("CL", "7.1", "B", definitive_date=date(2024, 1, 1)),
            Commitment("MX", "7.4", "C", definitive_date=date(2020, 1, 1)),
            Commitment("CL", "7.6", "C", definitive_date=date(2030, 1, 1))]
    assert [o.commitment.measure for o in overdue(rows, today=date(2025, 1, 1))] == ["7.4", "7.1"]


def test_the_article_17_notice_falls_due_120_days_before_the_definitive_date():
    # 31 March 2022 - 120 days = 1 December 2021
    assert early_warning_due([VN_10_9], today=date(2021, 11, 30)) == []
    assert early_warning_due([VN_10_9], today=date(2021, 12, 1)) == [(VN_10_9, date(2021, 12, 1))]
    assert early_warning_due([VN_10_9], today=date(2022, 4, 1)) == []  # past: overdue instead


def test_rate_by_category_counts_implemented_measures_and_averages_progress():
    rows = [Commitment("TH", "1.1", "A", status="implemented", percent=80),  # implemented counts as 100
            Commitment("TH", "1.2", "A", status="implemented", percent=100),
            Commitment("TH", "7.1", "B", status="in_progress", percent=50),
            Commitment("TH", "7.4", "B", status="implemented", percent=100),
            Commitment("TH", "7.6", "B", status="not_started", percent=0)]
    rates = {r.category: r for r in rate_by_category(rows)}
    assert (rates["A"].measures, rates["A"].implemented, rates["A"].rate, rates["A"].progress) == (
        2, 2, Decimal("100.0"), Decimal("100.0"))
    assert (rates["B"].measures, rates["B"].implemented, rates["B"].rate, rates["B"].progress) == (
        3, 1, Decimal("33.3"), Decimal("50.0"))
    assert (rates["C"].measures, rates["C"].rate, rates["C"].progress) == (0, None, None)
    assert (rates["all"].measures, rates["all"].implemented, rates["all"].rate) == (5, 3, Decimal("60.0"))


def test_heat_map_has_a_row_per_economy_and_a_cell_per_measure_empty_where_nothing_was_entered():
    rows = [Commitment("AU", "7.1", "A", status="implemented", percent=90),
            Commitment("PG", "7.1", "C", status="in_progress", percent=30)]
    grid = heat_map(rows, economies=["AU", "PG", "NZ"], measures=["7.1", "7.2"])
    assert [[c.level for c in row] for row in grid] == [[100, None], [30, None], [None, None]]
    assert grid[1][0].category == "C" and grid[2][0].status is None


def test_still_needed_lists_unimplemented_economies_earliest_due_first():
    rows = [Commitment("AU", "7.6", "A", status="implemented"),
            Commitment("PG", "7.6", "C", definitive_date=date(2030, 6, 1)),
            Commitment("VN", "7.6", "B", definitive_date=date(2025, 1, 1)),
            Commitment("PE", "7.6", "B")]
    assert [c.economy for c in still_needed(rows, measure="7.6")] == ["VN", "PG", "PE"]


@pytest.mark.parametrize("row,helped", [
    (Commitment("PG", "7.4", "C"), True),
    (Commitment("PG", "7.4", "B", ta_needed="risk engine training"), True),
    (Commitment("PG", "7.4", "B", ta_needed="  "), False),
    (Commitment("PG", "7.4", "C", status="implemented"), False),
])
def test_an_economy_needs_help_with_unimplemented_category_c_or_named_assistance(row, helped):
    assert needs_help(row) is helped


@pytest.mark.parametrize("row,expected", [
    (Commitment("PE", "7.1", "B", status="implemented", percent=90, evidence="Decree 2019"),
     [("percent", "must be 100 when status is implemented")]),
    (Commitment("PE", "7.1", "B", status="implemented", percent=100),
     [("evidence", "is required when status is implemented (the law, notice or system that shows it)")]),
    (Commitment("PE", "7.1", "B", status="not_started", percent=10), [("percent", "must be 0 when status is not_started")]),
    (Commitment("PE", "7.1", "D"), [("category", "must be one of A, B, C")]),
    (Commitment("PE", "7.1", "B", definitive_date=date(2016, 12, 31)),
     [("definitive_date", "is before the Agreement entered into force (2017-02-22)")]),
    (Commitment("PE", "7.1", "B", status="in_progress", percent=40, definitive_date=date(2027, 1, 1)), []),
])
def test_entries_that_cannot_stand_are_refused_naming_the_field(row, expected):
    assert refusals(row) == expected
