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
