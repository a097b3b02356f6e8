"""The lane selector on hand-built cases: capacity, mandatory outcomes, random share, trusted
traders, essential goods; and properties over random inputs."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clearway.controls.core import LANES
from clearway.risk.lanes import Candidate, LanePolicy, Usage, count, day_capacity, select_batch, select_one
from clearway.risk.targeting import RuleHit

NO_RANDOM = LanePolicy(random_share=0.0)


def cands(n, office="AUSYD", day="2026-11-28", **kw):
    # scores 0.99, 0.98, ... descending with the index
    return [Candidate(ref=f"{office}-{day}-{i}", office=office, day=day, probability=round(0.99 - i * 0.009, 4), **kw)
            for i in range(n)]


def lanes(decisions):
    return {d.ref: d.lane for d in decisions}


def test_capacity_is_filled_by_score_per_office_and_day():
    batch = cands(100) + cands(50, office="AUMEL") + cands(100, day="2026-11-29")
    out = select_batch(batch, NO_RANDOM)
    by = lanes(out)
    assert [by[f"AUSYD-2026-11-28-{i}"] for i in range(12)] == ["red"] * 3 + ["yellow"] * 8 + ["green"]
    assert count([d for d in out if d.ref.startswith("AUMEL")]) == {"green": 45, "yellow": 4, "red": 1}
    assert count([d for d in out if "11-29" in d.ref]) == {"green": 89, "yellow": 8, "red": 3}
    red = next(d for d in out if d.ref == "AUSYD-2026-11-28-0")
    assert red.basis == "score" and "within the red capacity by rank" in red.reasons


def test_low_scores_do_not_fill_capacity():
    batch = [Candidate(ref=str(i), probability=0.01) for i in range(100)]
    assert count(select_batch(batch, NO_RANDOM)) == {"green": 100, "yellow": 0, "red": 0}


def test_mandatory_outcomes_win_and_use_capacity_first():
    batch = cands(100)
    batch[99] = Candidate(ref="sealed", office="AUSYD", day="2026-11-28", probability=0.0, mandatory="red",
                          mandatory_reasons=("open seal alert on MSCU1234566",))
    batch[98] = Candidate(ref="nocert", office="AUSYD", day="2026-11-28", probability=0.0, mandatory="yellow",
                          mandatory_reasons=("ePhyto certificate missing",))
    out = select_batch(batch, NO_RANDOM)
    by = {d.ref: d for d in out}
    assert by["sealed"].lane == "red" and by["sealed"].basis == "mandatory"
    assert by["sealed"].reasons == ("open seal alert on MSCU1234566",)
    assert by["nocert"].lane == "yellow"
    assert count(out) == {"red": 3, "yellow": 8, "green": 89}  # two score places went to the mandatory ones
    assert by["AUSYD-2026-11-28-2"].lane == "yellow"


def test_mandatory_outcomes_beyond_capacity_still_apply():
    batch = [Candidate(ref=str(i), probability=0.0, mandatory="red") for i in range(10)]
    assert count(select_batch(batch, NO_RANDOM)) == {"red": 10, "yellow": 0, "green": 0}


def test_rules_force_lanes_and_add_points():
    hit_red = RuleHit("R-RED", 2, "red", 0.0, "targeting rule R-RED v2 forces red")
    pts = RuleHit("R-PTS", 1, "score", 0.5, "targeting rule R-PTS v1 adds 0.5 to the score")
    batch = cands(100)
    batch[50] = Candidate(ref="ruled", office="AUSYD", day="2026-11-28", probability=0.1, rule_hits=(hit_red,))
    batch[60] = Candidate(ref="points", office="AUSYD", day="2026-11-28", probability=0.6, rule_hits=(pts,))
    out = {d.ref: d for d in select_batch(batch, NO_RANDOM)}
    assert out["ruled"].lane == "red" and out["ruled"].basis == "rule" and out["ruled"].reasons == (hit_red.text,)
    assert out["points"].lane == "red" and out["points"].rank == 1.0 and pts.text in out["points"].reasons
    assert out["AUSYD-2026-11-28-1"].lane == "yellow"  # pushed down by the two


def test_random_share_draws_from_the_green_ones_only():
    batch = [Candidate(ref=str(i), probability=0.01) for i in range(10)]
    draws = [0.5, 0.005, 0.9, 0.001, 0.2, 0.3, 0.4, 0.6, 0.7, 0.8]
    out = select_batch(batch, LanePolicy(random_share=0.01), draws=draws)
    chosen = [d for d in out if d.random]
    assert [d.ref for d in chosen] == ["1", "3"]
    assert all(d.lane == "red" and d.basis == "random" for d in chosen)
    assert "random selection for compliance measurement (1.0% of declarations)" in chosen[0].reasons
    assert not any(d.random for d in select_batch(batch, NO_RANDOM, draws=draws))


def test_random_share_is_about_right_over_many():
    batch = [Candidate(ref=str(i), probability=0.0) for i in range(20000)]
    n = sum(d.random for d in select_batch(batch, LanePolicy(random_share=0.02), seed=3))
    assert 320 < n < 480  # 400 expected; 4 sigma is about 80


def test_trusted_traders_get_lower_rates():
    a = Candidate(ref="plain", probability=0.8)
    t = Candidate(ref="trusted", probability=0.9, trusted=True)
    filler = [Candidate(ref=f"f{i}", probability=0.0) for i in range(98)]
    out = {d.ref: d for d in select_batch([t, a] + filler, LanePolicy(red_share=0.01, yellow_share=0.01,
                                                                        random_share=0))}
    assert out["plain"].lane == "red" and out["trusted"].lane == "yellow"  # 0.9 x 0.5 ranks below 0.8
    assert "trusted trader: rank x 0.5" in out["trusted"].reasons
    # random share halved: a draw of 0.015 selects a plain trader at 2% but not a trusted one
    policy = LanePolicy(random_share=0.02)
    assert select_batch([Candidate(ref="p")], policy, draws=[0.015])[0].random
    assert not select_batch([Candidate(ref="t", trusted=True)], policy, draws=[0.015])[0].random


def test_essential_goods_stay_green_unless_a_rule_or_a_high_score_says_otherwise():
    policy = LanePolicy(red_share=0.5, yellow_share=0.5, random_share=1.0, essential_min_score=0.9)
    ok = Candidate(ref="masks", probability=0.7, essential=True)
    hot = Candidate(ref="hot", probability=0.95, essential=True)
    ruled = Candidate(ref="ruled", essential=True, rule_hits=(RuleHit("R", 1, "yellow", 0.0, "rule R"),))
    out = {d.ref: d for d in select_batch([ok, hot, ruled], policy, draws=[0.0, 0.0, 0.0])}
    assert out["masks"].lane == "green" and not out["masks"].random  # not drawn at random either
    assert "essential goods stay green below score 0.9" in out["masks"].reasons
    assert out["hot"].lane == "red" and out["hot"].priority == "essential"
    assert out["ruled"].lane == "yellow" and out["ruled"].priority == "essential"
    assert "essential goods: priority handling" in out["ruled"].reasons


def test_one_at_a_time_uses_thresholds_and_the_days_capacity():
    policy = LanePolicy(random_share=0.0)
    hot = Candidate(ref="x", probability=0.97)
    d = select_one(hot, policy, red_threshold=0.9, yellow_threshold=0.6, usage=Usage(total=10, red=0), draw=0.5)
    assert d.lane == "red" and d.basis == "score" and "rank 0.97 at or above the red threshold 0.90" in d.reasons
    # red already used up for 11 declarations today (max(1, floor(0.33))=1): falls to yellow
    d = select_one(hot, policy, red_threshold=0.9, yellow_threshold=0.6, usage=Usage(total=10, red=1), draw=0.5)
    assert d.lane == "yellow"
    d = select_one(Candidate(ref="y", probability=0.5), policy, red_threshold=0.9, yellow_threshold=0.6,
                   usage=Usage(), draw=0.5)
    assert d.lane == "green" and d.reasons == ("risk score 0.50 within the release range",)
    d = select_one(Candidate(ref="z", mandatory="red", mandatory_reasons=("seal",)), policy, red_threshold=0.9,
                   yellow_threshold=0.6, usage=Usage(total=10, red=5), draw=0.5)
    assert d.lane == "red" and d.basis == "mandatory"


candidate = st.builds(
    Candidate, ref=st.uuids().map(str), office=st.sampled_from(["A", "B"]), day=st.sampled_from(["1", "2"]),
    probability=st.floats(0, 1), mandatory=st.sampled_from(LANES), trusted=st.booleans(), essential=st.booleans(),
    rule_hits=st.lists(st.builds(RuleHit, code=st.just("R"), version=st.just(1),
                                 action=st.sampled_from(["red", "yellow", "score"]), score=st.floats(0, 1),
                                 text=st.just("rule")), max_size=2).map(tuple))


@settings(max_examples=150, deadline=None)
@given(st.lists(candidate, max_size=60), st.floats(0, 0.2), st.floats(0, 0.3), st.floats(0, 0.1))
def test_properties(batch, red, yellow, rnd):
    policy = LanePolicy(red_share=red, yellow_share=yellow, random_share=rnd)
    out = select_batch(batch, policy, seed=1)
    assert [d.ref for d in out] == [c.ref for c in batch]
    order = {lane: i for i, lane in enumerate(LANES)}
    for c, d in zip(batch, out):
        assert order[d.lane] >= order[c.mandatory]  # mandatory outcomes always hold
        assert d.reasons  # every lane has its reasons
        if c.essential:
            assert not d.random
    for group in {(c.office, c.day) for c in batch}:
        members = [d for c, d in zip(batch, out) if (c.office, c.day) == group]
        for lane, share in (("red", red), ("yellow", yellow)):
            by_score = sum(1 for d in members if d.lane == lane and d.basis == "score")
            assert by_score <= int(share * len(members) + 1e-9)


def test_a_green_lane_reason_names_the_targeting_rule_that_added_points():
    """Issue 9: the reason said "risk score 0.00 within the release range" although a rule hit."""
    hit = RuleHit("SEC-S-0042", 1, "score", 0.3, "targeting rule SEC-S-0042 v1 (Knitwear) adds 0.3 to the score")
    d = select_one(Candidate(ref="k", rule_hits=(hit,)), NO_RANDOM, red_threshold=2.0, yellow_threshold=2.0,
                   usage=Usage(), draw=0.5)
    assert d.lane == "green" and d.reasons[0] == "rank 0.30 within the release range"
    assert hit.text in d.reasons and "risk score 0.00 (ranked 0.30)" in d.reasons
    [batch] = select_batch([Candidate(ref="k", rule_hits=(hit,))], NO_RANDOM, draws=[0.5])
    assert batch.lane == "green" and hit.text in batch.reasons


@pytest.mark.parametrize("declarations,red,yellow", [(0, 1, 1), (10, 1, 1), (34, 1, 2), (100, 3, 8), (250, 7, 20)])
def test_the_days_capacity_by_score_is_the_share_of_declarations_at_least_one(declarations, red, yellow):
    assert day_capacity(LanePolicy(red_share=0.03, yellow_share=0.08), declarations) == {"red": red, "yellow": yellow}
