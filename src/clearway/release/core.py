"""Release verification codes: 12 random characters and an ISO 7064 MOD 37,36 check character,
shown in groups (e.g. K7Q2-M9X4-TPLA-7). Anyone can check a code; a mistyped one is caught
by its check character before any lookup."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence

from clearway.declarations.core import check_character

_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I


def new_code(choice: Callable[[Sequence[str]], str] = secrets.choice) -> str:
    """A fresh code whose every character, the check character included, is from the alphabet. MOD 37,36
    can yield 0, 1, I or O as the check character (4 times in 36): such a body is drawn again, so codes
    stay uniform over the codes that read unambiguously. `choice` is for tests (a seeded random's)."""
    while True:
        body = "".join(choice(_ALPHABET) for _ in range(12))
        check = check_character(body)
        if check in _ALPHABET:
            return body + check


def normalise(code: str) -> str:
    return code.replace("-", "").replace(" ", "").upper()


def problem(code: str) -> str | None:
    """What is wrong with the form of a release code, or None when it is well formed: its length,
    a character release codes do not use, or a check character that does not match (a typo)."""
    c = normalise(code)
    if len(c) != 13:
        return (f"has {len(c)} letters and digits; a release code has 13 (e.g. K7Q2-M9X4-TPLA-7, "
                "dashes and spaces optional)")
    for position, ch in enumerate(c[:-1], start=1):
        if ch not in _ALPHABET:
            return (f"character {position} is {ch!r}, which release codes do not use "
                    "(letters and digits without 0, O, 1 and I)")
    if not (c[-1].isascii() and c[-1].isalnum()):
        return f"the last character {c[-1]!r} is not a letter or digit"
    if check_character(c[:-1]) != c[-1]:
        return "its check character does not match: a character was mistyped"
    return None


def is_well_formed(code: str) -> bool:
    return problem(code) is None


def display(code: str) -> str:
    c = normalise(code)
    return "-".join([c[0:4], c[4:8], c[8:12], c[12:]])
