"""The tamper detector's named steps: one function per rule group of clearway.containers.thresholds, each
callable on its own, and `detect` is exactly their alerts in order."""

from __future__ import annotations

import random

import pytest

from clearway.containers import synthetic, tamper, thresholds
from clearway.containers.thresholds import DetectorConfig

START = 1_800_000_000.0


def test_every_configured_rule_has_one_step_and_every_step_a_rule():
    assert sorted(f.__name__ for f in tamper.RULES) == sorted(thresholds.RULES)


@pytest.mark.parametrize("kind", sorted(synthetic.KINDS))
def test_each_kind_is_raised_by_its_own_step_and_no_other(kind):
    # seeds fixed: the simulated journey is the same on every run
    sim = synthetic.make(random.Random(11), kind=kind, start=START)
    facts = tamper._facts(sim.journey, sim.reports + sim.foreign, DetectorConfig(), None)
    raised = {step.__name__: step(facts) for step in tamper.RULES}
    rule = synthetic.KINDS[kind]
    assert raised[rule] is not None and raised[rule].rule == rule
    assert [name for name, alert in raised.items() if alert is not None] == [rule]
    assert tamper.detect(sim.journey, sim.reports + sim.foreign, DetectorConfig()) == [raised[rule]]


def test_the_gap_step_alone_on_a_hand_made_journey():
    j = tamper.Journey("S1", "MSCU1234566", (22.3, 114.17), (22.54, 114.06), START, START + 3600, START + 4 * 3600,
                       (tamper.Place("CNSZX", 22.54, 114.06, 5.0),))
    # moving north-west about 5 km between reports
    reports = [tamper.Report("S1", seq, START + m * 60, START + m * 60 + 1, 22.3 + k * 0.03, 114.17 - k * 0.015,
                             "sealed", 80.0) for k, (seq, m) in enumerate(((0, 0), (1, 70), (2, 80)))]
    facts = tamper._facts(j, reports, DetectorConfig(), None)
    alert = tamper.gap(facts)
    assert alert is not None
    assert alert.evidence == (("S1", 0), ("S1", 1))
    assert alert.reason == "seal S1 was silent for 1.2 h in transit while moving (limit 20 min)"
    assert alert.at == START
    assert tamper.corridor(facts) is None and tamper.opened(facts) is None
