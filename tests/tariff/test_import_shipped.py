"""The whole schedules shipped in the package (data/full, derived from the publications by
scripts/derive_tariffs.py): valid, covering HS 2022 as measured, quoting any subheading with its legal text
and source, and a preference claim with proof getting the agreement's rate from the schedule itself."""

from datetime import date
from decimal import Decimal

import pytest

from clearway.reference.hs import nomenclature
from clearway.tariff import schedule, steps
from clearway.tariff.importers import packed, shipped
from clearway.tariff.importers.coverage import coverage
from tests.tariff.helpers import assess, decl, lines

ON = date(2026, 12, 1)


@pytest.fixture(scope="module")
def scheds():
    return {e: shipped.schedule_of(e) for e in shipped.economies()}


def test_shipped_economies_and_attribution():
    assert shipped.economies() == ["AU", "JP", "NZ", "US"]  # CL: licence unknown, imported by the operator
    for e in shipped.economies():
        head = shipped.document(e)
        assert head["format"] == "clearway-tariff-schedule/1" and head["economy"] == e


@pytest.mark.parametrize("economy", ["AU", "JP", "NZ", "US"])
def test_shipped_documents_pass_the_schedule_validator(economy):
    doc = shipped.document(economy)
    checked = schedule.parse_document(doc)
    assert len(checked.measures) == len(doc["measures"])


def test_packed_round_trip():
    doc = {"economy": "NZ", "currency": "NZD", "measures": [
        {"code": "010121", "type": "mfn", "rate": "Free", "description": "horses"},
        {"code": "010121", "type": "preference", "rate": "Free", "agreement": "P4", "origins": ["BN", "CL", "SG"]}]}
    assert packed.unpack(packed.pack(doc, attribution="test")) == doc


def test_coverage_figures(scheds):
    """The shares `clearway tariff coverage` reports for the shipped schedules (see docs/benchmarks.md)."""
    got = {e: coverage(s, ON, shipped.document(e).get("unrated_lines", [])) for e, s in scheds.items()}
    assert {e: (c["covered"], c["share"]) for e, c in got.items()} == {
        "AU": (4005, 71.36), "JP": (5559, 99.06), "NZ": (5098, 90.84), "US": (5498, 97.97)}
    assert got["AU"]["chapters"] == 72 and got["AU"]["share_in_chapters"] == 97.8
    assert "020311" in got["JP"]["missing"]  # pork: gate-price duty, refused until the law's arithmetic exists


@pytest.mark.parametrize("economy", ["JP", "US"])
def test_a_quote_on_any_covered_subheading_gives_the_rate_with_legal_text_and_source(scheds, economy):
    sched = scheds[economy]
    missing = set(coverage(sched, ON, shipped.document(economy).get("unrated_lines", []))["missing"])
    for sub in nomenclature().subheadings:
        if sub in missing:
            continue
        found = sched.find("mfn", sub, ON)
        targets = [found[0]] if found else [steps.mfn_measure(sched, c, ON, "hs_code") for c in sched.children(sub)]
        assert targets, sub
        for m in targets:
            assert m.legal_basis and m.source and m.rate, (sub, m)


def jp_kiwi(preference=None, proof=True, origin="NZ"):
    docs = [{"type": "invoice", "reference": "INV-1"}] + (
        [{"type": "certificate_of_origin", "reference": "COO-1"}] if proof else [])
    item = {"hs_code": "081050000", "origin": origin, "value": "100000", "quantity": "500", "unit": "kg",
            "net_weight_kg": "500"}
    if preference:
        item["preference"] = preference
    return decl("JP", [item], "JPY", incoterm="CIF", documents=docs)


def test_a_preference_claim_with_proof_gets_the_agreement_rate(scheds):
    """0810.50-000 kiwifruit: MFN 6.4% (lower of general 8% and WTO 6.4%); CPTPP column 無税 for NZ goods."""
    sched = scheds["JP"]
    mfn = lines(assess(jp_kiwi(), sched=sched), "duty")[0]
    assert (mfn.rate, mfn.amount) == ("6.4%", Decimal(6400))
    assert "lower of general" in mfn.legal_basis
    pref = lines(assess(jp_kiwi("CPTPP"), sched=sched), "duty")[0]
    assert (pref.rate, pref.amount) == ("Free", Decimal(0))
    assert pref.decision == "preference CPTPP applied (origin NZ)" and "EPA_CPTPP" in pref.legal_basis
    no_proof = lines(assess(jp_kiwi("CPTPP", proof=False), sched=sched), "duty")[0]
    assert no_proof.amount == Decimal(6400) and "no proof of origin" in no_proof.decision
    wrong = lines(assess(jp_kiwi("CPTPP", origin="CN"), sched=sched), "duty")[0]
    assert wrong.amount == Decimal(6400) and "origin CN does not qualify" in wrong.decision


def test_us_korus_claim_on_a_real_line(scheds):
    """0101.30.00.00 asses: General 6.80%, Special Free (... KR ...)."""
    d = decl("US", [{"hs_code": "0101300000", "origin": "KR", "value": "1000.00", "preference": "KORUS"}], "USD",
             documents=[{"type": "certificate_of_origin", "reference": "C1"}])
    duty = lines(assess(d, sched=scheds["US"]), "duty")[0]
    assert (duty.rate, duty.amount, duty.decision) == ("Free", Decimal("0.00"), "preference KORUS applied (origin KR)")
    mfn = lines(assess(decl("US", [{"hs_code": "0101300000", "origin": "KR", "value": "1000.00"}], "USD"),
                       sched=scheds["US"]), "duty")[0]
    assert (mfn.rate, mfn.amount) == ("6.8%", Decimal("68.00"))
