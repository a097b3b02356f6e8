"""ISO 3166-1 alpha-2 countries (from pycountry)."""

from __future__ import annotations

from functools import cache

import pycountry


@cache
def is_country(code: str) -> bool:
    return isinstance(code, str) and len(code) == 2 and pycountry.countries.get(alpha_2=code.upper()) is not None


def name(code: str) -> str | None:
    c = pycountry.countries.get(alpha_2=code.upper())
    return c.name if c else None


@cache
def all_countries() -> tuple[tuple[str, str], ...]:
    """(alpha-2 code, name) of every ISO 3166-1 country, by name: for pickers."""
    return tuple(sorted(((c.alpha_2, c.name) for c in pycountry.countries), key=lambda c: c[1]))
