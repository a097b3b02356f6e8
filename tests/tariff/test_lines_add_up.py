"""Each line shown adds up to the total it explains. Where a law rounds the total rather than each line
(Japan truncates the confirmed amount of each tax to 100 yen, Act on General Rules for National Taxes
art. 119(1); the taxable value of each line to 1,000 yen, art. 118(1)), the lines keep the amounts the law
computes for them and one more line shows the rounding."""

from datetime import date
from decimal import Decimal as D

from hypothesis import given, settings

from tests.support import example
from tests.tariff.helpers import assess, decl, lines
from tests.tariff.test_properties import consignments

KINDS = {"duty": "duty", "excise": "excise", "tax": "tax", "fee": "fees"}


def _sums(kind_lines: list[dict]) -> dict[str, D]:
    return {kind: sum((D(x["amount"]) for x in kind_lines if x["kind"] == kind), D(0)) for kind in KINDS}


def test_japanese_wine_duty_lines_add_up_to_the_truncated_duty():
    # 9 l of wine, CIF 20,000 yen: duty min(15% = 3,000, 125 yen/l = 1,125) = 1,125 on the line;
    # the duty total is truncated to 100 yen: 1,100, shown as a rounding line of -25.
    a = assess(decl("JP", [{"hs_code": "220421", "quantity": "9", "unit": "l", "value": "20000", "origin": "FR"}], "JPY"))
    duty = lines(a, "duty")
    assert [x.amount for x in duty] == [D("1125"), D("-25")] and a.duty == D("1100")
    rounding = duty[1]
    assert (rounding.item, rounding.base, rounding.rate) == (0, D("1125"), "total rounded down to 100 JPY")
    assert "Act on General Rules for National Taxes art. 119(1)" in rounding.legal_basis
    # national 22,000 x 7.8% = 1,716 -> 1,700; local 1,700 x 22/78 = 479 -> 400: each total truncated on its own line
    assert [x.amount for x in lines(a, "tax")] == [D("1716"), D("479"), D("-16"), D("-79")] and a.tax == D("2100")


def test_japanese_tax_rounding_line_when_the_tax_total_is_truncated():
    # Oranges 50,000 yen on 15 December: duty 16% = 8,000; consumption tax 6.24% of 58,000 = 3,619 -> 3,600,
    # local consumption tax 3,600 x 22/78 = 1,015 -> 1,000.
    a = assess(decl("JP", [{"hs_code": "080510", "quantity": "100", "unit": "kg", "value": "50000"}], "JPY"),
               on=date(2026, 12, 15))
    assert [x.amount for x in lines(a, "tax")] == [D("3619"), D("1015"), D("-19"), D("-15")] and a.tax == D("4600")
    assert [x.amount for x in lines(a, "duty")] == [D("8000")]  # already a multiple of 100 yen: no rounding line


@settings(max_examples=150, deadline=None)
@given(consignments())
def test_lines_of_each_kind_add_up_to_their_total(case):
    d, on = case
    a = assess(d, on=on)
    sums = _sums(a.as_dict()["lines"])
    assert [sums[k] for k in KINDS] == [getattr(a, attr) for attr in KINDS.values()]


def test_a_quote_over_http_adds_up(server, keys):
    # The published example of docs/tariff.md: 9 l of wine, CIF 20,000 yen: duty 1,100, liquor tax 900,
    # consumption tax 1,700 and local consumption tax 400.
    client = keys.client(keys.create("declarant", "JP", "JP-CB-1234567"))
    q = client.post("/api/v1/assessments/quote", json=example("tariff-jp-wine.json"))
    assert q.status_code == 200, q.text
    body = q.json()
    assert (body["duty"], body["excise"], body["tax"], body["total_due"]) == ("1100", "900", "2100", "4100")
    sums = _sums(body["lines"])
    assert {k: format(v, "f") for k, v in sums.items()} == {"duty": "1100", "excise": "900", "tax": "2100", "fee": "0"}
    client.close()
