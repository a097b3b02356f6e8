"""ISO 6346 container identification: owner code (3 letters), category (U, J, Z), serial (6 digits),
check digit. A pure core."""

from __future__ import annotations

import re

_PATTERN = re.compile(r"^[A-Z]{3}[UJZ][0-9]{6}[0-9]$")
# Letter values skip multiples of 11 (A=10, B=12, ... K=21, L=23 ...).
_VALUES = {}
_v = 10
for _ch in "ABCDEFGHIJKLMNOPQRSTUVWXYZ":
    if _v % 11 == 0:
        _v += 1
    _VALUES[_ch] = _v
    _v += 1
_VALUES.update({str(d): d for d in range(10)})


def check_digit(first10: str) -> int:
    total = sum(_VALUES[ch] * (2**i) for i, ch in enumerate(first10))
    return total % 11 % 10


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
