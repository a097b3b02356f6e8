"""The time-release report the straightforward way: Polars expressions over the lifecycle frame, one
frame per group, one Kaplan-Meier per group and interval. Kept as the reference the fast path
(timerelease.report) is tested against (tests/timerelease/test_fast.py: the same report, figure for figure,
on random histories) and measured against (benchmarks/bench_trs.py). No database here."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import polars as pl

from clearway.timerelease import core
from clearway.timerelease.report import mean_hours, step_mean_aggs, worst_steps
from clearway.timerelease.schemas import Bottleneck, Group, IntervalStats, TimeReleaseReport
from clearway.timerelease.survival import kaplan_meier

BOOLEAN_FILTERS = ("trusted", "pre_arrival", "essential", "low_value")


def _r(x: float | None) -> float | None:
    return None if x is None else round(float(x), 2)


def interval_stats(iv: core.Interval, hours: np.ndarray, us: np.ndarray, states: np.ndarray,
                   target: float | None) -> IntervalStats:
    """One interval's figures from its hours, microseconds and states (core.ENDED, CENSORED, LACKING,
    INCONSISTENT). The mean is taken from the exact sum of the microseconds (report.mean_hours)."""
    counts = np.bincount(states, minlength=4) if len(states) else np.zeros(4, dtype=np.int64)
    usable = (states == core.ENDED) | (states == core.CENSORED)
    curve = kaplan_meier(hours[usable], states[usable] == core.ENDED)
    ended = us[states == core.ENDED]
    return IntervalStats(
        interval=iv.name, label=iv.label, ended=int(counts[core.ENDED]), censored=int(counts[core.CENSORED]),
        lacking=int(counts[core.LACKING]), inconsistent=int(counts[core.INCONSISTENT]),
        mean_hours=_r(mean_hours(int(ended.sum(dtype=object)), len(ended))) if len(ended) else None,
        median_hours=_r(curve.quantile(0.5)), p90_hours=_r(curve.quantile(0.9)), target_hours=target,
        within_target=None if target is None or not len(curve.times) else round(curve.ended_by(target), 4))


def summarise(wide: pl.DataFrame, targets: dict[str, float]) -> list[IntervalStats]:
    out = []
    for iv in core.INTERVALS:
        hours = wide[f"h_{iv.name}"].fill_null(0.0).to_numpy()
        us = wide[f"us_{iv.name}"].fill_null(0).to_numpy()
        states = wide[f"s_{iv.name}"].to_numpy().astype(np.int64)
        out.append(interval_stats(iv, hours, us, states, targets.get(iv.name)))
    return out


def _text(value: object) -> str:
    return "yes" if value is True else "no" if value is False else "(none)" if value is None else str(value)


def breakdown(wide: pl.DataFrame, by: str, targets: dict[str, float]) -> list[Group]:
    groups = []
    for part in wide.partition_by(by, maintain_order=False):
        groups.append(Group(value=_text(part[by][0]), declarations=part.height, intervals=summarise(part, targets)))
    return sorted(groups, key=lambda g: g.value)


def select(frame: pl.DataFrame, filters: dict[str, str]) -> pl.DataFrame:
    """Rows matching every filter: office, mode, lane (text), trusted, pre_arrival, essential,
    low_value ("yes"/"no"). Filters on derived columns need core.with_derived first."""
    for name, value in filters.items():
        if name in BOOLEAN_FILTERS:
            frame = frame.filter(pl.col(name) == (value == "yes"))
        else:
            frame = frame.filter(pl.col(name) == value)
    return frame


def _step_means(wide: pl.DataFrame) -> pl.DataFrame:
    """Mean hours of each step of arrival -> release, per office and lane, over ended intervals (the
    pre-arrival part of arrival -> lodgement counts as no time)."""
    return wide.with_columns(pl.col("lane").fill_null("(none)")).group_by("office", "lane").agg(step_mean_aggs())


def bottlenecks(current: pl.DataFrame, previous: pl.DataFrame) -> list[Bottleneck]:
    """Per office and lane: the step that takes the longest on average (the same choice as the fast report's,
    `report.worst_steps`, from step means computed here the straightforward way)."""
    return worst_steps(_step_means(current).iter_rows(named=True), _step_means(previous).iter_rows(named=True))


def report(frame: pl.DataFrame, *, as_of: datetime, start: datetime, end: datetime,
           filters: dict[str, str] | None = None, by: str | None = None, period: str = "month",
           targets: dict[str, float] | None = None, previous: pl.DataFrame | None = None) -> TimeReleaseReport:
    """The report over declarations lodged in [start, end) (`frame` may hold more: it is cut here;
    `previous` holds those of the period before, for the bottlenecks' change)."""
    filters = filters or {}
    targets = {**core.TARGET_HOURS, **(targets or {})}

    def prepared(rows: pl.DataFrame, lo: datetime, hi: datetime) -> pl.DataFrame:
        lo_, hi_ = (pl.lit(x).cast(pl.Datetime("us", "UTC")) for x in (lo, hi))
        rows = rows.filter((pl.col("lodged") >= lo_) & (pl.col("lodged") < hi_))
        return select(core.intervals(rows, as_of=as_of), filters)

    wide = prepared(frame, start, end)
    groups: list[Group] = []
    if by == "period":
        groups = breakdown(core.period_column(wide, period), "period", targets)
    elif by is not None:
        groups = breakdown(wide, by, targets)
    prev_wide = prepared(previous if previous is not None else frame, start - (end - start), start)
    return TimeReleaseReport(as_of=as_of, date_from=start, date_to=end, filters=filters, declarations=wide.height,
                             intervals=summarise(wide, targets), by=by, groups=groups,
                             bottlenecks=bottlenecks(wide, prev_wide))
