"""Essential goods (medical supplies, vaccines and their cold chain) that get priority handling:
green unless a rule or a high score says otherwise, and the fastest queue when controlled.

No database here: the shipped list (risk/data/essential-goods.csv, see SOURCE.md) is every economy's
starting point; an administration's additions and removals (risk/essential_goods.py stores them) are
applied on top by `effective`, and the callers hand the resulting set to `is_essential`."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).parent / "data" / "essential-goods.csv"


@lru_cache(maxsize=1)
def shipped() -> frozenset[str]:
    """HS 2022 subheadings (6 digits) of the shipped essential goods list."""
    codes = set()
    with DATA.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            for code in row["hs2022"].split(";"):
                digits = code.strip().replace(".", "")
                if len(digits) == 6 and digits.isdigit():
                    codes.add(digits)
    return frozenset(codes)


def effective(base: Iterable[str], changes: Mapping[str, bool]) -> frozenset[str]:
    """The list in force: the shipped one, plus the subheadings an administration added (True), less
    those it removed (False)."""
    return frozenset((set(base) | {c for c, on in changes.items() if on}) - {c for c, on in changes.items() if not on})


def subheading_error(code: str, known: bool) -> str | None:
    """Why `code` cannot go on the list (None when it can): six digits, a subheading of HS 2022."""
    if len(code) != 6 or not code.isdigit():
        return "an HS subheading is 6 digits, e.g. 300215"
    if not known:
        return f"{code} is not a subheading of HS 2022"
    return None


def is_essential(hs_codes: list[str | None], essential: frozenset[str]) -> bool:
    """A consignment is essential when every goods item is on the list (one mask does not make a
    container of televisions a priority); an item without a commodity code (a clearance request's) is not."""
    return bool(hs_codes) and all(code is not None and code[:6] in essential for code in hs_codes)
