"""Aggregate figures anyone may read (WTO TFA Art. 7.6: release times are measured *and published*): the
time-release report. No key: the same figures are on the public dashboard, and no declaration-level data
leaves (counts and times per interval and group only)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from clearway.api.deps import Ctx
from clearway.db import utcnow
from clearway.flows import time_release
from clearway.timerelease import core, query
from clearway.timerelease.schemas import TimeReleaseReport

router = APIRouter(prefix="/api/v1/metrics", tags=["metrics"])

YesNo = Annotated[str | None, Query(pattern="^(yes|no)$")]


@router.get("/time-release", response_model=TimeReleaseReport, response_model_by_alias=True)
def time_release_report(
        ctx: Ctx,
        date_from: Annotated[str | None, Query(alias="from", max_length=40,
                                               description="YYYY-MM-DD or ISO 8601 time; default: to - 30 days")] = None,
        date_to: Annotated[str | None, Query(alias="to", max_length=40, description="default: now")] = None,
        economy: Annotated[str | None, Query(pattern="^[A-Z]{2}$")] = None,
        office: Annotated[str | None, Query(pattern="^[A-Za-z0-9]{5}$")] = None,
        mode: Annotated[str | None, Query(max_length=20)] = None,
        lane: Annotated[str | None, Query(pattern="^(green|yellow|red)$")] = None,
        trusted: YesNo = None, pre_arrival: YesNo = None, essential: YesNo = None, low_value: YesNo = None,
        by: Annotated[str | None, Query(pattern="^(" + "|".join(query.BY) + ")$")] = None,
        period: Annotated[str, Query(pattern="^(" + "|".join(core.PERIODS) + ")$")] = "month",
        target: Annotated[list[str], Query(max_length=20, description="interval:hours, e.g. arrival_to_release:24")]
        = [],  # noqa: B006 - FastAPI copies the default
        fmt: Annotated[str, Query(alias="format", pattern="^(json|csv)$")] = "json") -> Any:
    """WCO Time Release Study figures for declarations lodged in [from, to): per interval count, mean,
    Kaplan-Meier median and 90th percentile (declarations in progress censored), share within target;
    `by` breaks them down; bottlenecks per office and lane against the previous period."""
    start, end = query.window(date_from, date_to, now=utcnow())
    chosen = query.filters(office=office, mode=mode, lane=lane, trusted=trusted, pre_arrival=pre_arrival,
                           essential=essential, low_value=low_value)
    goals = query.targets(target)
    with ctx.uow() as session:
        rep = time_release.time_release(session, start=start, end=end, economy=economy, filters=chosen, by=by,
                                        period=period, targets=goals)
    if fmt == "csv":
        return Response(query.to_csv(rep), media_type="text/csv",
                        headers={"Content-Disposition": 'attachment; filename="time-release.csv"'})
    return rep
