"""Plain data of the risk API: rules, policy, lane decisions, inspections."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from clearway.risk.targeting import ACTIONS, FIELDS

RuleCode = Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,59}$")]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=512)]
Share = Annotated[float, Field(ge=0, le=1)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ConditionIn(_Strict):
    field: Literal[tuple(FIELDS)]  # type: ignore[valid-type]
    op: str
    value: Any


class RuleIn(_Strict):
    code: RuleCode = Field(description="the rule's own identifier, e.g. TEXTILE-UNDERVALUATION")
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=140)]
    description: Text | None = None
    action: Literal[ACTIONS]  # type: ignore[valid-type]
    score: float | None = Field(default=None, description="points added to the score (action score), 0..1")
    conditions: list[ConditionIn] = Field(min_length=1, max_length=20)
    valid_from: AwareDatetime | None = None
    valid_to: AwareDatetime | None = None
    owner: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)] | None = Field(
        default=None, description="who answers for the rule (default: the caller)")


class RuleChangeIn(_Strict):
    """A new version: the fields given replace those of the current version."""

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=140)] | None = None
    description: Text | None = None
    action: Literal[ACTIONS] | None = None  # type: ignore[valid-type]
    score: float | None = None
    conditions: list[ConditionIn] | None = Field(default=None, min_length=1, max_length=20)
    valid_from: AwareDatetime | None = None
    valid_to: AwareDatetime | None = None
    owner: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)] | None = None


class RetireIn(_Strict):
    reason: Text | None = None


class RuleStats(BaseModel):
    hits: int = Field(description="lane decisions the rule held for (all versions)")
    decisions: int = Field(description="lane decisions taken in the economy")
    hit_rate: float | None = Field(description="hits / decisions")
    inspected: int = Field(description="hits whose declaration was inspected")
    confirmed: int = Field(description="inspected hits where the inspection found an irregularity")
    confirmed_share: float | None = Field(description="confirmed / inspected")


class RuleOut(BaseModel):
    code: str
    version: int
    status: str
    name: str
    description: str | None
    action: str
    score: float
    conditions: list[dict[str, Any]]
    valid_from: datetime | None
    valid_to: datetime | None
    owner: str
    created_at: datetime
    actor: str
    stats: RuleStats | None = None


class PolicyIn(_Strict):
    red_share: Share = Field(0.03, description="most red by score per office and day")
    yellow_share: Share = Field(0.08, description="most yellow by score per office and day")
    random_share: Share = Field(0.01, description="random selection kept for unbiased compliance measurement")
    random_lane: Literal["yellow", "red"] = "red"
    trusted_factor: Share = Field(0.5, description="trusted traders' rank and random share are multiplied by it")
    essential_min_score: Share = Field(0.9, description="essential goods leave green by score only above it")
    environmental_goods_priority: bool = Field(False, description="give goods of the APEC List of Environmental "
                                               "Goods the priority handling essential goods get")
    min_score: Share = Field(0.05, description="no control by score below this probability")
    ranking: Literal["probability", "revenue"] = "probability"
    red_threshold: float | None = Field(None, ge=0, description="fixed rank threshold for red (else the model's)")
    yellow_threshold: float | None = Field(None, ge=0)
    trusted_traders: list[Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]] = \
        Field(default_factory=list, max_length=100_000, description="party ids (importer or declarant) of AEOs")


class PolicyOut(PolicyIn):
    version: int
    created_at: datetime | None
    actor: str | None


class LaneOut(BaseModel):
    mrn: str
    status: str
    lane: str
    basis: str
    random: bool
    priority: str
    mandatory: str
    probability: float | None
    expected_revenue: float | None
    reasons: list[str]
    model_reasons: list[dict[str, Any]]
    rule_hits: list[dict[str, Any]]
    model_version: str | None
    policy_version: int | None
    decided_at: datetime
    actor: str


Money = Annotated[Decimal, Field(ge=0, max_digits=20, decimal_places=6, allow_inf_nan=False)]


class InspectionIn(_Strict):
    outcome: Literal["compliant", "irregular"]
    severity: int | None = Field(None, ge=0, le=2, description="0 none, 1 minor, 2 critical (default 0 / 1)")
    findings: list[Text] = Field(default_factory=list, max_length=50)
    revised_value: Money | None = Field(None, description="customs value found, in the declaration currency")
    revised_hs_code: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9]{6,10}$")] | None = None
    extra_duty: Money = Field(Decimal("0"), description="extra duty and taxes raised, in the declaration currency "
                              "(converted at the assessment's customs rate and collected before release)")
    decision: Literal["release", "reject"] = "release"


class InspectionOut(BaseModel):
    mrn: str
    status: str
    lane: str
    random: bool
    outcome: str
    severity: int
    findings: list[str]
    revised_value: Decimal | None
    revised_hs_code: str | None
    extra_duty: Decimal
    currency: str
    decision: str
    inspected_at: datetime
    officer: str


class EssentialChangeIn(_Strict):
    reason: Text = Field(description="why the subheading is added to or removed from the list")


class EssentialOut(BaseModel):
    subheading: str
    description: str
    source: Literal["shipped", "added", "removed"]
    reason: str | None = None
    actor: str | None = None
    changed_at: datetime | None = None


class EssentialEventOut(BaseModel):
    at: datetime
    actor: str
    action: str
    reason: str
