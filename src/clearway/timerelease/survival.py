"""The Kaplan-Meier product-limit estimate, for intervals some declarations have not finished yet.
No database here: arrays in, arrays out.

A declaration still in progress is *censored*: its interval has lasted at least `as_of - start`, and
dropping it would make the times look shorter than they are. Kaplan and Meier (1958), "Nonparametric
estimation from incomplete observations", J. Am. Stat. Assoc. 53:457-481:

    S(t) = product over event times t_i <= t of (1 - d_i / n_i)

with d_i the intervals ending at t_i and n_i those still running just before t_i (a censored time equal
to an event time counts as still at risk at it, the usual convention). A quantile p is the smallest
event time with S(t) <= 1 - p (the convention of lifelines' `median_survival_time_` and of R's survfit);
with no censoring this is the empirical quantile of numpy's "inverted_cdf" method."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Curve:
    times: np.ndarray  # the distinct event times, ascending
    survival: np.ndarray  # S just after each of them

    def quantile(self, p: float) -> float | None:
        """The smallest time by which a share `p` has ended; None when the curve never gets there."""
        reached = np.nonzero(self.survival <= 1.0 - p + 1e-12)[0]
        return float(self.times[reached[0]]) if len(reached) else None

    def ended_by(self, t: float) -> float:
        """Estimated share ended by time t (1 - S(t))."""
        i = np.searchsorted(self.times, t, side="right")
        return 0.0 if i == 0 else float(1.0 - self.survival[i - 1])


def kaplan_meier(durations: np.ndarray, ended: np.ndarray) -> Curve:
    """`durations` (any unit), `ended` True for an interval that ended, False for a censored one."""
    durations = np.asarray(durations, dtype=float)
    ended = np.asarray(ended, dtype=bool)
    # Sorted values rather than an argsort (several times faster on a million): the ended times sorted give
    # the distinct event times and how many end at each; those still at risk at t are all with a time >= t:
    # the ended ones by their position, the censored ones (usually few) placed among the event times by
    # binary search and counted.
    return from_sorted(np.sort(durations[ended]), durations[~ended])


def from_sorted(te: np.ndarray, tc: np.ndarray) -> Curve:
    """The estimate from the ended times already sorted ascending (`te`) and the censored ones (`tc`, any
    order). The report's fast path sorts integer microseconds (several times faster than floats) and
    divides after: the division is monotonic, so `te` holds the very floats a sort of the hours gives."""
    if len(te) == 0:
        return Curve(np.empty(0), np.empty(0))
    new = np.empty(len(te), dtype=bool)
    new[0] = True
    np.not_equal(te[1:], te[:-1], out=new[1:])
    first = np.flatnonzero(new)  # where each distinct event time starts among the ended
    times = te[first]
    deaths = np.diff(np.append(first, len(te)))
    # A censored time c is at risk at times[j] while c >= times[j], i.e. for j < searchsorted(times, c, right).
    placed = np.bincount(np.searchsorted(times, tc, side="right"), minlength=len(times) + 1)
    at_risk = (len(te) - first) + (len(tc) - np.cumsum(placed)[:len(times)])
    survival = np.cumprod(1.0 - deaths / at_risk)
    return Curve(times, survival)
