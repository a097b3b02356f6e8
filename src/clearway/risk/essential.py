"""Essential goods (medical supplies, vaccines and their cold chain) that get priority handling:
green unless a rule or a high score says otherwise, and the fastest queue when controlled."""

from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).parent / "data" / "essential-goods.csv"


@lru_cache(maxsize=1)
def subheadings() -> frozenset[str]:
    """HS 2022 subheadings (6 digits) of the essential goods list."""
    codes = set()
    with DATA.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            for code in row["hs2022"].split(";"):
                digits = code.strip().replace(".", "")
                if len(digits) == 6 and digits.isdigit():
                    codes.add(digits)
    return frozenset(codes)


def is_essential(hs_codes: list[str]) -> bool:
    """A consignment is essential when every goods item is on the list (one mask does not make a
    container of televisions a priority)."""
    return bool(hs_codes) and all(code[:6] in subheadings() for code in hs_codes)
