"""The dashboard's pure parts: the month window, one spelling of figures, tables, SVG charts."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from clearway.dashboard import charts
from clearway.dashboard.core import Indicator, Series, csv_rows, display, share
from clearway.flows.indicators import window


def test_the_window_is_six_whole_months_to_now_across_a_year_end():
    start, end, labels = window(datetime(2026, 2, 10, 9, tzinfo=UTC))
    assert start == datetime(2025, 9, 1, tzinfo=UTC) and end.day == 10
    assert labels == ["2025-09", "2025-10", "2025-11", "2025-12", "2026-01", "2026-02"]


def test_figures_have_one_spelling():
    assert [display(v) for v in (Decimal("1234.50"), 12.345, 3.0, -0.001, "yes", None)] == \
        ["1234.50", "12.35", "3", "0", "yes", None]
    assert share(1, 3) == 100 / 3 and share(0, 0) is None


IND = Indicator("lanes", "industry", "Lane shares", "%", "computed", "computed live", "bar",
                [Series("green", [("2026-05", 80.0), ("2026-06", 75.5)]), Series("red", [("2026-06", 4.5)])])


def test_the_table_has_a_row_per_label_and_a_column_per_series():
    assert csv_rows(IND) == [["label", "green (%)", "red (%)"], ["2026-05", "80", ""], ["2026-06", "75.5", "4.5"]]


def test_the_chart_is_svg_with_its_title_units_and_one_bar_per_figure():
    svg = charts.svg(IND)
    assert svg.startswith("<svg") and "<title id=\"t-lanes\">Lane shares (%)</title>" in svg
    assert svg.count("<rect") == 3 and "green 2026-06: 75.5" in svg and "<script" not in svg
    line = charts.svg(Indicator("t", "policy", "T", "hours", "computed", "", "line", IND.series))
    assert line.count("<polyline") == 2 and line.count("<circle") == 3
    assert charts.svg(Indicator("e", "policy", "E", "h", "computed", "", "bar", [Series("x", [("a", None)])])) == ""
