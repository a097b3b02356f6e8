"""Fast per-feature contributions for one declaration: the decision-path attribution of each tree
(Saabas): walking a row from the root to its leaf, each split's change in the node value is
credited to the feature it splits on. Contributions plus the bias add up to the raw score exactly,
like LightGBM's pred_contrib (TreeSHAP), at a fraction of the cost: a lane decision that needs its
reasons stays within milliseconds. Split semantics follow LightGBM (missing values, categories)."""

from __future__ import annotations

import math
from typing import Any

import lightgbm as lgb
import numpy as np

# node: (feature, threshold or category set, categorical, default_left, missing ("None"|"Zero"|"NaN"),
#        left index, right index, value); a leaf has feature -1
Node = tuple[int, Any, bool, bool, str, int, int, float]


def _flatten(tree: dict[str, Any]) -> list[Node]:
    nodes: list[Node] = []

    def add(n: dict[str, Any]) -> int:
        i = len(nodes)
        if "split_feature" not in n:
            nodes.append((-1, 0.0, False, False, "None", -1, -1, float(n["leaf_value"])))
            return i
        nodes.append((0, 0.0, False, False, "None", -1, -1, 0.0))  # placeholder, children first
        left, right = add(n["left_child"]), add(n["right_child"])
        categorical = n["decision_type"] == "=="
        threshold = frozenset(int(c) for c in str(n["threshold"]).split("||")) if categorical else float(n["threshold"])
        nodes[i] = (int(n["split_feature"]), threshold, categorical, bool(n["default_left"]), n["missing_type"],
                    left, right, float(n["internal_value"]))
        return i

    add(tree)
    return nodes


class PathExplainer:
    def __init__(self, booster: lgb.Booster) -> None:
        dump = booster.dump_model(num_iteration=booster.best_iteration or None)
        self.trees = [_flatten(t["tree_structure"]) for t in dump["tree_info"]]
        self.n_features = len(dump["feature_names"])

    @staticmethod
    def _left(node: Node, v: float) -> bool:
        _, threshold, categorical, default_left, missing, *_ = node
        if categorical:
            if math.isnan(v) or v < 0:
                return False
            return int(v) in threshold
        if math.isnan(v) and missing != "NaN":
            v = 0.0
        if (missing == "Zero" and abs(v) <= 1e-35) or (missing == "NaN" and math.isnan(v)):
            return default_left
        return v <= threshold

    def contributions(self, x: np.ndarray) -> np.ndarray:
        """One row -> contributions per feature, and the bias last (the layout of pred_contrib)."""
        out = np.zeros(self.n_features + 1)
        row = x.tolist()
        for nodes in self.trees:
            node = nodes[0]
            out[-1] += node[7]
            while node[0] >= 0:
                child = nodes[node[5] if self._left(node, row[node[0]]) else node[6]]
                out[node[0]] += child[7] - node[7]
                node = child
        return out
