"""Plain data of the workforce API: head counts, shares, self-assessment ratings and scores."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from clearway.errors import FieldError, Invalid
from clearway.workforce import core

FIRST_YEAR = 1990
Count = Annotated[int, Field(ge=0, le=10_000_000)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class GradeIn(_Strict):
    staff: Count
    women: Count


class MetricsIn(_Strict):
    staff: Count = Field(description="all staff of the administration (head count)")
    women: Count
    frontline_staff: Count = Field(0, description="staff in frontline border roles")
    frontline_women: Count = 0
    recruits: Count = Field(0, description="staff recruited during the year")
    recruits_women: Count = 0
    leaders: Count = Field(0, description="staff in leadership (senior management) positions")
    leaders_women: Count = 0
    trained: Count = Field(0, description="staff (women and men) trained on gender bias and harassment")
    grades: dict[Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)], GradeIn] = \
        Field(default_factory=dict, description="head counts by grade, e.g. {\"senior\": {\"staff\": 60, \"women\": 12}}")

    def counts(self, economy: str, year: int, this_year: int) -> core.Metrics:
        """The head counts as the core sees them, or Invalid naming each count that cannot be true."""
        if not FIRST_YEAR <= year <= this_year:
            raise Invalid(f"{year} is not a year to report", errors=[FieldError("year", f"must be {FIRST_YEAR} to "
                                                                                        f"{this_year}")])
        found = core.Metrics(economy, year, **self.model_dump(exclude={"grades"}),
                             grades={g: (v.staff, v.women) for g, v in self.grades.items()})
        problems = core.inconsistencies(found)
        if problems:
            raise Invalid(f"the head counts of {economy} {year} do not add up",
                          errors=[FieldError(f, why) for f, why in problems])
        return found


class MetricsOut(MetricsIn):
    model_config = ConfigDict(extra="ignore")
    economy: str
    year: int
    shares: dict[str, Decimal | None] = Field(description="per cent: overall, frontline, recruits, leadership, trained")
    grade_shares: dict[str, Decimal | None]
    illustrative: bool
    updated_at: datetime
    updated_by: str


class SharesOut(BaseModel):
    """What the regional view publishes: shares only, no head counts below the administration."""
    economy: str
    year: int
    shares: dict[str, Decimal | None]
    grade_shares: dict[str, Decimal | None]
    illustrative: bool


class RatingIn(_Strict):
    rating: int = Field(ge=0, le=4, description="0 not in place, 1 planned, 2 partly, 3 largely, 4 fully and reviewed")
    evidence: Text | None = None
    action: Text | None = Field(None, description="what will be done about it")
    action_owner: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)] | None = None
    action_due: date | None = None
    action_done: bool = False


class RatingOut(RatingIn):
    model_config = ConfigDict(extra="ignore")
    economy: str
    assessed_on: date
    indicator: str
    indicator_text: str
    principle: str
    overdue: bool
    illustrative: bool
    updated_at: datetime
    updated_by: str


class ScoresOut(BaseModel):
    """Per assessment date, per principle, the score in per cent: an aggregate, publishable."""
    economy: str
    principles: dict[str, str]
    scores: dict[date, dict[str, Decimal]]
