"""The server-side SVG charts of the TFA and gender pages: sizes follow the values, text is escaped, a missing
value is shown as missing (never as zero)."""

import re

from clearway.web.tfa import charts


def test_bars_are_proportional_and_missing_values_say_no_data():
    svg = str(charts.bars("Rates <by> category", [("A", 100), ("B", 50), ("C", None)]))
    widths = [float(w) for w in re.findall(r'<rect [^>]*width="([\d.]+)"', svg)]
    assert len(widths) == 2 and widths[0] == 2 * widths[1]
    assert "no data" in svg and "Rates &lt;by&gt; category" in svg and "<by>" not in svg
    assert 'role="img"' in svg and "<title>" in svg


def test_lines_leave_a_gap_where_a_value_is_missing_and_list_every_series():
    svg = str(charts.lines("Shares", ["2023", "2024", "2025"], {"Women": [40, None, 50], "Leaders": [10, 20, 30]}))
    assert svg.count("<polyline") == 2
    assert svg.count("<circle") == 2 + 3  # no point for the missing 2024 value
    assert ">Women<" in svg and ">Leaders<" in svg
    assert "style=" not in svg  # presentation attributes only: the page policy refuses inline style
