"""Score the detector against a simulation's ground truth: a pure core.

A journey is a positive when an attack on it was sized over at least one rule's threshold (its truth names
the rules that must find it), and is flagged when at least one alert was raised on its seal. Honest journeys
(no attack) flagged are false alerts. Attacks sized under every threshold ("evasive") are neither: they are
counted on their own, as what the thresholds let through. Per rule, a journey counts for the rule when its
truth names the rule, and is flagged for it when an alert of that rule was raised; per attack kind, the
share of its journeys flagged."""

from __future__ import annotations

from collections.abc import Iterable
from statistics import median
from typing import Any

from clearway.containers.thresholds import RULES


def _ratio(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


def score(truth: list[dict[str, Any]], alerts: Iterable[tuple[str, str]],
          latency: dict[str, float] | None = None) -> dict[str, Any]:
    """`truth`: the simulator's journeys ({seal_id, rules, kind, evasive...}); `alerts`: (seal_id, rule)
    raised; `latency`: seconds from the attack to its first alert, by seal (when measured)."""
    raised: dict[str, set[str]] = {}
    for seal_id, rule in alerts:
        raised.setdefault(seal_id, set()).add(rule)
    tp = fp = fn = tn = 0
    per: dict[str, dict[str, int]] = {r: {"tp": 0, "fp": 0, "fn": 0} for r in RULES}
    kinds: dict[str, dict[str, int]] = {}
    evasive = {"journeys": 0, "flagged": 0}
    misses: list[dict[str, Any]] = []
    for j in truth:
        expected = set(j.get("rules") or [])
        got = raised.get(j["seal_id"], set())
        k = kinds.setdefault(j.get("kind") or ("tampered" if expected else "honest"), {"journeys": 0, "flagged": 0})
        k["journeys"] += 1
        k["flagged"] += bool(got)
        if j.get("evasive"):
            evasive["journeys"] += 1
            evasive["flagged"] += bool(got)
            continue
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
        if bool(expected) != bool(got):
            misses.append({"seal_id": j["seal_id"], "kind": j.get("kind"), "expected": sorted(expected),
                           "raised": sorted(got), "faults": j.get("faults", [])})
    per_rule = {r: {"precision": _ratio(c["tp"], c["tp"] + c["fp"]), "recall": _ratio(c["tp"], c["tp"] + c["fn"]),
                    **c} for r, c in per.items()}
    for k in kinds.values():
        k["share_flagged"] = _ratio(k["flagged"], k["journeys"])
    honest = kinds.get("honest", {"journeys": 0, "flagged": 0})
    out = {"journeys": len(truth), "tampered": tp + fn, "flagged": tp + fp,
           "precision": _ratio(tp, tp + fp), "recall": _ratio(tp, tp + fn),
           "honest_alerted": _ratio(honest["flagged"], honest["journeys"]),
           "evasive": {**evasive, "share_flagged": _ratio(evasive["flagged"], evasive["journeys"])},
           "confusion": {"tp": tp, "fp": fp, "fn": fn, "tn": tn}, "per_rule": per_rule,
           "per_kind": dict(sorted(kinds.items())), "mismatches": misses[:50]}
    if latency:
        values = sorted(latency.values())
        out["minutes_to_alert"] = {"median": round(median(values) / 60, 1), "p90": round(
            values[int(0.9 * (len(values) - 1))] / 60, 1), "measured": len(values)}
    return out
