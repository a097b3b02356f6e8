"""The time-release report: statistics per interval, breakdowns, bottlenecks. No database here: the
lifecycle (timerelease.columns, or the lifecycle frame of timerelease.core) in, the report
(timerelease.schemas) out.

Computed on whole columns: each interval's duration (integer microseconds) and state once per request, each
group's rows gathered once by a stable sort of its codes, each Kaplan-Meier curve from a sort of integers.
The figures are those of the straightforward Polars path kept in timerelease.reference, value for value
(tests/timerelease/test_fast.py): hours are the same products of the same microseconds, means come from
the exact integer sums of the same microseconds (so no order of the rows matters), and the survival product
runs over the same floats. A large report's per-interval work runs on a few threads (`_map`)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import numpy as np
import polars as pl

from clearway.timerelease import core
from clearway.timerelease.columns import FLAGS, NOT_FINAL, NULL, RELEASED, TEXT, Columns, from_frame
from clearway.timerelease.schemas import Bottleneck, Group, IntervalStats, TimeReleaseReport
from clearway.timerelease.survival import from_sorted

T, R = TypeVar("T"), TypeVar("R")
BOOLEAN_FILTERS = ("trusted", "pre_arrival", "essential", "low_value")
TEXT_FILTERS = TEXT
US_PER_HOUR = 3_600_000_000
US_PER_DAY = 86_400_000_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def hours(us: np.ndarray) -> np.ndarray:
    """Microseconds as hours, exactly as Polars computes `total_microseconds() / 3_600_000_000` in
    core.intervals: a product with the reciprocal (not a division: the two differ in the last bit now and
    then, enough to move a median across a rounding edge). Monotonic, so sorted microseconds stay sorted."""
    return us * (1.0 / US_PER_HOUR)


def exact_sum(us: np.ndarray) -> int:
    """The exact sum of int64 microseconds, whatever their count and size: the high and low 32 bits summed
    apart (neither sum can overflow below 2**31 values), then joined as a Python integer."""
    return (int(np.sum(us >> 32)) << 32) + int(np.sum(us & 0xFFFFFFFF))


def mean_hours(total_us: int, n: int) -> float:
    """The mean of n intervals summing to total_us microseconds, in hours: the float nearest the exact mean
    (Python divides two integers with one rounding), so it does not depend on the order the rows came in (a
    database's scan or grouping order, a replica's), and both paths give the very same float."""
    return total_us / (n * US_PER_HOUR)


def micros(at: datetime) -> int:
    """A UTC-aware datetime as integer microseconds since 1970 (exact, no float)."""
    return (at - _EPOCH) // timedelta(microseconds=1)


# From this many declarations the per-interval work (numpy's copies and sorts, which let go of the interpreter
# lock) runs on a few threads: a million-declaration report takes about a third less time on 2 cores.
THREADS_FROM = 100_000
_pool: ThreadPoolExecutor | None = None


def _map(fn: Callable[[T], R], items: Sequence[T], size: int) -> list[R]:
    """[fn(x) for x in items], on the report's threads when the report is large (`size` declarations)."""
    global _pool
    if size < THREADS_FROM or len(items) < 2:
        return [fn(x) for x in items]
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1), thread_name_prefix="time-release")
    return list(_pool.map(fn, items))


def _r(x: float | None) -> float | None:
    return None if x is None else round(float(x), 2)


def _text(value: object) -> str:
    return "yes" if value is True else "no" if value is False else "(none)" if value is None else str(value)


@dataclass(frozen=True)
class Wide:
    """The declarations of one window after the filters, with each interval's duration and state."""
    cols: Columns
    lodged: np.ndarray  # lodgement as of as_of (NULL if later)
    pre_arrival: np.ndarray  # bool
    durations: dict[str, np.ndarray]  # interval -> int64 microseconds (meaningful where ended or censored)
    states: dict[str, np.ndarray]  # interval -> int8 core.ENDED, CENSORED, LACKING or INCONSISTENT

    def __len__(self) -> int:
        return len(self.cols)


