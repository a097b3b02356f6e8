"""Plain data of the TFA API: commitments, projects, the stock-take, matches and gaps."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, WithJsonSchema

from clearway.errors import FieldError, Invalid
from clearway.tfa import core

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Economy = Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Za-z]{2}$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CommitmentIn(_Strict):
    category: Literal["A", "B", "C"] = Field(description="TFA Art. 14: A on entry into force, B after a transitional "
                                                         "period, C after one and with capacity-building support")
    indicative_date: date | None = None
    definitive_date: date | None = None
    status: Literal["not_started", "in_progress", "implemented"] = "not_started"
    percent: int = Field(0, ge=0, le=100, description="how far implementation has come, 0-100")
    evidence: Text | None = Field(None, description="law, regulation, notice or system that shows it; required "
                                                    "when implemented")
    priority: Literal["high", "medium", "low"] | None = Field(None, description="the economy's priority; none = "
                                                                               "not a priority")
    ta_needed: Text | None = Field(None, description="the technical assistance the economy needs for it")

    def entry(self, economy: str, measure: str) -> core.Commitment:
        """The entry as the core sees it, or Invalid naming every field that cannot stand (core.refusals)."""
        found = core.Commitment(economy, measure, self.category, self.status, self.percent, self.indicative_date,
                                self.definitive_date, self.priority, self.ta_needed, self.evidence)
        problems = core.refusals(found)
        if problems:
            raise Invalid(f"the entry for {economy} {measure} cannot be stored",
                          errors=[FieldError(f, why) for f, why in problems])
        return found


class CommitmentOut(CommitmentIn):
    model_config = ConfigDict(extra="ignore")
    economy: str
    measure: str
    measure_title: str
    due_date: date | None
    days_overdue: int | None
    illustrative: bool
    updated_at: datetime
    updated_by: str


class ChangeOut(BaseModel):
    at: datetime
    actor: str
    action: str
    before: dict | None
    after: dict


class ProjectIn(_Strict):
    title: Name
    donor: Name = Field(description="donor or implementer")
    measures: list[Annotated[str, StringConstraints(strip_whitespace=True)]] = Field(min_length=1, max_length=36)
    eligible: list[Economy] = Field(default_factory=list, description="economy codes; empty = every APEC economy")
    modality: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)] = Field(
        description="e.g. national, regional, advisory, e-learning")
    status: Literal["planned", "ongoing", "completed", "cancelled"] = "planned"
    start: date | None = None
    end: date | None = None


class ProjectOut(ProjectIn):
    model_config = ConfigDict(extra="ignore")
    code: str
    illustrative: bool
    updated_at: datetime
    updated_by: str


class CategoryRateOut(BaseModel):
    category: str
    measures: int
    implemented: int
    rate: Decimal | None = Field(description="implemented measures, per cent of the category's")
    progress: Decimal | None = Field(description="mean progress entered, per cent (implemented = 100)")


class EvidenceOut(BaseModel):
    measure: str
    indicator: str
    value: Decimal | None
    unit: str
    numerator: int
    denominator: int
    basis: str


class StocktakeOut(BaseModel):
    economy: str
    today: date
    commitments: list[CommitmentOut]
    overdue: list[CommitmentOut]
    early_warning: list[CommitmentOut] = Field(description="definitive date ahead, Art. 17 notice (120 days "
                                                           "before it) due now")
    rates: list[CategoryRateOut]
    evidence: list[EvidenceOut]


class NeedOut(BaseModel):
    measure: str
    priority: str
    weight: int
    category: str
    help_asked: bool


class MatchOut(BaseModel):
    project: ProjectOut
    score: int
    share: int = Field(description="per cent of the economy's total need weight this project covers")
    covered: list[NeedOut]
    explanation: list[str]


class LeftOutOut(BaseModel):
    project: str
    reason: str


class MatchesOut(BaseModel):
    economy: str
    today: date
    needs: list[NeedOut]
    matches: list[MatchOut]
    left_out: list[LeftOutOut]
    rule: str


class GapOut(BaseModel):
    measure: str
    measure_title: str
    economies: list[str]


class GapsOut(BaseModel):
    today: date
    gaps: list[GapOut]


class HeatCellOut(BaseModel):
    level: int | None = Field(description="0-100 (implemented = 100); null: nothing entered")
    status: str | None
    category: str | None


# The cell's schema is written out in the grid's (not referenced): some client generators lose the import of a
# model referenced only from a list of lists.
_CELL = {"type": "object", "required": ["level", "status", "category"], "properties": {
    "level": {"anyOf": [{"type": "integer", "minimum": 0, "maximum": 100}, {"type": "null"}]},
    "status": {"anyOf": [{"type": "string"}, {"type": "null"}]},
    "category": {"anyOf": [{"type": "string"}, {"type": "null"}]}}}


class HeatMapOut(BaseModel):
    """Economies x measures: `cells[i][j]` is economy i's entry for measure j."""

    economies: list[str]
    measures: list[str]
    cells: Annotated[list[list[HeatCellOut]], WithJsonSchema({"type": "array", "items": {"type": "array",
                                                                                         "items": _CELL}})]
