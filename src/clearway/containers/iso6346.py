"""ISO 6346 container identification: owner code (3 letters), category (U, J, Z), serial (6 digits),
check digit. A pure core."""

from __future__ import annotations

import re

from stdnum import iso6346

_PATTERN = re.compile(r"^[A-Z]{3}[UJZ][0-9]{6}[0-9]$")


# Each character's value in ISO 6346 (python-stdnum's alphabet: the letters skip the multiples of 11), and
# its weight by place (2 to the place).
_VALUE = {c: v for v, c in enumerate("0123456789A BCDEFGHIJK LMNOPQRSTU VWXYZ") if c != " "}


def check_digit(first10: str) -> int:
    """The check digit of owner code, category and serial (python-stdnum's ISO 6346 arithmetic; worked here for
    ten upper-case letters and digits, about 1 us against 5: a batch checks every declaration's containers)."""
    if len(first10) == 10:
        try:
            return sum(_VALUE[c] << i for i, c in enumerate(first10)) % 11 % 10
        except KeyError:
            pass
    return int(iso6346.calc_check_digit(first10))


def normalise(number: str) -> str:
    return re.sub(r"[\s-]", "", number).upper()


def problem(number: str) -> str | None:
    """None if `number` is a valid ISO 6346 container number, else the reason in plain words."""
    n = normalise(number)
    if not re.fullmatch(r"[A-Z]{3}[A-Z][0-9]{7}", n):
        return ("not an ISO 6346 container number: expected 3-letter owner code, category letter U, J or Z, "
                "6-digit serial and check digit, e.g. MSCU1234566")
    if not _PATTERN.match(n):
        return f"category letter {n[3]!r} is not U (freight), J (detachable equipment) or Z (trailer/chassis)"
    right = check_digit(n[:10])
    if int(n[10]) != right:
        return f"check digit {n[10]} is wrong: for {n[:10]} it should be {right}"
    return None
