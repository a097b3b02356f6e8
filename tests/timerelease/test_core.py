"""The time-release statistics core on hand-computed cases: pre-arrival, censored, rejected, out-of-order
clocks, and the Kaplan-Meier estimate against a published worked example."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from clearway.timerelease import core, report
from clearway.timerelease.survival import kaplan_meier

T0 = datetime(2026, 3, 2, tzinfo=UTC)
AS_OF = T0 + timedelta(hours=28)


def h(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def decl(id: int, status: str, **milestones: float) -> dict:
    return {"id": id, "office": "AUSYD", "mode": "sea", "lane": milestones.pop("lane", "green"), "trusted": False,
            "essential": False, "low_value": False, "status": status,
            **{k: h(v) for k, v in milestones.items()}}


# A: green, lodged 10 h before arrival, paid and released before the ship came in.
A = decl(1, "released", arrival=10, lodged=0, accepted=0, assessed=1, lane_selected=1, paid=3, released=3)
# B: red, under control since hour 4 and unpaid at as_of (hour 28): censored.
B = decl(2, "under_control", lane="red", arrival=0, lodged=2, accepted=2, assessed=4, lane_selected=4,
         control_start=4)
# C: yellow, paid during the control, released when the control ended.
C = decl(3, "released", lane="yellow", arrival=5, lodged=6, accepted=6, assessed=8, lane_selected=8,
         control_start=8, control_end=20, paid=10, released=20)
# D: rejected at assessment: never released, so not censored either.
D = decl(4, "rejected", lane=None, arrival=0, lodged=1, accepted=1)
# E: assessed "before" it was accepted (a clock set wrong): inconsistent, left out.
E = decl(5, "released", arrival=0, lodged=3, accepted=3, assessed=2, lane_selected=3, paid=4, released=4)


def stats(rows: list[dict], name: str):
    frame = core.lifecycle_frame(rows)
    out = report.report(frame, as_of=AS_OF, start=T0 - timedelta(days=1), end=T0 + timedelta(days=1))
    return next(s for s in out.intervals if s.interval == name), out


def test_pre_arrival_lodgement_is_negative_and_release_before_arrival_counts_as_on_arrival():
    s, _ = stats([A], "arrival_to_lodgement")
    assert (s.ended, s.mean_hours, s.median_hours) == (1, -10.0, -10.0)
    overall, _ = stats([A], "arrival_to_release")
    assert (overall.ended, overall.median_hours) == (1, 0.0)  # released at hour 3, arrived at 10: 0 h
    release, _ = stats([A], "release")
    assert (release.ended, release.median_hours) == (1, 0.0)  # paid at 3 = the last condition, released at 3


def test_in_progress_declarations_are_censored_not_dropped():
    control, _ = stats([B, C], "control")
    # C ended after 12 h; B has run 24 h (4 -> 28) and is censored: KM S(12) = 1 - 1/2 = 0.5, so the median
    # is 12 h; the 90th percentile is never reached (S stays at 0.5).
    assert (control.ended, control.censored, control.median_hours, control.p90_hours) == (1, 1, 12.0, None)
    assert control.mean_hours == 12.0
    overall, _ = stats([B, C], "arrival_to_release")
    assert (overall.ended, overall.censored) == (1, 1)  # C: 5 -> 20 = 15 h; B: censored at 28 h
    assert overall.median_hours == 15.0


def test_steps_a_declaration_never_had_are_lacking():
    rows = [A, B, C, D]
    control, _ = stats(rows, "control")
    assert (control.ended, control.censored, control.lacking) == (1, 1, 2)  # A green, D rejected
    payment, _ = stats(rows, "payment")
    # A 1 -> 3 (2 h), C 8 -> 10 (2 h), B censored at 24 h, D never assessed
    assert (payment.ended, payment.censored, payment.lacking, payment.mean_hours) == (2, 1, 1, 2.0)
    release, _ = stats(rows, "arrival_to_release")
    assert (release.ended, release.censored, release.lacking) == (2, 1, 1)  # D rejected: lacking, not censored


def test_an_end_recorded_before_its_start_is_inconsistent_and_left_out():
    s, _ = stats([A, E], "acceptance_to_assessment")
    assert (s.ended, s.inconsistent, s.mean_hours) == (1, 1, 1.0)


def test_as_of_in_the_past_treats_later_milestones_as_not_yet_happened():
    frame = core.lifecycle_frame([C])
    out = report.report(frame, as_of=h(15), start=T0, end=T0 + timedelta(days=1))
    control = next(s for s in out.intervals if s.interval == "control")
    assert (control.ended, control.censored) == (0, 1)  # control ended at 20, after as_of 15
    overall = next(s for s in out.intervals if s.interval == "arrival_to_release")
    assert (overall.ended, overall.censored, overall.median_hours) == (0, 1, None)


def test_share_within_target_uses_the_survival_estimate():
    frame = core.lifecycle_frame([A, B, C])
    out = report.report(frame, as_of=AS_OF, start=T0 - timedelta(days=1), end=T0 + timedelta(days=1),
                        targets={"arrival_to_release": 10.0})
    overall = next(s for s in out.intervals if s.interval == "arrival_to_release")
    # times: A 0 (ended), C 15 (ended), B 28 (censored). S(10) = 1 - 1/3: a third ended within 10 h.
    assert overall.target_hours == 10.0
    assert overall.within_target == pytest.approx(0.3333, abs=1e-4)


def test_breakdowns_by_lane_pre_arrival_and_week():
    frame = core.lifecycle_frame([A, B, C, D])
    out = report.report(frame, as_of=AS_OF, start=T0 - timedelta(days=1), end=T0 + timedelta(days=1), by="lane")
    assert [(g.value, g.declarations) for g in out.groups] == [("(none)", 1), ("green", 1), ("red", 1), ("yellow", 1)]
    out = report.report(frame, as_of=AS_OF, start=T0 - timedelta(days=1), end=T0 + timedelta(days=1),
                        by="pre_arrival")
    assert [(g.value, g.declarations) for g in out.groups] == [("no", 3), ("yes", 1)]
    out = report.report(frame, as_of=AS_OF, start=T0 - timedelta(days=1), end=T0 + timedelta(days=1),
                        by="period", period="week")
    assert [(g.value, g.declarations) for g in out.groups] == [("2026-03-02", 4)]  # Monday of that ISO week
    only = report.report(frame, as_of=AS_OF, start=T0 - timedelta(days=1), end=T0 + timedelta(days=1),
                         filters={"lane": "yellow"})
    assert only.declarations == 1


def test_bottleneck_is_the_longest_step_and_its_change_from_the_previous_period():
    week = timedelta(days=7)
    before = {**C, "id": 9, **{k: v - week for k, v in C.items() if isinstance(v, datetime)}}
    before["control_end"] = before["control_start"] + timedelta(hours=20)  # 20 h control the week before
    frame = core.lifecycle_frame([C, before])
    out = report.report(frame, as_of=AS_OF, start=T0, end=T0 + week)
    [b] = out.bottlenecks
    # C's steps: arrival->lodgement 1, acceptance->assessment 2, assessment->lane 0, control 12, payment 2,
    # release 0 (control ended at 20 = release): control is 12 / 17 of the summed step means.
    assert (b.office, b.lane, b.interval, b.mean_hours) == ("AUSYD", "yellow", "control", 12.0)
    assert b.share == pytest.approx(12 / 17, abs=1e-4)
    assert (b.previous_mean_hours, b.change_hours) == (20.0, -8.0)


def test_kaplan_meier_matches_the_published_6mp_leukaemia_example():
    """Freireich et al. (1963) 6-MP arm, the worked example of Kaplan-Meier in Kleinbaum & Klein,
    *Survival Analysis: A Self-Learning Text* (3rd ed., 2012), ch. 2, table of S(t): 0.8571 at 6 weeks,
    0.8067 at 7, 0.7529 at 10, 0.6902 at 13, 0.6275 at 16, 0.5378 at 22, 0.4482 at 23; median 23 weeks."""
    t = [6, 6, 6, 6, 7, 9, 10, 10, 11, 13, 16, 17, 19, 20, 22, 23, 25, 32, 32, 34, 35]
    e = [1, 1, 1, 0, 1, 0, 1, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0]
    curve = kaplan_meier(np.array(t), np.array(e, dtype=bool))
    assert curve.times.tolist() == [6, 7, 10, 13, 16, 22, 23]
    assert np.round(curve.survival, 4).tolist() == [0.8571, 0.8067, 0.7529, 0.6902, 0.6275, 0.5378, 0.4482]
    assert curve.quantile(0.5) == 23.0
    assert curve.quantile(0.9) is None  # S never falls to 0.1
    assert curve.ended_by(10) == pytest.approx(1 - 0.7529, abs=1e-4)


def test_kaplan_meier_without_censoring_is_the_empirical_quantile():
    rng = np.random.default_rng(7)
    x = rng.exponential(10, 501)
    curve = kaplan_meier(x, np.ones(len(x), dtype=bool))
    for p in (0.5, 0.9):
        assert curve.quantile(p) == pytest.approx(np.quantile(x, p, method="inverted_cdf"))
