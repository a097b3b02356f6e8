"""The fraud model: gradient-boosted trees (LightGBM) over the engineered features, with the
estimator shape of scikit-learn (`fit`, `predict_proba`) and an artefact that carries its metadata.

Training holds out the latest part of the history (by date) to choose the number of trees and to
report honest metrics, then refits on the whole window with that number. Where the history records
the extra revenue inspections raised, a second model estimates it, so that declarations can be
ranked by expected revenue (probability x revenue if fraudulent) instead of probability alone."""

from __future__ import annotations

import json
import platform
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np
import polars as pl
import sklearn

from clearway.errors import FieldError, Invalid
from clearway.risk import features
from clearway.risk.metrics import report

PARAMS: dict[str, Any] = {
    "objective": "binary", "learning_rate": 0.1, "num_leaves": 255, "min_data_in_leaf": 20,
    "feature_fraction": 0.7, "bagging_fraction": 0.8, "bagging_freq": 1, "max_cat_to_onehot": 8,
    "verbose": -1, "num_threads": 2, "seed": 7, "deterministic": True,
}
MAX_ROUNDS = 100
EARLY_STOP = 30
MIN_ROUNDS = 30
MIN_REVENUE_CASES = 20
RANKINGS = ("probability", "revenue")


@dataclass
class FraudModel:
    params: dict[str, Any] = field(default_factory=lambda: dict(PARAMS))
    max_rounds: int = MAX_ROUNDS
    valid_fraction: float = 0.2
    refit: bool = True
    booster: lgb.Booster | None = None
    revenue_booster: lgb.Booster | None = None
    encoders: features.Encoders | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    # ---- training -----------------------------------------------------------------------------
    def fit(self, history: pl.DataFrame, *, valid: pl.DataFrame | None = None) -> FraudModel:
        """Train on a labelled history (canonical layout). Without `valid`, the latest
        `valid_fraction` of the rows by date is held out for early stopping and the metrics."""
        if history.height < 50 or history["fraud"].n_unique() < 2:
            raise Invalid("the history is too small to train on",
                          errors=[FieldError("history", "needs at least 50 inspected rows with both outcomes")])
        started = time.perf_counter()
        history = history.sort("date", maintain_order=True)
        if valid is None and self.valid_fraction <= 0:  # fixed rounds, no held-out rows (replays)
            self._fit_once(history, None, rounds=self.max_rounds)
            self.metadata = {"rounds": self.max_rounds, "features": self.encoders.feature_names,
                             "training_window": {"from": str(history["date"].min()), "to": str(history["date"].max()),
                                                 "rows": history.height, "frauds": int(history["fraud"].sum())},
                             "train_seconds": round(time.perf_counter() - started, 2)}
            return self
        if valid is None:
            cut = int(history.height * (1 - self.valid_fraction))
            train, valid = history.head(cut), history.slice(cut)
        else:
            train = history
        rounds, held_out, valid_scores = self._fit_once(train, valid)
        final = pl.concat([train, valid]) if self.refit else train
        if self.refit:
            self._fit_once(final, None, rounds=rounds)
        self.metadata = {
            "library": {"lightgbm": lgb.__version__, "scikit-learn": sklearn.__version__, "polars": pl.__version__,
                        "numpy": np.__version__, "python": platform.python_version()},
            "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "training_window": {"from": str(final["date"].min()), "to": str(final["date"].max()),
                                "rows": final.height, "frauds": int(final["fraud"].sum())},
            "validation": {"from": str(valid["date"].min()), "to": str(valid["date"].max()),
                           "rows": valid.height, "split": "time-based: latest rows by date"},
            "rounds": rounds, "params": self.params, "features": self.encoders.feature_names,
            "categorical": list(features.CATEGORICAL), "metrics_validation": held_out,
            "revenue_model": self.revenue_booster is not None,
            "score_quantiles": _quantiles(valid_scores),
            "train_seconds": round(time.perf_counter() - started, 2),
        }
        return self

    def _fit_once(self, train: pl.DataFrame, valid: pl.DataFrame | None, *, rounds: int | None = None):
        enc, x = features.fit(train, seed=self.params.get("seed", 0))
        y = train["fraud"].to_numpy()
        names = enc.feature_names
        cats = features.categorical_indices()
        dtrain = lgb.Dataset(x, y, feature_name=names, categorical_feature=cats, free_raw_data=True)
        held_out, scores = None, None
        if valid is not None:
            xv = features.transform(enc, valid)
            yv = valid["fraud"].to_numpy()
            dvalid = lgb.Dataset(xv, yv, reference=dtrain, categorical_feature=cats)
            booster = lgb.train({**self.params, "metric": "auc"}, dtrain, self.max_rounds, valid_sets=[dvalid],
                                callbacks=[lgb.early_stopping(EARLY_STOP, verbose=False)])
            # a floor keeps a small or noisy validation window from choosing a one-tree model
            rounds = max(min(MIN_ROUNDS, self.max_rounds), booster.best_iteration or self.max_rounds)
            scores = booster.predict(xv, num_iteration=rounds)
            booster.best_iteration = rounds
            held_out = report(yv, scores)
        else:
            booster = lgb.train(self.params, dtrain, rounds or self.max_rounds)
        self.booster, self.encoders = booster, enc
        self.revenue_booster = self._fit_revenue(train, x)
        return rounds or self.max_rounds, held_out, scores

    def _fit_revenue(self, train: pl.DataFrame, x: np.ndarray) -> lgb.Booster | None:
        revenue = train["revenue"].fill_null(0).to_numpy()
        mask = (train["fraud"].to_numpy() == 1) & (revenue > 0)
        if mask.sum() < MIN_REVENUE_CASES:
            return None
        params = {**self.params, "objective": "regression", "num_leaves": 31, "min_data_in_leaf": 5}
        data = lgb.Dataset(x[mask], np.log1p(revenue[mask]), feature_name=self.encoders.feature_names,
                           categorical_feature=features.categorical_indices())
        return lgb.train(params, data, 200)

    # ---- scoring ------------------------------------------------------------------------------
    def _x(self, df: pl.DataFrame) -> np.ndarray:
        if self.booster is None or self.encoders is None:
            raise RuntimeError("the model is not trained")
        return features.transform(self.encoders, df)

    def predict_proba(self, df: pl.DataFrame, x: np.ndarray | None = None) -> np.ndarray:
        x = self._x(df) if x is None else x
        p = self.booster.predict(x, num_iteration=self.booster.best_iteration or None)
        return np.column_stack([1 - p, p])

    def expected_revenue(self, df: pl.DataFrame, proba: np.ndarray | None = None,
                         x: np.ndarray | None = None) -> np.ndarray | None:
        """Probability x estimated extra revenue if fraudulent; None when the history had no revenue."""
        if self.revenue_booster is None:
            return None
        x = self._x(df) if x is None else x
        p = self.predict_proba(df, x)[:, 1] if proba is None else proba
        return p * np.expm1(self.revenue_booster.predict(x))

    def rank_key(self, df: pl.DataFrame, ranking: str = "probability") -> np.ndarray:
        if ranking not in RANKINGS:
            raise Invalid(f"unknown ranking {ranking!r}", errors=[FieldError("ranking", f"one of {RANKINGS}")])
        x = self._x(df)
        p = self.predict_proba(df, x)[:, 1]
        if ranking == "revenue":
            rev = self.expected_revenue(df, p, x)
            if rev is None:
                raise Invalid("the model was trained without revenue",
                              errors=[FieldError("ranking", "revenue ranking needs a history with revenue")])
            return rev
        return p

    def contributions(self, x: np.ndarray) -> np.ndarray:
        """Per-feature contributions to the log-odds (LightGBM pred_contrib); last column = bias."""
        return self.booster.predict(x, num_iteration=self.booster.best_iteration or None, pred_contrib=True)

    # ---- artefact -----------------------------------------------------------------------------
    def save(self, directory: str | Path) -> Path:
        d = Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        self.booster.save_model(str(d / "model.txt"), num_iteration=self.booster.best_iteration or None)
        if self.revenue_booster is not None:
            self.revenue_booster.save_model(str(d / "revenue.txt"))
        elif (d / "revenue.txt").exists():
            (d / "revenue.txt").unlink()
        (d / "encoders.json").write_text(json.dumps(self.encoders.to_json()))
        (d / "metadata.json").write_text(json.dumps(self.metadata, indent=2, default=_plain))
        return d

    @classmethod
    def load(cls, directory: str | Path) -> FraudModel:
        d = Path(directory)
        if not (d / "model.txt").is_file() or not (d / "metadata.json").is_file():
            raise Invalid(f"{d}: not a Clearway fraud model", errors=[
                FieldError("model", f"{d}: expected model.txt, encoders.json and metadata.json (clearway risk train)")])
        meta = json.loads((d / "metadata.json").read_text())
        m = cls(params=meta.get("params", PARAMS), metadata=meta)
        m.booster = lgb.Booster(model_file=str(d / "model.txt"))
        m.booster.best_iteration = 0
        if (d / "revenue.txt").is_file():
            m.revenue_booster = lgb.Booster(model_file=str(d / "revenue.txt"))
        m.encoders = features.Encoders.from_json(json.loads((d / "encoders.json").read_text()))
        return m

    def version(self) -> str:
        return f"{self.metadata.get('trained_at', '?')}/{self.metadata.get('rounds', '?')}"


def _quantiles(scores: np.ndarray) -> dict[str, float]:
    """Score quantiles on the held-out rows: the lane selector's thresholds for one declaration at
    a time (the top 3% of this distribution lies above the 0.970 quantile)."""
    return {f"{q:.3f}": float(np.quantile(scores, q)) for q in np.round(np.arange(0.5, 1.0, 0.005), 3)}


def threshold(quantiles: dict[str, float], top_share: float) -> float:
    """The score above which the top `top_share` (0..1) of declarations lie."""
    q = min(0.995, max(0.5, 1 - top_share))
    keys = sorted(quantiles, key=float)
    best = min(keys, key=lambda k: abs(float(k) - q))
    return quantiles[best]


def _plain(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(type(value))
