"""What of selectivity each key may see. Targeting criteria are not disclosed to traders: a
declarant learns the lane of its declaration, never the rules that hit it, its score or the
reasons. Officers and admins see everything. No database here."""

from __future__ import annotations

from clearway.auth.core import Principal, is_customs
from clearway.controls.core import LANES
from clearway.risk.schemas import LaneOut

def sees_criteria(principal: Principal) -> bool:
    return is_customs(principal)


def history_reason(lane: str) -> str:
    """The reason written in the declaration's status history when its lane is chosen."""
    return f"{lane} lane selected"


def history_for(principal: Principal, *, to_status: str, reason: str | None) -> str | None:
    """A status-history reason as this key may read it. Lane selections recorded before the history
    was kept neutral carried the rule, score and reasons ("yellow (rule): targeting rule ..."):
    a declarant reads the lane alone."""
    if to_status != "lane_selected" or sees_criteria(principal) or reason is None:
        return reason
    first = reason.split(" ", 1)[0]
    return history_reason(first) if first in LANES else "lane selected"


def lane_for(principal: Principal, out: LaneOut) -> LaneOut:
    """A lane decision as this key may read it: for a declarant the lane, its status and time only."""
    if sees_criteria(principal):
        return out
    return out.model_copy(update={"basis": "", "random": False, "mandatory": "", "probability": None,
                                  "expected_revenue": None, "reasons": [], "model_reasons": [], "rule_hits": [],
                                  "model_version": None, "policy_version": None})
