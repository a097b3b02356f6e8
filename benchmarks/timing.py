"""The one timing helper the benchmark scripts share (they run as scripts, so this folder is on sys.path)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


def runs(fn: Callable[[], Any], repeat: int) -> tuple[list[float], Any]:
    """The seconds of each of `repeat` runs of fn, and what the last run returned."""
    times, out = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - started)
    return times, out


def best_of(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """The fastest of `repeat` runs of fn, in seconds, and what the last run returned."""
    times, out = runs(fn, repeat)
    return min(times), out


def best(fn: Callable[[], Any], repeat: int) -> float:
    return best_of(fn, repeat)[0]
