"""The officer's queue as pure rules (clearway.risk.queue): who is in it, in which order, and why.
Hand-made cases; no database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from clearway.risk.queue import Case, Hit, OpenFinding, build, entry, explain, needs_human, rule_text

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


def case(mrn: str, **kw) -> Case:
    base = dict(mrn=mrn, status="under_control", office="AUSYD", declarant="AU-ABN-11222333444",
                accepted_at=NOW - timedelta(hours=5), under_control_since=NOW - timedelta(hours=4), lane="red",
                basis="rule")
    return Case(**(base | kw))


def finding(source: str, code: str, lane: str, reason: str, hours: float, ref: str | None = None) -> OpenFinding:
    return OpenFinding(source, code, lane, reason, ref, NOW - timedelta(hours=hours))


@pytest.mark.parametrize("kw,needed", [
    ({}, True),  # red, not controlled yet
    ({"lane": "yellow"}, True),
    ({"control_done": True}, False),  # controlled, awaiting payment: no human needed
    ({"status": "lane_selected", "lane": "green", "basis": "none"}, False),
    ({"status": "released"}, False),
    ({"status": "released", "findings": (finding("seals", "seal.opened", "red", "opened", 1, "7"),)}, False),
    ({"status": "accepted", "lane": None, "basis": None,
      "findings": (finding("certificates", "ephyto.missing", "yellow", "no ePhyto", 1, "AU1"),)}, True),
    ({"control_done": True, "findings": (finding("seals", "seal.gap", "red", "reports stopped", 1, "9"),)}, True),
])
def test_who_needs_a_human(kw, needed):
    assert needs_human(case("M1", **kw)) is needed


def test_essential_goods_first_then_the_stronger_lane_then_rank_then_the_longest_wait():
    cases = [
        case("YELLOW-OLD", lane="yellow", rank=0.9, under_control_since=NOW - timedelta(hours=30)),
        case("RED-LOW", lane="red", rank=0.2, under_control_since=NOW - timedelta(hours=10)),
        case("RED-HIGH", lane="red", rank=0.7, under_control_since=NOW - timedelta(hours=1)),
        case("RED-HIGH-OLDER", lane="red", rank=0.7, under_control_since=NOW - timedelta(hours=2)),
        case("ESSENTIAL-YELLOW", lane="yellow", rank=0.1, priority="essential",
             under_control_since=NOW - timedelta(minutes=5)),
        case("GREEN-DONE", status="lane_selected", lane="green", basis="none"),
        # a yellow declaration held by a seal alert counts as red: the finding requires red
        case("YELLOW-SEAL", lane="yellow", rank=0.05, findings=(finding("seals", "seal.opened", "red", "opened", 3, "4"),)),
    ]
    order = [e.case.mrn for e in build(cases, now=NOW)]
    assert order == ["ESSENTIAL-YELLOW", "RED-HIGH-OLDER", "RED-HIGH", "RED-LOW", "YELLOW-SEAL", "YELLOW-OLD"]
    seal = next(e for e in build(cases, now=NOW) if e.case.mrn == "YELLOW-SEAL")
    assert (seal.lane, seal.awaiting) == ("red", "control")


def test_waiting_time_counts_from_going_under_control_or_from_the_oldest_open_finding():
    red = entry(case("R", under_control_since=NOW - timedelta(hours=4)), now=NOW)
    assert red.waiting == timedelta(hours=4) and red.awaiting == "control"
    held = entry(case("H", status="accepted", lane=None, basis=None, under_control_since=None,
                      findings=(finding("certificates", "ephyto.mismatch", "yellow", "a", 2, "X"),
                                finding("seals", "seal.gap", "red", "b", 7, "3"))), now=NOW)
    assert held.waiting == timedelta(hours=7) and held.awaiting == "finding" and held.lane == "red"


def test_each_entry_says_why_rules_model_findings_random():
    c = case("W", lane="red", basis="score", probability=0.87, rank=0.97,
             model_reasons=("value per kg 80% below the usual for 610910 from VN", "importer IMP-9 often irregular",
                            "HS 610910 shipped from VN", "a fourth reason not shown"),
             hits=(Hit("UNDERVAL-TEX", 2, "score", "Textiles from VN under 2 USD/kg", 0.1),),
             findings=(finding("certificates", "ephyto.mismatch", "yellow",
                               "item 1: net weight 1200 kg is more than 5% above the certificate's 1000 kg", 1, "AU22"),
                       finding("seals", "seal.opened", "red", "container MSCU1234566: seal opened", 2, "12")))
    why = explain(c)
    kinds = [w.kind for w in why]
    assert kinds == ["certificate", "seal", "rule", "model"]
    assert why[0].text == ("certificate mismatch (yellow lane required): item 1: net weight 1200 kg is more than 5% "
                           "above the certificate's 1000 kg")
    assert why[1].text == "seal alert 12 (red lane required): container MSCU1234566: seal opened"
    assert why[2].text == "targeting rule UNDERVAL-TEX v2 (Textiles from VN under 2 USD/kg) adds +0.1 to the rank"
    assert why[3].text == ("model score 0.87, ranked 0.97: within the red capacity - value per kg 80% below the "
                           "usual for 610910 from VN; importer IMP-9 often irregular; HS 610910 shipped from VN")


def test_a_random_selection_says_so_and_is_not_a_suspicion():
    why = explain(case("RND", lane="red", basis="random", random=True, probability=0.01, rank=0.01))
    assert [w.kind for w in why] == ["model", "random"]
    assert "random selection for compliance measurement (red lane, outside the capacity)" in why[1].text


@pytest.mark.parametrize("hit,text", [
    (Hit("FIRST-IMP", 1, "red", "First-time importer"), "targeting rule FIRST-IMP v1 (First-time importer) forces the red lane"),
    (Hit("DOCS", 3, "yellow"), "targeting rule DOCS v3 forces the yellow lane"),
    (Hit("PTS", 1, "score", "", 0.25), "targeting rule PTS v1 adds +0.25 to the rank"),
])
def test_rule_words(hit, text):
    assert rule_text(hit) == text


def test_essential_goods_say_priority_and_a_plain_controlled_lane_still_says_something():
    ess = explain(case("E", lane="yellow", basis="rule", priority="essential",
                       hits=(Hit("COLD", 1, "yellow", "Cold chain check"),)))
    assert [w.kind for w in ess] == ["rule", "priority"]
    bare = explain(case("B", lane="yellow", basis="mandatory"))
    assert [(w.kind, w.text) for w in bare] == [("lane", "yellow lane awaiting control")]
    after = explain(case("A", control_done=True, findings=(finding("seals", "seal.gap", "red", "stopped", 1, "5"),)))
    assert after[-1].text == "control recorded; the open findings still hold release"
