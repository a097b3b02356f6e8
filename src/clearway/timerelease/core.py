"""The WCO Time Release Study intervals of each declaration, from its stored lifecycle. No database here:
a Polars frame of milestones in (one row per declaration), a frame of intervals out.

Legal basis and method: WTO Trade Facilitation Agreement Art. 7.6.1 ("Members are encouraged to measure
and publish their average release time of goods periodically and in a consistent manner, using tools such
as, inter alia, the Time Release Study of the World Customs Organization"); WCO *Guide to Measure the Time
Required for the Release of Goods* (Time Release Study, version 3, 2018), which splits the time from the
arrival of the goods to their release into the steps between the milestones below.

The milestones (columns of the lifecycle frame; UTC, null where the step never happened):
  arrival        the goods' arrival (declaration transport.arrival, as the declarant reported it)
  lodged         lodgement of the declaration (declarations.accepted_at)
  accepted       first move to `accepted` (Clearway accepts on lodgement, so lodged == accepted unless
                 the declaration was lodged elsewhere first)
  assessed       last move to `assessed` (after an amendment the declaration is assessed again; the
                 assessment that counts is the one the goods were released on)
  lane_selected  last move to `lane_selected`
  control_start  last move to `under_control`; control_end: the officer's control result
  paid           the last payment of what was due
  released       the release
Derived: `ready`, when the last condition of release was met (lane selected, control ended, paid), known
for released declarations only; `available`, when the goods were free to go: the release, or the arrival
for goods released before they arrived (pre-arrival processing: released on arrival, 0 hours).
Histories are read by timestamp, not by the order rows were written, so events recorded out of order
give the same milestones. An interval whose end lies before its start (a clock set wrong) is counted as
inconsistent and left out; arrival -> lodgement alone may be negative: pre-arrival lodgement."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import polars as pl

MILESTONES = ("arrival", "lodged", "accepted", "assessed", "lane_selected", "control_start", "control_end",
              "paid", "released")
DIMENSIONS = ("office", "mode", "lane", "trusted", "pre_arrival", "essential", "low_value")
PERIODS = {"day": "1d", "week": "1w", "month": "1mo"}
FINAL = ("released", "rejected", "cancelled")


@dataclass(frozen=True)
class Interval:
    name: str
    start: str
    end: str
    label: str
    part_of_overall: bool = True  # a step of arrival -> release (the bottleneck analysis compares these)


INTERVALS = (
    Interval("arrival_to_lodgement", "arrival", "lodged", "Arrival to lodgement (negative: pre-arrival)"),
    Interval("lodgement_to_acceptance", "lodged", "accepted", "Lodgement to acceptance"),
    Interval("acceptance_to_assessment", "accepted", "assessed", "Acceptance to assessment"),
    Interval("assessment_to_lane", "assessed", "lane_selected", "Assessment to lane selection"),
    Interval("control", "control_start", "control_end", "Control (documents, examination)"),
    Interval("payment", "assessed", "paid", "Assessment to payment"),
    Interval("release", "ready", "released", "Last condition met to release"),
    Interval("arrival_to_release", "arrival", "available", "Arrival to release (overall)", False),
    Interval("lodgement_to_release", "lodged", "released", "Lodgement to release", False),
)
BY_NAME = {i.name: i for i in INTERVALS}
OVERALL = "arrival_to_release"

# Targets in hours. The administration sets its own (API `target=interval:hours`, CLI `--target`); these
# defaults follow the WCO TRS guide's example of a 48-hour overall goal (the TFA Art. 7.9 perishables
# rule asks for "the shortest possible time"), and the Revised Kyoto Convention General Annex 3.32-3.34
# expectation that an authorised trader's goods are released on arrival.
TARGET_HOURS: dict[str, float] = {
    "arrival_to_release": 48.0, "lodgement_to_release": 24.0, "lodgement_to_acceptance": 1.0,
    "acceptance_to_assessment": 4.0, "assessment_to_lane": 1.0, "control": 24.0, "payment": 24.0,
    "release": 1.0, "arrival_to_lodgement": 0.0,
}

_EMPTY = {"id": pl.Int64, "office": pl.Utf8, "mode": pl.Utf8, "lane": pl.Utf8, "trusted": pl.Boolean,
          "essential": pl.Boolean, "low_value": pl.Boolean, "status": pl.Utf8,
          **{m: pl.Datetime("us", "UTC") for m in MILESTONES}}


def lifecycle_frame(rows: list[dict]) -> pl.DataFrame:
    """One row per declaration, milestone columns as UTC datetimes (missing keys are null)."""
    return pl.DataFrame([{k: r.get(k) for k in _EMPTY} for r in rows], schema=_EMPTY)


def _micros(end: pl.Expr, start: pl.Expr) -> pl.Expr:
    return (end - start).dt.total_microseconds()


def with_derived(frame: pl.DataFrame, *, as_of: datetime) -> pl.DataFrame:
    """Milestones after `as_of` treated as not yet happened; `ready` (release conditions met), pre-arrival."""
    cut = pl.lit(as_of).cast(pl.Datetime("us", "UTC"))
    frame = frame.with_columns([pl.when(pl.col(m) <= cut).then(pl.col(m)).otherwise(None).alias(m)
                                for m in MILESTONES])
    released = pl.col("released").is_not_null()
    return frame.with_columns(
        ready=pl.when(released).then(pl.max_horizontal("lane_selected", "control_end", "paid")),
        available=pl.when(released).then(pl.max_horizontal("released", "arrival")),
        pre_arrival=(pl.col("lodged") < pl.col("arrival")).fill_null(False),
        # released after as_of: still in progress at as_of
        in_progress=~pl.col("status").is_in(FINAL) | (~released & (pl.col("status") == "released")),
    )


ENDED, CENSORED, LACKING, INCONSISTENT = 0, 1, 2, 3
STATES = ("ended", "censored", "lacking", "inconsistent")


def intervals(frame: pl.DataFrame, *, as_of: datetime) -> pl.DataFrame:
    """The frame with three columns per interval: `us_<name>` (integer microseconds), `h_<name>` (the same in
    hours) and `s_<name>` (state: ENDED, CENSORED, LACKING or INCONSISTENT). Censored intervals carry the time
    run so far (as_of - start)."""
    base = with_derived(frame, as_of=as_of)
    cut = pl.lit(as_of).cast(pl.Datetime("us", "UTC"))
    columns = []
    for iv in INTERVALS:
        start, end = pl.col(iv.start), pl.col(iv.end)
        ended = pl.lit(ENDED, pl.Int8)
        if iv.name != "arrival_to_lodgement":
            ended = pl.when(end >= start).then(ended).otherwise(pl.lit(INCONSISTENT, pl.Int8))
        state = (pl.when(start.is_not_null() & end.is_not_null()).then(ended)
                 .when(start.is_not_null() & pl.col("in_progress")).then(pl.lit(CENSORED, pl.Int8))
                 .otherwise(pl.lit(LACKING, pl.Int8)))
        us = pl.when(end.is_not_null()).then(_micros(end, start)).otherwise(_micros(cut, start))
        columns += [us.alias(f"us_{iv.name}"), (us / 3_600_000_000).alias(f"h_{iv.name}"), state.alias(f"s_{iv.name}")]
    return base.with_columns(columns)


def period_column(frame: pl.DataFrame, period: str) -> pl.DataFrame:
    """Adds `period`: the day, ISO week (its Monday) or month of lodgement, as text."""
    every = PERIODS[period]
    fmt = "%Y-%m" if period == "month" else "%Y-%m-%d"
    return frame.with_columns(period=pl.col("lodged").dt.truncate(every).dt.strftime(fmt))
