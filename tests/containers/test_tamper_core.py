"""The tamper detector on its own: an honest journey never alerts, each tamper kind is found by its
rule, and every threshold comes from configuration."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clearway.containers import synthetic
from clearway.containers.thresholds import DetectorConfig, from_mapping
from clearway.containers.tamper import Journey, Place, Report, detect

CFG = DetectorConfig()
START = 1_800_000_000.0
SLOW = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def rules_of(sim, cfg=CFG, now=None):
    return sorted({a.rule for a in detect(sim.journey, sim.reports + sim.foreign, cfg, now)})


# On real roads with real devices a rare honest journey does alert (all three reports of a train's stop in a
# crossing loop lost, say): the aims of issue 15 are at most 2 % of honest journeys alerted and a recall of
# at least 0.95, so that is what these hold, over fixed seeds (docs/benchmarks-seals.md measures 600).

def test_honest_journeys_with_device_faults_are_alerted_at_most_2_percent():
    alerted = []
    for seed in range(120):
        rng = random.Random(seed)
        faults = rng.sample(synthetic.FAULTS, rng.randint(0, 3))
        sim = synthetic.make(random.Random(seed), kind=None, faults=faults, start=START)
        if rules_of(sim):
            alerted.append((seed, faults, rules_of(sim)))
    assert len(alerted) <= 2, alerted


@pytest.mark.parametrize("kind", sorted(synthetic.KINDS))
def test_each_tamper_kind_is_found_by_its_rule(kind):
    missed = []
    for seed in range(20):
        rng = random.Random(seed)
        faults = rng.sample(synthetic.FAULTS, rng.randint(0, 2))
        sim = synthetic.make(random.Random(seed), kind=kind, faults=faults, start=START)
        found = detect(sim.journey, sim.reports + sim.foreign, CFG)
        mine = [a for a in found if a.rule == synthetic.KINDS[kind]]
        if not mine:
            missed.append((seed, faults))
            continue
        assert mine[0].evidence and mine[0].severity == getattr(CFG, mine[0].rule).severity
    assert len(missed) <= 1, missed  # at least 95 %


@SLOW
@given(seed=st.integers(0, 2**32 - 1), kind=st.sampled_from(sorted(synthetic.KINDS)))
def test_order_and_repeats_of_the_reports_do_not_change_the_verdict(seed, kind):
    rng = random.Random(seed)
    sim = synthetic.make(rng, kind=kind, start=START)
    reports = sim.reports + sim.foreign
    shuffled = reports + rng.sample(reports, len(reports) // 3)
    rng.shuffle(shuffled)
    a = [(x.rule, x.evidence) for x in detect(sim.journey, reports, CFG)]
    b = [(x.rule, x.evidence) for x in detect(sim.journey, shuffled, CFG)]
    assert a == b


@pytest.mark.parametrize("kind", sorted(synthetic.KINDS))
def test_a_disabled_rule_stays_silent(kind):
    rule = synthetic.KINDS[kind]
    cfg = from_mapping({rule: {"enabled": False}})
    sim = synthetic.make(random.Random(7), kind=kind, start=START)
    assert rules_of(sim, cfg) == []


# Hand-made journeys: the thresholds themselves.

def _journey(**kw) -> Journey:
    base = dict(seal_id="S1", container="MSCU1234566", origin=(22.3, 114.17), destination=(22.54, 114.06),
                departure=START, arrival_from=START + 3600, arrival_to=START + 4 * 3600,
                places=(Place("HKHKG", 22.3, 114.17, 2.0, "terminal"), Place("CNSZX", 22.54, 114.06, 5.0)),
                moving_interval=1800.0)  # a device that reports every 30 minutes on the move
    base.update(kw)
    return Journey(**base)


def _r(seq, minutes, lat=22.3, lon=114.17, status="sealed", battery=80.0, skew=0.0, seal="S1"):
    t = START + minutes * 60
    return Report(seal, seq, t + skew, t + 1, lat, lon, status, battery)


def test_gap_threshold_is_the_configured_one():
    # parked (the same place either side): 50 and 45 minutes, limit max(60 min, 1.5 parked intervals of 1 h)
    reports = [_r(0, 0), _r(1, 50), _r(2, 95)]
    assert rules_of(_Sim(_journey(), reports)) == []
    strict = from_mapping({"gap": {"max_minutes": 45, "parked_reports": 0.5}})
    found = detect(_journey(), reports, strict)
    assert [a.rule for a in found] == ["gap"]
    assert found[0].evidence == (("S1", 0), ("S1", 1))
    assert found[0].reason == "seal S1 was silent for 50 min in transit while parked (limit 45 min)"


def test_trailing_silence_needs_now_and_is_not_blamed_on_a_dead_battery():
    reports = [_r(0, 0), _r(1, 10)]
    assert rules_of(_Sim(_journey(), reports)) == []
    assert rules_of(_Sim(_journey(), reports), now=START + 3 * 3600) == ["gap"]
    dead = [_r(0, 0), _r(1, 10, battery=3.0), _r(2, 20, battery=2.0)]  # two readings: one would be noise
    assert rules_of(_Sim(_journey(), dead), now=START + 3 * 3600) == ["battery"]


def test_opening_inside_the_geofence_in_the_window_ends_the_journey():
    at_dest = dict(lat=22.54, lon=114.06)
    ok = [_r(0, 0), _r(1, 70, status="opened", **at_dest), _r(2, 300, status="wire_cut", **at_dest)]
    assert rules_of(_Sim(_journey(), ok)) == []  # after an authorised opening nothing is transit
    early = [_r(0, 0), _r(1, 5, status="opened", **at_dest)]  # window opens at 60 min, grace 60 min
    assert rules_of(_Sim(_journey(), early)) == []
    strict = from_mapping({"opened": {"early_minutes": 30}})
    found = detect(_journey(), early, strict)
    assert [a.rule for a in found] == ["opened"] and "before the arrival window" in found[0].reason


def test_opening_outside_names_the_distance():
    found = detect(_journey(), [_r(0, 0), _r(1, 20, lat=22.40, lon=114.10, status="opened")], CFG)
    assert [a.rule for a in found] == ["opened"]
    assert "km from CNSZX" in found[0].reason and found[0].severity == "critical"


def test_corridor_needs_consecutive_points_outside_or_one_it_could_have_reached():
    off = dict(lat=23.2, lon=114.9)  # ~100 km off the HKG-SZX line: no truck gets there in 10 minutes
    one = [_r(0, 0), _r(1, 10, **off), _r(2, 20)]
    assert rules_of(_Sim(_journey(), one)) == []
    two = [_r(0, 0), _r(1, 10, **off), _r(2, 20, **off), _r(3, 30)]
    assert rules_of(_Sim(_journey(), two)) == ["corridor"]
    found = detect(_journey(), two, CFG)[0]
    assert "straight line between the offices (no planned or learned route)" in found.reason
    assert rules_of(_Sim(_journey(), two), from_mapping({"corridor": {"straight_half_width_km": 150}})) == []


def test_clock_skew_bound_and_count():
    one = [_r(0, 0), _r(1, 10, skew=3600), _r(2, 20)]
    assert rules_of(_Sim(_journey(), one)) == []
    two = [_r(0, 0), _r(1, 10, skew=3600), _r(2, 20, skew=3600), _r(3, 30)]
    found = detect(_journey(), two, CFG)
    assert [a.rule for a in found] == ["clock"] and "ahead of" in found[0].reason


def test_foreign_seal_outside_the_journey_window_is_not_evidence():
    long_before = _r(0, -600, seal="S2")
    assert rules_of(_Sim(_journey(), [_r(0, 0), long_before])) == []
    during = _r(5, 30, seal="S2")
    found = detect(_journey(), [_r(0, 0), during], CFG)
    assert [a.rule for a in found] == ["foreign_seal"] and found[0].evidence == (("S2", 5),)


def test_reports_after_an_authorised_removal_are_ignored():
    after = [_r(0, 0), _r(1, 30, status="wire_cut")]
    assert rules_of(_Sim(_journey(ended_at=START + 600), after)) == []
    assert rules_of(_Sim(_journey(), after)) == ["tamper_status"]


def test_configuration_refuses_unknown_rules_and_bad_values():
    with pytest.raises(ValueError, match="unknown rule"):
        from_mapping({"teleport": {}})
    with pytest.raises(ValueError, match="gap.max_hours is not a threshold"):
        from_mapping({"gap": {"max_hours": 2}})
    with pytest.raises(ValueError, match="must be a number"):
        from_mapping({"gap": {"max_minutes": "soon"}})
    with pytest.raises(ValueError, match="severity"):
        from_mapping({"gap": {"severity": "apocalyptic"}})
    assert from_mapping({"gap": {"max_minutes": 5}}).gap.max_minutes == 5.0
    assert replace(CFG).as_dict()["corridor"]["half_width_km"] == 5.0


class _Sim:
    def __init__(self, journey, reports):
        self.journey, self.reports, self.foreign = journey, reports, []


def test_the_installation_overrides_thresholds_with_a_toml_file(tmp_path, monkeypatch):
    from clearway.containers.thresholds import configured

    monkeypatch.delenv("CLEARWAY_SEALS_RULES", raising=False)
    assert configured() == DetectorConfig()
    path = tmp_path / "rules.toml"
    path.write_text('[gap]\nmax_minutes = 45\n\n[corridor]\nhalf_width_km = 12.5\nseverity = "critical"\n')
    monkeypatch.setenv("CLEARWAY_SEALS_RULES", str(path))
    cfg = configured()
    assert (cfg.gap.max_minutes, cfg.corridor.half_width_km, cfg.corridor.severity) == (45.0, 12.5, "critical")
    assert cfg.clock == DetectorConfig().clock
