"""The lane selector, as pure rules: which declarations go green (release), yellow (document check)
or red (physical inspection), and why.

Order of precedence, for each declaration:
1. Mandatory outcomes (open control findings: seal alerts, missing certificates...) and targeting
   rules that force a lane: the lane is at least that, whatever the capacity.
2. Score: within the capacity left per office and day (e.g. 3% red, 8% yellow), the highest ranked
   declarations go red, then yellow. The rank is the model's probability (or expected revenue) plus
   the points of score rules; trusted traders' rank is multiplied by `trusted_factor`; essential
   goods leave green by score only above `essential_min_score`.
3. Random selection (exploration, unbiased compliance measurement): each declaration still green
   is drawn with probability `random_share` (times `trusted_factor` for trusted traders; essential
   goods are not drawn). Random selections are outside the capacity and marked as such.

`select_batch` fills the capacity exactly for a known set of declarations; `select_one` decides one
declaration as it arrives, against score thresholds taken from the model's held-out score
distribution and the capacity already used that day at that office. Both share the same steps."""

from __future__ import annotations

import math
import random
from collections import defaultdict
from dataclasses import dataclass

from clearway.controls.core import LANES, at_least, stronger
from clearway.risk.targeting import RuleHit

RANKINGS = ("probability", "revenue")


@dataclass(frozen=True)
class LanePolicy:
    red_share: float = 0.03
    yellow_share: float = 0.08
    random_share: float = 0.01
    random_lane: str = "red"
    trusted_factor: float = 0.5
    essential_min_score: float = 0.9
    min_score: float = 0.05
    ranking: str = "probability"
    red_threshold: float | None = None      # explicit thresholds for select_one (else the model's quantiles)
    yellow_threshold: float | None = None


@dataclass(frozen=True)
class Candidate:
    ref: str
    office: str = ""
    day: str = ""
    probability: float = 0.0
    expected_revenue: float | None = None
    rule_hits: tuple[RuleHit, ...] = ()
    mandatory: str = "green"
    mandatory_reasons: tuple[str, ...] = ()
    trusted: bool = False
    essential: bool = False
    priority_basis: str = "essential goods"  # why `essential` (priority handling) holds
    model_reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class LaneDecision:
    ref: str
    lane: str
    basis: str  # mandatory | rule | score | random | none
    reasons: tuple[str, ...]
    rank: float
    random: bool = False
    priority: str = "normal"  # "essential": the fastest queue when controlled


@dataclass
class Usage:
    """Declarations laned so far at one office on one day, and how many of them went red/yellow."""

    total: int = 0
    red: int = 0
    yellow: int = 0


# ---- shared steps ---------------------------------------------------------------------------------

def forced(c: Candidate) -> tuple[str, list[str]]:
    lane, why = c.mandatory, list(c.mandatory_reasons)
    if lane != "green" and not why:
        why.append(f"an open control finding requires at least {lane}")
    for hit in c.rule_hits:
        if hit.action in ("red", "yellow"):
            lane = stronger(lane, hit.action)
            why.append(hit.text)
    return lane, why


def rank(c: Candidate, policy: LanePolicy) -> float:
    points = sum(h.score for h in c.rule_hits if h.action == "score")
    if policy.ranking == "revenue" and c.expected_revenue is not None:
        key = c.expected_revenue * (1 + points)
    else:
        key = min(1.0, c.probability + points)
    return key * policy.trusted_factor if c.trusted else key


def eligible_by_score(c: Candidate, policy: LanePolicy, key: float) -> bool:
    p = min(1.0, c.probability + sum(h.score for h in c.rule_hits if h.action == "score"))
    if c.essential and p < policy.essential_min_score:
        return False
    return p >= policy.min_score and key > 0


def _score_words(c: Candidate, policy: LanePolicy, key: float) -> list[str]:
    words = [f"risk score {c.probability:.2f}" + (f" (ranked {key:.2f})" if abs(key - c.probability) > 1e-9 else "")]
    words += [h.text for h in c.rule_hits if h.action == "score"]
    if c.trusted:
        words.append(f"trusted trader: rank x {policy.trusted_factor:g}")
    return words + list(c.model_reasons)


def random_drawn(c: Candidate, policy: LanePolicy, draw: float) -> bool:
    if c.essential:
        return False
    share = policy.random_share * (policy.trusted_factor if c.trusted else 1.0)
    return draw < share


def _decision(c: Candidate, lane: str, basis: str, reasons: list[str], key: float, *, is_random: bool = False):
    priority = "essential" if c.essential else "normal"
    if c.essential:
        reasons = reasons + [f"{c.priority_basis}: priority handling"]
    return LaneDecision(c.ref, lane, basis, tuple(reasons), key, is_random, priority)


