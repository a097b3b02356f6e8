"""The calculator's named steps (STYLE.md, "Split the three longest rule functions into named steps"): the
single path and the bulk path have a step of the same name for each arrow of the core docstring, and a step
can be run and checked on its own."""

from __future__ import annotations

import ast
from datetime import date
from decimal import Decimal as D
from pathlib import Path

from clearway.tariff import bulk, core, rules, schedule
from clearway.tariff.steps import rate_for
from tests.tariff.helpers import decl, demo_rates

STEPS = ("_value", "_convert", "_de_minimis", "_duty", "_excise", "_tax", "_de_minimis_payable", "_totals")
ON = date(2026, 11, 28)


def test_both_paths_have_the_same_named_steps():
    for module in (core, bulk):
        assert all(callable(getattr(module, name, None)) for name in STEPS), module.__name__


def test_the_bulk_path_takes_the_shared_steps_from_steps_py_not_through_core():
    tree = ast.parse(Path(bulk.__file__).read_text("utf-8"))
    imported = {(n.module, a.name) for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) for a in n.names}
    assert ("clearway.tariff", "core") not in imported and ("clearway.tariff", "steps") not in imported
    assert ("clearway.tariff.steps", "duty") in imported and ("clearway.tariff.steps", "tax") in imported


def test_the_value_and_de_minimis_steps_alone_on_the_australian_wine_example():
    # The worked example of test_worked_examples: 800.00 AUD FOB, freight 50.00, insurance 10.00; Australia
    # values FOB and waives duty and GST up to 1,000 AUD, so the consignment is tested at its FOB value.
    d = decl("AU", [{"hs_code": "220421", "quantity": "9", "unit": "l", "value": "800.00"}], "AUD",
             freight="50.00", insurance="10.00", incoterm="FOB")
    r, rates = rules.get("AU"), demo_rates("AU", ON)
    values = core._convert(core._value(d, r), rate_for("AUD", "AUD", rates, "AU", ON, "currency"), "AUD", "AUD")
    assert (values.customs_value, values.fob, values.cif, values.transport) == ([80000], [80000], [86000], [6000])
    dm = core._de_minimis(d, ON, r, rates, values)
    assert (dm.value, dm.duty_threshold, dm.duty_waived, dm.tax_waived) == (80000, 100000, True, True)
    # wine is excluded, so the waiver decided here is not applied by the duty step
    c = core.Case(d, ON, r, schedule.builtin("AU"), "AUD", values, dm, frozenset())
    duty, line = core._duty(c, 0)
    assert duty == 4000 and line.amount == D("40.00") and "excluded from de minimis" in line.decision
