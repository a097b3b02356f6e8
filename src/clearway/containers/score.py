"""Score the detector against a simulation's ground truth: a pure core.

A journey is a positive when it was tampered with (its truth names at least one rule) and is flagged when
at least one alert was raised on its seal. Per rule, a journey counts for the rule when its truth names
the rule, and is flagged for it when an alert of that rule was raised."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from clearway.containers.thresholds import RULES


def _ratio(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


def score(truth: list[dict[str, Any]], alerts: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """`truth`: the simulator's journeys ({seal_id, rules, kind...}); `alerts`: (seal_id, rule) raised."""
    raised: dict[str, set[str]] = {}
    for seal_id, rule in alerts:
        raised.setdefault(seal_id, set()).add(rule)
    tp = fp = fn = tn = 0
    per: dict[str, dict[str, int]] = {r: {"tp": 0, "fp": 0, "fn": 0} for r in RULES}
    misses: list[dict[str, Any]] = []
    for j in truth:
        expected = set(j.get("rules") or [])
        got = raised.get(j["seal_id"], set())
        if expected and got:
            tp += 1
        elif got:
            fp += 1
        elif expected:
            fn += 1
        else:
            tn += 1
        for rule in expected | got:
            c = per.setdefault(rule, {"tp": 0, "fp": 0, "fn": 0})
            c["tp" if rule in expected and rule in got else "fp" if rule in got else "fn"] += 1
        if expected != got:
            misses.append({"seal_id": j["seal_id"], "kind": j.get("kind"), "expected": sorted(expected),
                           "raised": sorted(got), "faults": j.get("faults", [])})
    per_rule = {r: {"precision": _ratio(c["tp"], c["tp"] + c["fp"]), "recall": _ratio(c["tp"], c["tp"] + c["fn"]),
                    **c} for r, c in per.items()}
    return {"journeys": len(truth), "tampered": tp + fn, "flagged": tp + fp,
            "precision": _ratio(tp, tp + fp), "recall": _ratio(tp, tp + fn),
            "confusion": {"tp": tp, "fp": fp, "fn": fn, "tn": tn}, "per_rule": per_rule, "mismatches": misses[:50]}
