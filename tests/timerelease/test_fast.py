"""The report's fast path (timerelease.report: whole columns, integer microseconds) gives the very report of
the straightforward one (timerelease.reference: Polars frames, one per group), figure for figure, on random
small histories: censored, rejected and released declarations, missing steps, milestones after as_of, clocks
set wrong, ties, every breakdown, filters and targets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from clearway.timerelease import core, reference, report
from clearway.timerelease.columns import NULL, from_frame
from clearway.timerelease.survival import from_sorted, kaplan_meier

T0 = datetime(2026, 3, 30, 22, tzinfo=UTC)  # a Monday night, a month's end: days, weeks and months all split
STATUSES = ("accepted", "assessed", "lane_selected", "under_control", "released", "rejected", "cancelled")
BY = (None, *core.DIMENSIONS, "period")
STEADY = settings(derandomize=True, deadline=None, max_examples=200,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# Minutes from T0, with a few microseconds now and then; drawn from a narrow range so that ties happen.
moment = st.one_of(st.none(), st.builds(lambda m, us: T0 + timedelta(minutes=m, microseconds=us),
                                        st.integers(-3000, 6000), st.sampled_from([0, 0, 0, 1, 999_999])))


@st.composite
def declaration(draw, id: int) -> dict:
    row = {"id": id, "office": draw(st.sampled_from(["AUSYD", "AUMEL"])),
           "mode": draw(st.sampled_from(["sea", "air", None])),
           "lane": draw(st.sampled_from(["green", "yellow", "red", None])),
           "trusted": draw(st.sampled_from([True, False, None])), "essential": draw(st.sampled_from([True, False, None])),
           "low_value": draw(st.sampled_from([True, False, None])), "status": draw(st.sampled_from(STATUSES))}
    base = draw(st.integers(-4000, 4000))
    for m in core.MILESTONES:
        # mostly in order (a realistic history), sometimes missing, sometimes anywhere (a clock set wrong)
        kind = draw(st.sampled_from(["next", "next", "next", "missing", "anywhere"]))
        if kind == "missing" and m != "lodged":
            row[m] = None
        elif kind == "anywhere":
            row[m] = draw(moment)
        else:
            base += draw(st.integers(0, 900))
            row[m] = T0 + timedelta(minutes=base)
    return row


@st.composite
def histories(draw) -> list[dict]:
    n = draw(st.integers(0, 30))
    return [draw(declaration(i)) for i in range(n)]


def _filters(draw) -> dict[str, str]:
    chosen = draw(st.lists(st.sampled_from(["office", "lane", "mode", *reference.BOOLEAN_FILTERS]), max_size=2,
                           unique=True))
    values = {"office": ["AUSYD", "AUMEL"], "lane": ["green", "red"], "mode": ["sea", "air"]}
    return {name: draw(st.sampled_from(values.get(name, ["yes", "no"]))) for name in chosen}


@STEADY
@given(rows=histories(), data=st.data())
def test_the_fast_report_equals_the_reference_figure_for_figure(rows, data):
    frame = core.lifecycle_frame(rows)
    as_of = T0 + timedelta(minutes=data.draw(st.integers(-2000, 9000), label="as_of"))
    start = T0 - timedelta(days=data.draw(st.integers(0, 3), label="start"))
    end = start + timedelta(days=data.draw(st.integers(1, 6), label="days"), minutes=data.draw(st.integers(0, 59)))
    by = data.draw(st.sampled_from(BY), label="by")
    period = data.draw(st.sampled_from(sorted(core.PERIODS)), label="period")
    filters = _filters(data.draw)
    targets = {name: float(data.draw(st.integers(0, 60))) for name in data.draw(
        st.lists(st.sampled_from(sorted(core.BY_NAME)), max_size=3, unique=True), label="targets")}
    kw = dict(as_of=as_of, start=start, end=end, filters=filters, by=by, period=period, targets=targets)
    assert _differences(report.report(frame, **kw).model_dump(), reference.report(frame, **kw).model_dump()) == []


def _differences(a, b, path: str = "") -> list[str]:
    """Where two reports differ (a readable failure rather than two long dicts)."""
    if isinstance(a, dict) and isinstance(b, dict) and a.keys() == b.keys():
        return [d for k in a for d in _differences(a[k], b[k], f"{path}.{k}")]
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in _differences(x, y, f"{path}[{i}]")]
    return [] if a == b else [f"{path}: {a!r} != {b!r}"]


@pytest.mark.parametrize("threads_from", [report.THREADS_FROM, 0])
def test_the_fast_report_equals_the_reference_on_a_larger_history(threads_from, monkeypatch):
    """Two thousand declarations with microsecond times: the means over many values and the curves' many steps
    agree too; also with the per-interval work on the report's threads (as for a large report)."""
    monkeypatch.setattr(report, "THREADS_FROM", threads_from)
    rng = np.random.default_rng(13)
    n = 2000
    lodged = T0 + timedelta(days=-20)
    rows = []
    for i in range(n):
        t = lodged + timedelta(microseconds=int(rng.integers(0, 40 * 86_400_000_000)))
        steps = np.cumsum(rng.integers(0, 30 * 3_600_000_000, size=7))
        row = {"id": i, "office": f"AU{i % 5}", "mode": ["sea", "air"][i % 2], "lane": ["green", "yellow", "red"][i % 3],
               "trusted": bool(i % 7 == 0), "essential": bool(i % 11 == 0), "low_value": [True, False, None][i % 3],
               "status": STATUSES[int(rng.integers(0, len(STATUSES)))], "lodged": t,
               "arrival": t + timedelta(microseconds=int(rng.integers(-50, 50) * 3_600_000_000))}
        for m, us in zip(("accepted", "assessed", "lane_selected", "control_start", "control_end", "paid", "released"),
                         steps):
            row[m] = None if rng.random() < 0.1 else t + timedelta(microseconds=int(us))
        rows.append(row)
    frame = core.lifecycle_frame(rows)
    for by in BY:
        kw = dict(as_of=T0 + timedelta(days=15), start=T0 - timedelta(days=10), end=T0 + timedelta(days=10), by=by)
        assert report.report(frame, **kw).model_dump() == reference.report(frame, **kw).model_dump(), by