def _keep(cols: Columns, pre_arrival: np.ndarray, filters: dict[str, str]) -> np.ndarray:
    keep = np.ones(len(cols), dtype=bool)
    for name, value in filters.items():
        if name == "pre_arrival":
            keep &= pre_arrival == (value == "yes")
        elif name in FLAGS:
            keep &= cols.flags[name] == (1 if value == "yes" else 0)
        else:
            keep &= np.isin(cols.codes[name], [i for i, label in enumerate(cols.labels[name]) if label == value])
    return keep


def prepare(cols: Columns, *, lo: datetime, hi: datetime, as_of: datetime, filters: dict[str, str]) -> Wide:
    """core.intervals over the declarations lodged in [lo, hi) that pass the filters."""
    lodged = cols.times["lodged"]
    inside = (lodged >= micros(lo)) & (lodged < micros(hi))
    if not inside.all():  # (the whole of what was read, often: no copy then)
        cols = cols.take(np.flatnonzero(inside))
    cut = micros(as_of)
    # not yet happened at as_of (usually nothing is later: no copy then)
    t = {m: v if not len(v) or v.max() <= cut else np.where(v <= cut, v, NULL) for m, v in cols.times.items()}
    released = t["released"] != NULL
    t["ready"] = np.where(released, np.maximum(np.maximum(t["lane_selected"], t["control_end"]), t["paid"]), NULL)
    t["available"] = np.where(released, np.maximum(t["released"], t["arrival"]), NULL)
    pre_arrival = (t["lodged"] != NULL) & (t["arrival"] != NULL) & (t["lodged"] < t["arrival"])
    keep = _keep(cols, pre_arrival, filters)
    if not keep.all():
        cols, pre_arrival, t = cols.take(keep), pre_arrival[keep], {m: v[keep] for m, v in t.items()}
        released = released[keep]
    in_progress = (cols.status == NOT_FINAL) | (~released & (cols.status == RELEASED))
    censored_if_started = np.where(in_progress, np.int8(core.CENSORED), np.int8(core.LACKING))
    lacking = np.int8(core.LACKING)

    def one(iv: core.Interval) -> tuple[np.ndarray, np.ndarray]:
        start, end = t[iv.start], t[iv.end]
        has_start, has_end = start != NULL, end != NULL
        if iv.name == "arrival_to_lodgement":
            done = np.int8(core.ENDED)
        else:
            done = np.where(end < start, np.int8(core.INCONSISTENT), np.int8(core.ENDED))
        not_ended = np.where(has_start, censored_if_started, lacking)
        duration = np.where(has_end, end, cut)
        duration -= np.where(has_start, start, 0)
        return duration, np.where(has_start & has_end, done, not_ended)

    computed = _map(one, core.INTERVALS, len(cols))
    durations = {iv.name: d for iv, (d, _) in zip(core.INTERVALS, computed)}
    states = {iv.name: st for iv, (_, st) in zip(core.INTERVALS, computed)}
    return Wide(cols, t["lodged"], pre_arrival, durations, states)


def interval_stats(iv: core.Interval, durations: np.ndarray, states: np.ndarray,
                   target: float | None) -> IntervalStats:
    """One interval's figures from its durations (microseconds) and states."""
    ended = durations[states == core.ENDED]
    censored = durations[states == core.CENSORED]
    curve = from_sorted(hours(np.sort(ended)), hours(censored))
    return IntervalStats(
        interval=iv.name, label=iv.label, ended=len(ended), censored=len(censored),
        lacking=int(np.count_nonzero(states == core.LACKING)),
        inconsistent=int(np.count_nonzero(states == core.INCONSISTENT)),
        mean_hours=_r(mean_hours(exact_sum(ended), len(ended))) if len(ended) else None,
        median_hours=_r(curve.quantile(0.5)), p90_hours=_r(curve.quantile(0.9)), target_hours=target,
        within_target=None if target is None or not len(curve.times) else round(curve.ended_by(target), 4))


