"""Release verification codes: 12 random characters and an ISO 7064 MOD 37,36 check character,
shown in groups (e.g. K7Q2-M9X4-TPLA-7). Anyone can check a code; a mistyped one is caught
by its check character before any lookup."""

from __future__ import annotations

import secrets

from clearway.declarations.core import check_character

_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I


def new_code() -> str:
    body = "".join(secrets.choice(_ALPHABET) for _ in range(12))
    return body + check_character(body)


def normalise(code: str) -> str:
    return code.replace("-", "").replace(" ", "").upper()


def is_well_formed(code: str) -> bool:
    c = normalise(code)
    return len(c) == 13 and all(ch.isalnum() for ch in c) and check_character(c[:-1]) == c[-1]


def display(code: str) -> str:
    c = normalise(code)
    return "-".join([c[0:4], c[4:8], c[8:12], c[12:]])
