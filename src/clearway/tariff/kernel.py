"""Exact integer arithmetic for duties and taxes, written once for both paths.

Every function here takes either Python ints (the single-declaration path) or NumPy int64 arrays
(the bulk path) and applies the same operations, so the two paths cannot disagree. Amounts are
integers of a currency's minor unit (cents, yen); finer intermediate amounts are in micro-minor
units (1e-6 of a minor unit); rates are integers in millionths (16.5 % = 165_000); quantities are
integers in thousandths of their unit. All inputs are non-negative."""

from __future__ import annotations

from typing import Any

import numpy as np

MICRO = 1_000_000  # micro-minor units per minor unit, and millionths per unit of a rate
MILLI = 1_000  # thousandths of a quantity unit

Num = Any  # int or np.ndarray of int64


def is_array(x: Num) -> bool:
    return isinstance(x, np.ndarray)


def div_round(n: Num, d: Num, mode: str) -> Num:
    """n / d for n >= 0, d > 0, rounded half up or down (towards zero)."""
    if mode == "down":
        return n // d
    if mode == "half_up":
        return (2 * n + d) // (2 * d)
    raise ValueError(f"unknown rounding mode {mode!r}")


def floor_step(n: Num, step: int) -> Num:
    """Truncate to a multiple of `step` (e.g. Japan's taxable value to 1,000 yen)."""
    return n if step <= 1 else (n // step) * step


def convert(value_minor: Num, fx_num: int, fx_den: int, from_units: int, to_units: int, mode: str = "half_up") -> Num:
    """value (minor units of the declared currency) at rate fx_num/fx_den local per foreign unit,
    to minor units of the local currency."""
    return div_round(value_minor * fx_num * 10 ** to_units, fx_den * 10 ** from_units, mode)


def ad_valorem_micro(base_minor: Num, rate_millionths: Num) -> Num:
    """Exact: base x rate, in micro-minor units."""
    return base_minor * rate_millionths


def specific_micro(quantity_milli: Num, amount_micro_per_unit: Num) -> Num:
    """quantity x amount per unit, in micro-minor units (floored below 1e-6 of a minor unit)."""
    return (quantity_milli * amount_micro_per_unit) // MILLI


def maximum(a: Num, b: Num) -> Num:
    return np.maximum(a, b) if is_array(a) or is_array(b) else max(a, b)


def minimum(a: Num, b: Num) -> Num:
    return np.minimum(a, b) if is_array(a) or is_array(b) else min(a, b)


def where(cond: Num, a: Num, b: Num) -> Num:
    if is_array(cond) or is_array(a) or is_array(b):
        return np.where(cond, a, b)
    return a if cond else b


def to_minor(micro: Num, mode: str) -> Num:
    return div_round(micro, MICRO, mode)


def within(value: Num, threshold: int | None, inclusive: bool = True) -> Num:
    """De minimis test: is the consignment value at (or below) the threshold? None = no threshold."""
    if threshold is None:
        return np.zeros(value.shape, dtype=bool) if is_array(value) else False
    return value <= threshold if inclusive else value < threshold
