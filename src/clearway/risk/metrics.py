"""Targeting metrics: precision and recall of the top n% by score, and ROC AUC (scikit-learn)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from sklearn.metrics import precision_score, recall_score, roc_auc_score

PERCENTS = (1, 2, 5, 10)


def top_share(scores: np.ndarray, percent: float) -> np.ndarray:
    """Flags of the top `percent`% of rows by score (at least one row; ties broken by position)."""
    n = len(scores)
    k = max(1, int(math.ceil(n * percent / 100 - 1e-9)))
    flags = np.zeros(n, dtype=np.int8)
    flags[np.argsort(-scores, kind="stable")[:k]] = 1
    return flags


def report(y: np.ndarray, scores: np.ndarray, *, revenue: np.ndarray | None = None) -> dict[str, Any]:
    """`n`, `frauds`, `auc`, `precision@n`, `recall@n` (and `revenue@n` when revenue is known)."""
    y = np.asarray(y, dtype=np.int8)
    out: dict[str, Any] = {"n": int(len(y)), "frauds": int(y.sum())}
    out["auc"] = float(roc_auc_score(y, scores)) if 0 < y.sum() < len(y) else None
    for p in PERCENTS:
        flags = top_share(scores, p)
        out[f"precision@{p}"] = float(precision_score(y, flags, zero_division=0))
        out[f"recall@{p}"] = float(recall_score(y, flags, zero_division=0))
        if revenue is not None and revenue.sum() > 0:
            out[f"revenue@{p}"] = float(revenue[flags == 1].sum() / revenue.sum())
    return out