def summarise(wide: Wide, targets: dict[str, float]) -> list[IntervalStats]:
    return _map(lambda iv: interval_stats(iv, wide.durations[iv.name], wide.states[iv.name], targets.get(iv.name)),
                core.INTERVALS, len(wide))


def _periods(lodged: np.ndarray, period: str) -> tuple[np.ndarray, list[str | None]]:
    """Each declaration's period of lodgement (core.period_column's text), as codes and their labels:
    truncated once per distinct day rather than once per declaration."""
    known = lodged != NULL
    days, inverse = np.unique(np.floor_divide(lodged[known], US_PER_DAY), return_inverse=True)
    instants = pl.Series("lodged", days * US_PER_DAY).cast(pl.Datetime("us", "UTC"))
    texts = np.array(core.period_column(pl.DataFrame([instants]), period)["period"].to_list(), dtype=object)
    labels, of_day = np.unique(texts, return_inverse=True) if len(texts) else (texts, np.empty(0, dtype=np.int64))
    codes = np.full(len(lodged), len(labels), dtype=np.int64)
    codes[known] = of_day[inverse]
    return codes, [*labels.tolist(), None]


def _keys(wide: Wide, by: str, period: str) -> tuple[np.ndarray, list[object]]:
    if by == "period":
        return _periods(wide.lodged, period)
    if by == "pre_arrival":
        return wide.pre_arrival.astype(np.int8), [False, True]
    if by in FLAGS:
        return wide.cols.flags[by] + 1, [None, False, True]
    return wide.cols.codes[by], wide.cols.labels[by]


def breakdown(wide: Wide, by: str, targets: dict[str, float], period: str = "month") -> list[Group]:
    codes, labels = _keys(wide, by, period)
    order = np.argsort(codes, kind="stable")  # each group's rows together, in their order
    present, starts = np.unique(codes[order], return_index=True)
    bounds = [*starts.tolist(), len(order)]
    names = list(wide.durations)
    gathered = _map(lambda a: a[order], [wide.durations[n] for n in names] + [wide.states[n] for n in names],
                    len(order))
    durations, states = dict(zip(names, gathered[:len(names)])), dict(zip(names, gathered[len(names):]))
    parts = [slice(bounds[k], bounds[k + 1]) for k in range(len(present))]
    stats = _map(lambda job: interval_stats(job[1], durations[job[1].name][job[0]], states[job[1].name][job[0]],
                                            targets.get(job[1].name)),
                 [(part, iv) for part in parts for iv in core.INTERVALS], len(order))
    per = len(core.INTERVALS)
    groups = [Group(value=_text(labels[code]), declarations=part.stop - part.start, intervals=stats[k * per:(k + 1) * per])
              for k, (code, part) in enumerate(zip(present.tolist(), parts))]
    return sorted(groups, key=lambda g: g.value)


def step_mean_aggs() -> list[pl.Expr]:
    """Per group of a frame with us_<step> (microseconds) and s_<step> (state) columns: the declarations, and
    for each step of arrival -> release the sum (`<step>`) and count (`n_<step>`) of its ended intervals (the
    pre-arrival part of arrival -> lodgement counts as no time); `step_means` turns them into hours."""
    aggs = [pl.len().alias("declarations")]
    for iv in core.INTERVALS:
        if iv.part_of_overall:
            us = pl.col(f"us_{iv.name}")
            if iv.name == "arrival_to_lodgement":
                us = us.clip(lower_bound=0)
            ended = pl.col(f"s_{iv.name}") == core.ENDED
            aggs += [us.filter(ended).sum().alias(iv.name), ended.sum().alias(f"n_{iv.name}")]
    return aggs


