"""Mandatory control outcomes, as pure rules.

Other checks (certificates, seals, ...) raise findings against a declaration; each finding names the
least lane it requires. The lane selector must respect the strongest open finding, whatever the
risk score says, and an open finding blocks automatic release."""

from __future__ import annotations

LANES = ("green", "yellow", "red")  # in increasing order of control
_RANK = {lane: i for i, lane in enumerate(LANES)}


def stronger(a: str, b: str) -> str:
    return a if _RANK[a] >= _RANK[b] else b


def mandatory_lane(required: list[str]) -> str:
    """The least lane that satisfies every open finding (green when there is none)."""
    lane = "green"
    for r in required:
        lane = stronger(lane, r)
    return lane


def at_least(lane: str, minimum: str) -> str:
    return stronger(lane, minimum)
