"""The week-by-week replay with and without exploration, on the small sample."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from typer.testing import CliRunner

from clearway.errors import Invalid
from clearway.risk.simulate import Setup, _pick, compare, run
from tests.risk.support import TRAIN


def test_pick_exploits_the_top_and_explores_the_rest():
    scores = np.array([0.9, 0.1, 0.8, 0.5, 0.2, 0.45, 0.05, 0.3, 0.7, 0.6])
    rng = np.random.default_rng(0)
    chosen = _pick(scores, 4, Setup(), 0.0, rng)
    assert set(np.flatnonzero(chosen)) == {0, 2, 8, 9}
    chosen = _pick(scores, 4, Setup(method="uncertainty"), 0.5, rng)
    assert set(np.flatnonzero(chosen)) == {0, 2, 3, 5}  # top two, then the two nearest 0.5
    chosen = _pick(scores, 4, Setup(method="random"), 0.5, rng)
    assert chosen.sum() == 4 and chosen[0] and chosen[2]


def test_replay_inspects_the_capacity_each_week_and_reveals_only_that(train_history):
    setup = Setup(capacity=0.2, exploration=0.25, rounds=20, min_revealed=100, retrain_every=4)
    result = run(train_history, setup)
    weeks = result["weeks"]
    assert sum(w["declarations"] for w in weeks) == train_history.height
    for w in weeks:
        assert w["inspected"] == min(w["declarations"], math.ceil(0.2 * w["declarations"]))
        assert 0 <= w["found"] <= min(w["inspected"], w["frauds"])
    s = result["summary"]
    assert s["inspected"] == sum(w["inspected"] for w in weeks) and s["found"] == sum(w["found"] for w in weeks)
    assert s["precision"] == pytest.approx(s["found"] / s["inspected"])
    assert not weeks[0]["model"] and weeks[-1]["model"]  # random until enough outcomes are revealed
    assert s["model_auc_mean"] is not None


def test_full_capacity_finds_everything(train_history):
    s = run(train_history.head(400), Setup(capacity=1.0, rounds=10))["summary"]
    assert s["recall"] == 1.0 and s["found"] == s["frauds"]


def test_compare_runs_both_and_refuses_bad_setups(train_history):
    result = compare(train_history.head(600), Setup(capacity=0.1, rounds=10, min_revealed=30))
    assert result["without_exploration"]["summary"]["exploration"] == 0.0
    assert result["with_exploration"]["summary"]["exploration"] == 0.1
    with pytest.raises(Invalid) as exc:
        compare(train_history, Setup(capacity=0))
    assert exc.value.errors[0].path == "weekly_capacity"


def test_cli_simulate_json():
    from clearway.cli import app

    r = CliRunner().invoke(app, ["risk", "simulate", "--history", str(TRAIN), "--weekly-capacity", "10%",
                                 "--rounds", "10", "--retrain-every", "8", "--json"])
    assert r.exit_code == 0, r.output
    result = json.loads(r.stdout)
    assert result["capacity"] == 0.1
    assert {"without_exploration", "with_exploration"} <= set(result)
    r = CliRunner().invoke(app, ["risk", "simulate", "--history", str(TRAIN), "--weekly-capacity", "lots"])
    assert r.exit_code == 2 and "weekly-capacity" in r.output


def test_initial_weeks_are_known_history_not_measured(train_history):
    result = run(train_history, Setup(capacity=0.1, rounds=10, initial_weeks=13, retrain_every=8))
    weeks = result["weeks"]
    assert weeks[0]["week"] >= "2020-03-23"  # the first 13 weeks are the past
    assert weeks[0]["model"]  # a model from the known history from the first measured week on
    assert sum(w["declarations"] for w in weeks) < train_history.height