@STEADY
@given(durations=st.lists(st.integers(-10**9, 10**13), max_size=40), data=st.data())
def test_the_curve_from_sorted_microseconds_is_the_curve_from_hours(durations, data):
    ended = np.array(data.draw(st.lists(st.booleans(), min_size=len(durations), max_size=len(durations))), dtype=bool)
    us = np.array(durations, dtype=np.int64)
    a = kaplan_meier(report.hours(us), ended)
    b = from_sorted(report.hours(np.sort(us[ended])), report.hours(us[~ended]))
    assert a.times.tolist() == b.times.tolist() and a.survival.tolist() == b.survival.tolist()


def test_columns_from_the_frame_keep_missing_values_apart():
    frame = core.lifecycle_frame([{"id": 1, "office": "AUSYD", "lane": None, "status": "released",
                                   "trusted": None, "lodged": T0}])
    cols = from_frame(frame)
    assert cols.times["released"].tolist() == [NULL] and cols.times["lodged"].tolist() == [report.micros(T0)]
    assert cols.labels["lane"] == [None] and cols.flags["trusted"].tolist() == [-1]


@STEADY
@given(rows=histories(), data=st.data())
def test_the_report_does_not_depend_on_the_order_of_the_rows(rows, data):
    """A database returns rows in its scan's or its grouping's order (PostgreSQL's read groups them; a replica
    or a rewritten table orders them otherwise): the same declarations in any order give the same report, to
    the last bit of every mean, because means come from exact integer sums."""
    order = data.draw(st.permutations(range(len(rows))), label="order")
    shuffled = [rows[i] for i in order]
    by = data.draw(st.sampled_from(BY), label="by")
    kw = dict(as_of=T0 + timedelta(days=3), start=T0 - timedelta(days=3), end=T0 + timedelta(days=3), by=by)
    for path in (report, reference):
        a = path.report(core.lifecycle_frame(rows), **kw).model_dump()
        assert _differences(a, path.report(core.lifecycle_frame(shuffled), **kw).model_dump()) == []


def test_means_come_from_the_exact_sum_of_microseconds():
    # 0.1 h + 0.2 h + 0.3 h in microseconds sum exactly to 0.6 h, and the mean is the float nearest 0.2 h;
    # summed as floats in hours they make 0.6000000000000001 and a mean of 0.20000000000000004
    us = np.array([360_000_000, 720_000_000, 1_080_000_000], dtype=np.int64)
    assert report.exact_sum(us) == 2_160_000_000
    assert report.mean_hours(report.exact_sum(us), 3) == 0.2
    # far past what an int64 sum holds: a million intervals of 300 years each
    big = np.full(1_000_000, 300 * 365 * 86_400_000_000, dtype=np.int64)
    assert report.exact_sum(big) == 1_000_000 * 300 * 365 * 86_400_000_000 > 2**63
    mixed = np.array([-(2**62), 2**62 + 5, -7, 2**40], dtype=np.int64)
    assert report.exact_sum(mixed) == sum(int(x) for x in mixed)
