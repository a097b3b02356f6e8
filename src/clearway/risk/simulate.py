"""Replaying a history week by week, as if Clearway had been selecting all along.

Each week the current model scores the week's declarations; the inspection capacity (a share of
the week) goes to the top-ranked ones, except an exploration share drawn at random (or, with
`method="uncertainty"`, the declarations the model is least sure about, as in "Take a Chance",
arXiv:2010.14282). Only the inspected declarations reveal their outcome; the model is retrained
on what was revealed. Before the first model exists, the whole capacity is drawn at random.

Reported per week: what the inspections found (precision = irregular / inspected, recall = found /
all irregular that week) and how good the model itself was on the whole week (AUC and precision
at the capacity, using the outcomes hidden from it), with and without exploration."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl
from sklearn.metrics import roc_auc_score

from clearway.errors import FieldError, Invalid
from clearway.risk.metrics import top_share
from clearway.risk.model import PARAMS, FraudModel

METHODS = ("random", "uncertainty")


@dataclass(frozen=True)
class Setup:
    capacity: float = 0.10         # share of each week's declarations inspected
    exploration: float = 0.10      # share of the capacity kept for exploration
    method: str = "random"
    retrain_every: int = 2         # weeks
    rounds: int = 60
    min_revealed: int = 200        # labelled rows needed before the first model
    initial_weeks: int = 0         # weeks whose outcomes are all known beforehand (a past history)
    seed: int = 0


def check(setup: Setup) -> None:
    errors = []
    if not 0 < setup.capacity <= 1:
        errors.append(FieldError("weekly_capacity", "must be above 0% and at most 100%"))
    if not 0 <= setup.exploration <= 1:
        errors.append(FieldError("exploration", "must be between 0% and 100% of the capacity"))
    if setup.method not in METHODS:
        errors.append(FieldError("method", f"one of {', '.join(METHODS)}"))
    if setup.initial_weeks < 0:
        errors.append(FieldError("initial_weeks", "cannot be negative"))
    if setup.retrain_every < 1:
        errors.append(FieldError("retrain_every", "at least 1 week"))
    if errors:
        raise Invalid("the simulation was refused", errors=errors)


def _pick(scores: np.ndarray | None, k: int, setup: Setup, exploration: float, rng: np.random.Generator) -> np.ndarray:
    n = len(scores) if scores is not None else 0
    if scores is None:
        raise ValueError
    k = min(k, n)
    explore = int(round(k * exploration))
    chosen = np.zeros(n, dtype=bool)
    order = np.argsort(-scores, kind="stable")
    chosen[order[:k - explore]] = True
    if explore:
        rest = np.flatnonzero(~chosen)
        if setup.method == "uncertainty":
            # the least certain: probabilities nearest 0.5, a random tie-break
            closeness = np.abs(scores[rest] - 0.5) + rng.random(len(rest)) * 1e-6
            chosen[rest[np.argsort(closeness)[:explore]]] = True
        else:
            chosen[rng.choice(rest, size=min(explore, len(rest)), replace=False)] = True
    return chosen


def _train(data: pl.DataFrame, setup: Setup) -> FraudModel | None:
    if data.height < 50 or data["fraud"].n_unique() < 2:
        return None
    params = {**PARAMS, "num_leaves": 63, "seed": setup.seed}
    return FraudModel(params=params, max_rounds=setup.rounds, valid_fraction=0).fit(data)


def run(history: pl.DataFrame, setup: Setup, *, exploration: float | None = None) -> dict[str, Any]:
    """One replay; `exploration` overrides the setup's share (0 = pure exploitation)."""
    check(setup)
    share = setup.exploration if exploration is None else exploration
    rng = np.random.default_rng(setup.seed)
    df = history.sort("date", maintain_order=True).with_columns(
        pl.col("date").dt.truncate("1w").alias("_week"))
    weeks = df["_week"].unique().sort().to_list()
    revealed: list[pl.DataFrame] = []
    model: FraudModel | None = None
    since_train = 0
    out = []
    found_total = fraud_total = inspected_total = 0
    for i, w in enumerate(weeks):
        week = df.filter(pl.col("_week") == w).drop("_week")
        if i < setup.initial_weeks:  # the past: every outcome known, nothing selected or measured
            revealed.append(week)
            if i == setup.initial_weeks - 1 and week.height:
                model = _train(pl.concat(revealed), setup)
                since_train = 0
            continue
        y = week["fraud"].to_numpy()
        k = max(1, math.ceil(setup.capacity * week.height))
        if model is None:
            chosen = np.zeros(week.height, dtype=bool)
            chosen[rng.choice(week.height, size=min(k, week.height), replace=False)] = True
            scores = None
        else:
            scores = model.predict_proba(week)[:, 1]
            chosen = _pick(scores, k, setup, share, rng)
        found = int(y[chosen].sum())
        frauds = int(y.sum())
        row = {"week": str(w), "declarations": week.height, "inspected": int(chosen.sum()), "found": found,
               "frauds": frauds, "precision": found / max(1, int(chosen.sum())),
               "recall": found / frauds if frauds else None, "model": model is not None}
        if scores is not None and 0 < frauds < week.height:
            row["model_auc"] = float(roc_auc_score(y, scores))
            flags = top_share(scores, setup.capacity * 100)
            row["model_precision_at_capacity"] = float(y[flags == 1].mean())
        out.append(row)
        found_total, fraud_total, inspected_total = found_total + found, fraud_total + frauds, \
            inspected_total + int(chosen.sum())
        revealed.append(week.filter(pl.Series(chosen)))
        since_train += 1
        labelled = sum(r.height for r in revealed)
        if labelled >= max(setup.min_revealed, 50) and (model is None or since_train >= setup.retrain_every):
            data = pl.concat(revealed)
            if data["fraud"].n_unique() == 2:
                model = _train(data, setup)
                since_train = 0
    modelled = [r for r in out if "model_auc" in r]
    half = modelled[len(modelled) // 2:]
    summary = {
        "exploration": share, "method": setup.method if share else "none", "weeks": len(out),
        "inspected": inspected_total, "found": found_total, "frauds": fraud_total,
        "precision": found_total / max(1, inspected_total), "recall": found_total / max(1, fraud_total),
        "model_auc_mean": float(np.mean([r["model_auc"] for r in modelled])) if modelled else None,
        "model_auc_last_half": float(np.mean([r["model_auc"] for r in half])) if half else None,
        "model_precision_at_capacity_last_half":
            float(np.mean([r["model_precision_at_capacity"] for r in half])) if half else None,
    }
    return {"summary": summary, "weeks": out}


def compare(history: pl.DataFrame, setup: Setup) -> dict[str, Any]:
    """The same replay without exploration and with the setup's exploration share."""
    check(setup)
    return {"capacity": setup.capacity, "retrain_every_weeks": setup.retrain_every, "seed": setup.seed,
            "initial_weeks": setup.initial_weeks,
            "without_exploration": run(history, setup, exploration=0.0),
            "with_exploration": run(history, setup)}
