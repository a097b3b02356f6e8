"""Party names compare after Unicode NFKC normalisation (issue 17): full-width "ＡＣＭＥ" is "ACME", in the
targeting rules and in matching a certificate's consignee to the declaration's importer. Unicode Standard
Annex #15 (Normalization Forms) maps the full-width forms U+FF21.. to their ASCII letters under NFKC."""

from __future__ import annotations

import pytest

from clearway.certificates.matching import same_party
from clearway.reference.names import name_key
from clearway.risk.targeting import Condition, Facts, Rule, matches


@pytest.mark.parametrize("a,b", [
    ("ＡＣＭＥ", "ACME"),
    ("ＡＣＭＥ　Ｔｒａｄｉｎｇ", "acme trading"),  # ideographic space U+3000 too
    ("Oﬃce Supplies", "OFFICE SUPPLIES"),  # the ffi ligature
    ("ACME  Trading ", "Acme Trading"),
])
def test_names_that_read_the_same_have_one_key(a, b):
    assert name_key(a) == name_key(b)


def test_different_names_keep_different_keys():
    assert name_key("ACME") != name_key("ACNE") and name_key(None) == ""


def _rule(op: str, value: object) -> Rule:
    return Rule(code="R1", version=1, action="red", conditions=(Condition("importer", op, value),))


def test_a_targeting_rule_on_an_importer_name_hits_its_full_width_spelling():
    facts = Facts(importer="ＡＣＭＥ")
    assert matches(_rule("eq", "ACME"), facts)
    assert matches(_rule("in", ["Globex", "acme"]), facts)
    assert not matches(_rule("ne", "Acme"), facts)
    assert not matches(_rule("not_in", ["ACME"]), facts)
    assert not matches(_rule("eq", "ACME"), Facts(importer="Globex"))


def test_a_certificate_party_matches_the_full_width_importer():
    assert same_party("ＡＣＭＥ　ＦＲＵＩＴ　ＣＯ．，ＬＴＤ．", "Acme Fruit Co Ltd")
    assert not same_party("ＡＣＭＥ", "Globex")
