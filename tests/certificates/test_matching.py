"""The pure matching rule, with Hypothesis."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from clearway.certificates.matching import CertView, Policy, hs_match, match, same_party

POLICY = Policy(("08",), Decimal("0.05"))


def cert(net: str, hs: str = "080450", status: str = "issued", to: str = "AU") -> CertView:
    return CertView(number="C1", exporting_economy="TH", importing_economy=to, status=status, signed=True,
                    verified=True, summary={"export_country": "TH", "consignor": {"name": "Siam Fruit"},
                                            "consignee": {"name": "Oz Fruit"},
                                            "items": [{"hs_code": hs, "net_weight_kg": net, "origin": None}]})


def decl(net: str, hs: str = "08045000") -> dict:
    return {"importer": {"name": "OZ FRUIT"}, "exporter": {"name": "Siam Fruit"},
            "items": [{"hs_code": hs, "origin": "TH", "net_weight_kg": net, "quantity": net, "unit": "kg"}],
            "documents": [{"type": "ephyto", "reference": "C1"}]}


@given(certified=st.integers(100, 10**7), permille=st.integers(-49, 49))
def test_within_tolerance_clears(certified, permille):
    declared = Decimal(certified) * (1 + Decimal(permille) / 1000)
    out = match(decl(str(declared)), economy="AU", certificates={"C1": cert(str(certified))}, policy=POLICY)
    assert out.cleared, out.problems


@given(certified=st.integers(100, 10**7), permille=st.integers(51, 900), sign=st.sampled_from([1, -1]))
def test_beyond_tolerance_is_a_mismatch(certified, permille, sign):
    declared = Decimal(certified) * (1 + sign * Decimal(permille) / 1000)
    out = match(decl(str(declared)), economy="AU", certificates={"C1": cert(str(certified))}, policy=POLICY)
    assert not out.cleared and not out.missing
    assert "kg net of HS 080450" in out.problems[0]


@given(st.sampled_from(["withdrawn", "replaced"]))
def test_a_dead_certificate_never_clears(status):
    out = match(decl("100"), economy="AU", certificates={"C1": cert("100", status=status)}, policy=POLICY)
    assert not out.cleared and status in out.problems[0]


def test_addressed_elsewhere_and_absent():
    out = match(decl("100"), economy="AU", certificates={"C1": cert("100", to="NZ")}, policy=POLICY)
    assert out.problems == ["ePhyto C1 is addressed to NZ, not AU"]
    out = match(decl("100"), economy="AU", certificates={"C1": None}, policy=POLICY)
    assert out.missing and not out.cleared


@given(st.text(min_size=1, max_size=30))
def test_party_names_match_themselves_whatever_the_case_and_punctuation(name):
    has_letters = any(ch.isalnum() for ch in name.casefold())
    assert same_party(name, name.upper() + " .") is (has_letters and any(ch.isalnum() for ch in name.upper().casefold()))


def test_party_names_in_other_scripts():
    assert same_party("บริษัท สยามฟรุต จำกัด", "บริษัท สยามฟรุต จำกัด.") and not same_party("สยาม", "ลาว")


def test_hs_match_compares_up_to_six_digits():
    assert hs_match("08045000", "080450") and hs_match("08045000", "0804")
    assert not hs_match("08045000", "080460") and not hs_match("080450", "08") and not hs_match("080450", None)
