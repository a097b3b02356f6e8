"""Scoring declarations with a trained fraud model: one at a time (the lane decision) or in bulk."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

from clearway.risk import features
from clearway.risk.metrics import report
from clearway.risk.model import FraudModel
from clearway.risk.paths import PathExplainer
from clearway.risk.reasons import explain


@dataclass(frozen=True)
class Score:
    probability: float
    expected_revenue: float | None = None
    reasons: list[dict[str, Any]] = field(default_factory=list)


def score_records(model: FraudModel, records: list[dict[str, Any]], *, reasons: bool = True,
                  top: int = 3) -> list[Score]:
    """Score rows given as dicts in the canonical layout (one per goods item). Single-threaded:
    for a handful of rows thread start-up costs more than the trees."""
    if not records:
        return []
    x = features.transform_records(model.encoders, records)
    it = model.booster.best_iteration or None
    p = model.booster.predict(x, num_iteration=it, num_threads=1)
    rev = None
    if model.revenue_booster is not None:
        rev = p * np.expm1(model.revenue_booster.predict(x, num_threads=1))
    names = model.encoders.feature_names
    if not reasons:
        return [Score(float(p[i]), None if rev is None else float(rev[i])) for i in range(len(records))]
    paths = explainer(model)
    return [Score(float(p[i]), None if rev is None else float(rev[i]),
                  explain(paths.contributions(x[i]), x[i], records[i], names, model.encoders.prior, top))
            for i in range(len(records))]


def explainer(model: FraudModel) -> PathExplainer:
    """The model's path explainer, built once per loaded model."""
    found = model.__dict__.get("_paths")
    if found is None:
        found = model.__dict__["_paths"] = PathExplainer(model.booster)
    return found


def evaluate(model: FraudModel, history: pl.DataFrame, *, ranking: str = "probability") -> dict[str, Any]:
    """The targeting metrics of the model on a labelled history (scikit-learn metrics)."""
    key = model.rank_key(history, ranking)
    revenue = history["revenue"].fill_null(0).to_numpy() if history["revenue"].null_count() < history.height else None
    out = report(history["fraud"].to_numpy(), key, revenue=revenue)
    out["ranking"] = ranking
    out["window"] = {"from": str(history["date"].min()), "to": str(history["date"].max())}
    return out
