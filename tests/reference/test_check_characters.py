"""Clearway's check characters are python-stdnum's (issue 17), cross-checked against published examples,
and Clearway's own refusals still word what is wrong."""

from __future__ import annotations

import pytest

from clearway.containers import iso6346
from clearway.declarations.core import check_character, make_mrn, mrn_is_valid
from clearway.payments.core import rf_is_valid, rf_reference
from clearway.reference.iso7064 import mod_37_36_check


def test_iso7064_mod_37_36_matches_the_grid_example():
    # IFPI Global Release Identifier standard: A1-2425G-ABC1234002-M, check character M by MOD 37,36
    assert mod_37_36_check("A12425GABC1234002") == "M"
    assert check_character("A12425GABC1234002") == "M"


def test_an_mrn_carries_its_mod_37_36_check_character():
    mrn = make_mrn(2026, "AUSYD", 42)
    assert mrn[:-1] == "26AUSYD00000042" and mrn_is_valid(mrn)
    assert not mrn_is_valid(mrn[:-1] + ("A" if mrn[-1] != "A" else "B"))


@pytest.mark.parametrize("number", [
    "CSQU3054383",  # ISO 6346:1995 Annex A worked example (check digit 3)
    "MSCU1234566",  # the example Clearway's own refusal shows
])
def test_iso6346_published_examples_are_valid(number):
    assert iso6346.problem(number) is None
    assert iso6346.check_digit(number[:10]) == int(number[10])


def test_iso6346_refusals_keep_clearways_words():
    assert iso6346.problem("CSQU3054384") == "check digit 4 is wrong: for CSQU305438 it should be 3"
    assert iso6346.problem("CSQX3054383").startswith("category letter 'X' is not U (freight)")
    assert iso6346.problem("CSQ3054383").startswith("not an ISO 6346 container number")


def test_iso11649_published_example():
    # ISO 11649 / EPC guidance on the Structured Creditor Reference: RF18 5390 0754 7034
    assert rf_reference("539007547034") == "RF18539007547034"
    assert rf_is_valid("RF18 5390 0754 7034") and rf_is_valid("rf18539007547034")
    assert not rf_is_valid("RF17539007547034")
    assert not rf_is_valid("RF18539007547٣34")  # a non-Latin digit is not a reference character
    with pytest.raises(ValueError, match="an RF reference body is 1 to 21 letters or digits"):
        rf_reference("5390-0754")
