"""ISO 6346 container numbers: the check digit, property-tested."""

from __future__ import annotations

import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clearway.containers.iso6346 import check_digit, normalise, problem

owner = st.text(alphabet=string.ascii_uppercase, min_size=3, max_size=3)
category = st.sampled_from("UJZ")
serial = st.integers(0, 999_999).map(lambda n: f"{n:06d}")
# The same examples every run, and no timing checks: on a loaded machine generation was once "too slow".
STEADY = settings(derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@STEADY
@given(owner, category, serial)
def test_a_number_with_its_check_digit_is_valid(o, c, s):
    first = o + c + s
    assert problem(first + str(check_digit(first))) is None


@STEADY
@given(owner, category, serial, st.integers(0, 9))
def test_a_wrong_check_digit_is_refused_naming_the_right_one(o, c, s, digit):
    first = o + c + s
    right = check_digit(first)
    if digit == right:
        return
    reason = problem(first + str(digit))
    assert reason is not None and f"should be {right}" in reason


@STEADY
@given(owner, category, serial, st.integers(0, 9), st.integers(0, 9))
def test_a_single_changed_serial_digit_is_caught_unless_the_digit_maps_to_the_same_remainder(o, c, s, pos, d):
    pos %= 6
    first = o + c + s
    number = first + str(check_digit(first))
    changed = first[: 4 + pos] + str(d) + first[5 + pos:]
    if changed != first:
        # weights 2^i mod 11 are never 0, so one changed digit always changes the sum mod 11;
        # only a remainder of 10 (written 0) can collide with 0.
        a, b = check_digit(first), check_digit(changed)
        if a == b:
            assert {(sum_mod(first)), (sum_mod(changed))} == {0, 10}
        else:
            assert problem(changed + number[10]) is not None


def sum_mod(first10: str) -> int:
    from clearway.containers.iso6346 import _VALUES

    return sum(_VALUES[ch] * 2**i for i, ch in enumerate(first10)) % 11


@STEADY
@given(owner, category, serial)
def test_spaces_dashes_and_case_are_normalised(o, c, s):
    first = o + c + s
    number = first + str(check_digit(first))
    spaced = f"{number[:4].lower()} {number[4:10]}-{number[10]}"
    assert normalise(spaced) == number and problem(spaced) is None


def test_known_numbers_and_bad_shapes():
    assert problem("CSQU3054383") is None  # the standard's worked example
    assert "should be 3" in problem("CSQU3054384")
    assert "category letter 'X'" in problem("CSQX3054383")
    assert "not an ISO 6346" in problem("CSQU30543")


def test_the_check_digit_is_python_stdnums_for_every_character_at_every_place():
    from stdnum import iso6346 as stdnum_iso6346

    chars = string.ascii_uppercase + string.digits
    for place in range(10):
        for ch in chars:
            first = ("MSCU123456"[:place] + ch + "MSCU123456"[place + 1:])
            assert check_digit(first) == int(stdnum_iso6346.calc_check_digit(first)), first
    for first in ("mscu123456", "MSC U123456", "ABCU12345"):  # not the ten characters: python-stdnum's own answer
        assert check_digit(first) == int(stdnum_iso6346.calc_check_digit(first))