def step_means(rows: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Rows of step_mean_aggs with each step's sum and count replaced by its mean in hours (None: none ended)."""
    for row in rows:
        yield {**row, **{iv.name: mean_hours(row[iv.name], row[f"n_{iv.name}"]) if row[f"n_{iv.name}"] else None
                         for iv in core.INTERVALS if iv.part_of_overall}}


def _step_means(wide: Wide) -> pl.DataFrame:
    """Per office and lane, the sum and count of each step of arrival -> release (step_mean_aggs)."""
    steps = [iv for iv in core.INTERVALS if iv.part_of_overall]
    frame = pl.DataFrame({"office": wide.cols.codes["office"], "lane": wide.cols.codes["lane"],
                          **{f"us_{iv.name}": wide.durations[iv.name] for iv in steps},
                          **{f"s_{iv.name}": wide.states[iv.name] for iv in steps}})
    means = frame.group_by("office", "lane").agg(step_mean_aggs())
    office, lane = wide.cols.labels["office"], wide.cols.labels["lane"]
    return means.with_columns(pl.Series("office", [office[c] for c in means["office"]], dtype=pl.Utf8),
                              pl.Series("lane", [lane[c] for c in means["lane"]], dtype=pl.Utf8).fill_null("(none)"))


def bottlenecks(current: Wide, previous: Wide) -> list[Bottleneck]:
    """Per office and lane: the step that takes the longest on average, its share of the summed step
    means, and how its mean changed from the previous period."""
    return worst_steps(_step_means(current).iter_rows(named=True), _step_means(previous).iter_rows(named=True))


def worst_steps(current: Iterable[dict[str, Any]], previous: Iterable[dict[str, Any]]) -> list[Bottleneck]:
    """The bottlenecks from rows of step_mean_aggs per office and lane (office, lane, declarations, and each
    step's sum and count of ended intervals), this period's and the previous one's."""
    names = [iv.name for iv in core.INTERVALS if iv.part_of_overall]
    before = {(r["office"], r["lane"]): r for r in step_means(previous)}
    out = []
    for row in step_means(current):
        means = {n: row[n] for n in names if row[n] is not None}
        if not means:
            continue
        worst = max(means, key=lambda n: means[n])
        total = sum(v for v in means.values() if v > 0)
        prev = before.get((row["office"], row["lane"]), {}).get(worst)
        out.append(Bottleneck(office=row["office"], lane=row["lane"], declarations=row["declarations"],
                              interval=worst, mean_hours=_r(means[worst]),
                              share=round(means[worst] / total, 4) if total > 0 else 0.0,
                              previous_mean_hours=_r(prev), change_hours=_r(means[worst] - prev) if prev is not None
                              else None))
    return sorted(out, key=lambda b: (b.office, b.lane))


def report(lifecycle: Columns | pl.DataFrame, *, as_of: datetime, start: datetime, end: datetime,
           filters: dict[str, str] | None = None, by: str | None = None, period: str = "month",
           targets: dict[str, float] | None = None,
           previous: Columns | pl.DataFrame | None = None) -> TimeReleaseReport:
    """The report over declarations lodged in [start, end) (`lifecycle` may hold more: it is cut here;
    `previous` holds those of the period before, for the bottlenecks' change)."""
    filters = filters or {}
    targets = {**core.TARGET_HOURS, **(targets or {})}
    cols = from_frame(lifecycle) if isinstance(lifecycle, pl.DataFrame) else lifecycle
    before = cols if previous is None else from_frame(previous) if isinstance(previous, pl.DataFrame) else previous
    wide = prepare(cols, lo=start, hi=end, as_of=as_of, filters=filters)
    prev_wide = prepare(before, lo=start - (end - start), hi=start, as_of=as_of, filters=filters)
    groups = breakdown(wide, by, targets, period) if by is not None else []
    return TimeReleaseReport(as_of=as_of, date_from=start, date_to=end, filters=filters, declarations=len(wide),
                             intervals=summarise(wide, targets), by=by, groups=groups,
                             bottlenecks=bottlenecks(wide, prev_wide))
