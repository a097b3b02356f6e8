"""The time-release report as plain data (what the API returns, the CLI prints and the dashboard draws)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class IntervalStats(BaseModel):
    interval: str
    label: str
    ended: int = Field(description="declarations whose interval ended in the window")
    censored: int = Field(description="still in progress: counted in the survival estimate, not dropped")
    lacking: int = Field(description="declarations without this step (e.g. no control on the green lane)")
    inconsistent: int = Field(description="end recorded before start (left out)")
    mean_hours: float | None = Field(description="mean of the ended intervals")
    median_hours: float | None = Field(description="Kaplan-Meier median (null: not reached yet)")
    p90_hours: float | None = Field(description="Kaplan-Meier 90th percentile (null: not reached yet)")
    target_hours: float | None
    within_target: float | None = Field(description="estimated share ended within the target (0..1)")


class Group(BaseModel):
    value: str
    declarations: int
    intervals: list[IntervalStats]


class Bottleneck(BaseModel):
    office: str
    lane: str
    declarations: int
    interval: str = Field(description="the step with the largest mean time among the steps of arrival -> release")
    mean_hours: float
    share: float = Field(description="its share of the summed mean step times")
    previous_mean_hours: float | None = Field(description="the same step's mean in the previous period")
    change_hours: float | None


class TimeReleaseReport(BaseModel):
    as_of: datetime
    date_from: datetime = Field(alias="from")
    date_to: datetime = Field(alias="to")
    filters: dict[str, str]
    declarations: int
    intervals: list[IntervalStats]
    by: str | None = None
    groups: list[Group] = Field(default_factory=list)
    bottlenecks: list[Bottleneck] = Field(default_factory=list)
    method: str = ("WCO Time Release Study intervals from each declaration's recorded lifecycle; declarations "
                   "in progress are censored at as_of and the median, 90th percentile and share within target "
                   "are Kaplan-Meier estimates; the mean is over ended intervals")

    model_config = {"populate_by_name": True}
