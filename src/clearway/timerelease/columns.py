"""The lifecycle as plain arrays, what the report's fast path reads: one entry per declaration in each array,
milestones as integer microseconds since 1970-01-01 UTC. No database here.

The flows fill it straight from the database (PostgreSQL: one aggregate query returning each group's
milestones as binary arrays, `flows/time_release.py`), or from the lifecycle frame of timerelease.core
(`from_frame`: the tests, SQLite, the reference), so both paths give the report the same input."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from clearway.timerelease import core

NULL = np.iinfo(np.int64).min  # a milestone that did not happen (PostgreSQL's '-infinity' reads as this too)
NOT_FINAL, CLOSED, RELEASED = 0, 1, 2  # the status as the report needs it: in progress, rejected/cancelled, released
TEXT = ("office", "mode", "lane")
FLAGS = ("trusted", "essential", "low_value")  # 1 yes, 0 no, -1 unknown


@dataclass(frozen=True)
class Columns:
    times: dict[str, np.ndarray]  # core.MILESTONES -> int64 microseconds, NULL where missing
    status: np.ndarray  # int8: NOT_FINAL, CLOSED (rejected, cancelled, or no status) or RELEASED
    flags: dict[str, np.ndarray]  # FLAGS -> int8
    codes: dict[str, np.ndarray]  # TEXT -> int32 index into labels
    labels: dict[str, list[str | None]]

    def __len__(self) -> int:
        return len(self.status)

    def take(self, rows: np.ndarray) -> Columns:
        """The declarations at these positions (indices or a boolean mask), in order."""
        return Columns({k: v[rows] for k, v in self.times.items()}, self.status[rows],
                       {k: v[rows] for k, v in self.flags.items()}, {k: v[rows] for k, v in self.codes.items()},
                       self.labels)


def status_codes(status: pl.Expr) -> pl.Expr:
    """core.with_derived's reading of the status: not final (in progress), released, or else."""
    return (pl.when(status == "released").then(pl.lit(RELEASED, pl.Int8))
            .when(status.is_in(core.FINAL).not_()).then(pl.lit(NOT_FINAL, pl.Int8))
            .otherwise(pl.lit(CLOSED, pl.Int8)))


def from_frame(frame: pl.DataFrame) -> Columns:
    """The lifecycle frame (core.lifecycle_frame's columns) as arrays."""
    times = {m: frame[m].cast(pl.Datetime("us", "UTC")).to_physical().fill_null(NULL).to_numpy().astype(np.int64)
             for m in core.MILESTONES}
    status = frame.select(status_codes(pl.col("status")).alias("status"))["status"].to_numpy().astype(np.int8)
    flags = {f: frame[f].cast(pl.Int8).fill_null(-1).to_numpy().astype(np.int8) for f in FLAGS}
    codes, labels = {}, {}
    for name in TEXT:
        values = frame.select(pl.col(name).cast(pl.Utf8)).unique(maintain_order=True).with_row_index("code")
        joined = frame.select(pl.col(name).cast(pl.Utf8)).join(values, on=name, how="left", nulls_equal=True,
                                                               maintain_order="left")
        codes[name] = joined["code"].to_numpy().astype(np.int32)
        labels[name] = values[name].to_list()
    return Columns(times, status, flags, codes, labels)