def _finish(c: Candidate, policy: LanePolicy, key: float, lane: str, basis: str, reasons: list[str],
            draw: float) -> LaneDecision:
    if lane == "green" and random_drawn(c, policy, draw):
        share = policy.random_share * (policy.trusted_factor if c.trusted else 1.0)
        return _decision(c, at_least(lane, policy.random_lane), "random",
                         [f"random selection for compliance measurement ({share:.1%} of declarations)"], key,
                         is_random=True)
    if lane == "green" and not reasons:
        adjusted = c.trusted or any(h.action == "score" for h in c.rule_hits)
        # a targeting rule's points (or the trusted factor) moved the rank: say so, not just the model's score
        reasons = ([f"rank {key:.2f} within the release range"] + _score_words(c, policy, key) if adjusted
                   else [f"risk score {c.probability:.2f} within the release range"])
        if c.essential and c.probability >= policy.min_score:
            reasons.append(f"{c.priority_basis} stay green below score {policy.essential_min_score:g}")
    return _decision(c, lane, basis, reasons, key)


def _cap(share: float, n: int) -> int:
    return int(math.floor(share * n + 1e-9))


def day_capacity(policy: LanePolicy, declarations: int) -> dict[str, int]:
    """How many of an office's declarations of the day may go red and yellow by score, once it has laned
    `declarations` (select_one's rule: at least one of each, so that the first high score is controlled)."""
    return {"red": max(1, _cap(policy.red_share, declarations)),
            "yellow": max(1, _cap(policy.yellow_share, declarations))}


# ---- many at once -------------------------------------------------------------------------------

def select_batch(candidates: list[Candidate], policy: LanePolicy, *, seed: int = 0,
                 draws: list[float] | None = None) -> list[LaneDecision]:
    """Lanes for a set of declarations, capacity filled per (office, day). `draws` (one uniform
    number per candidate) replaces the seeded random generator, for tests and replays."""
    rng = random.Random(seed)
    draws = draws if draws is not None else [rng.random() for _ in candidates]
    by_group: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, c in enumerate(candidates):
        by_group[(c.office, c.day)].append(i)
    out: list[LaneDecision | None] = [None] * len(candidates)
    for members in by_group.values():
        n = len(members)
        caps = {"red": _cap(policy.red_share, n), "yellow": _cap(policy.yellow_share, n)}
        used = {"red": 0, "yellow": 0}
        keys = {i: rank(candidates[i], policy) for i in members}
        free = []
        for i in members:
            lane, why = forced(candidates[i])
            if lane != "green":
                used[lane] += 1
                basis = "mandatory" if candidates[i].mandatory == lane else "rule"
                out[i] = _decision(candidates[i], lane, basis, why, keys[i])
            else:
                free.append(i)
        free.sort(key=lambda i: (-keys[i], i))
        for i in free:
            c, key = candidates[i], keys[i]
            lane = "green"
            if eligible_by_score(c, policy, key):
                for option in ("red", "yellow"):
                    if used[option] < caps[option]:
                        lane = option
                        used[option] += 1
                        break
            if lane != "green":
                out[i] = _decision(c, lane, "score", [f"within the {lane} capacity by rank"] +
                                   _score_words(c, policy, key), key)
            else:
                out[i] = _finish(c, policy, key, "green", "none", [], draws[i])
    return [d for d in out if d is not None]


# ---- one at a time ------------------------------------------------------------------------------

def select_one(c: Candidate, policy: LanePolicy, *, red_threshold: float, yellow_threshold: float,
               usage: Usage, draw: float) -> LaneDecision:
    """The lane of one declaration as it arrives. The day's capacity at its office is enforced
    with `usage` (the declarations already laned there today): score-based red is allowed while
    red ones stay within max(1, floor(red_share x declarations so far)), yellow likewise."""
    key = rank(c, policy)
    lane, why = forced(c)
    if lane != "green":
        basis = "mandatory" if c.mandatory == lane else "rule"
        return _decision(c, lane, basis, why, key)
    caps = day_capacity(policy, usage.total + 1)
    if eligible_by_score(c, policy, key):
        red_t = policy.red_threshold if policy.red_threshold is not None else red_threshold
        yellow_t = policy.yellow_threshold if policy.yellow_threshold is not None else yellow_threshold
        if key >= red_t and usage.red + 1 <= caps["red"]:
            return _decision(c, "red", "score", [f"rank {key:.2f} at or above the red threshold {red_t:.2f}"]
                             + _score_words(c, policy, key), key)
        if key >= yellow_t and usage.yellow + 1 <= caps["yellow"]:
            return _decision(c, "yellow", "score", [f"rank {key:.2f} at or above the yellow threshold {yellow_t:.2f}"]
                             + _score_words(c, policy, key), key)
    return _finish(c, policy, key, "green", "none", [], draw)


def count(decisions: list[LaneDecision]) -> dict[str, int]:
    out = {lane: 0 for lane in LANES}
    for d in decisions:
        out[d.lane] += 1
    return out
