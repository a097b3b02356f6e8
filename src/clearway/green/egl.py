"""The APEC List of Environmental Goods as data: parse an edition (the shipped 2012 list or a later one an
administrator loads) into the HS 2022 subheadings it covers. No database here."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from clearway.errors import FieldError, Invalid
from clearway.reference.hs import nomenclature

SHIPPED = Path(__file__).parent / "data" / "apec_egl_2012.csv"
SHIPPED_NAME = "APEC List of Environmental Goods (2012), Annex C, mapped to HS 2022"
NEEDED = ("hs2022", "description")
NARROWER = ("ex-out", "narrower")  # words that say the listed product is only part of the subheading


@dataclass(frozen=True)
class ListedLine:
    """One row of the list: the subheading(s) it covers in HS 2022, with what the list says of them."""

    listed_as: str  # the code as the edition lists it (HS 2012 for the shipped list)
    hs2022: tuple[str, ...]
    description: str
    partial: bool  # the list names only part of the subheading (an "ex-out")
    note: str


@dataclass(frozen=True)
class Edition:
    name: str
    lines: tuple[ListedLine, ...]

    def subheadings(self) -> frozenset[str]:
        return frozenset(code for line in self.lines for code in line.hs2022)


def parse(text: str, *, name: str) -> Edition:
    """CSV with at least `hs2022` (one or more 6-digit HS 2022 codes, `;`-separated) and `description`;
    optional `hs2012` (the code as listed) and `notes`. A file with any bad row is refused whole."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [c for c in NEEDED if c not in (reader.fieldnames or [])]
    if missing:
        raise Invalid(f"{name}: not an environmental goods list",
                      errors=[FieldError("header", f"missing column(s): {', '.join(missing)}")])
    hs = nomenclature()
    lines, errors = [], []
    for n, row in enumerate(reader, start=2):
        codes = tuple(c.strip().replace(".", "") for c in (row.get("hs2022") or "").split(";") if c.strip())
        if not codes:
            errors.append(FieldError(f"line {n}.hs2022", "is empty"))
        for c in codes:
            if len(c) != 6 or not c.isdigit() or hs.get(c) is None:
                errors.append(FieldError(f"line {n}.hs2022", f"{c!r} is not an HS 2022 subheading"))
        description = (row.get("description") or "").strip()
        if not description:
            errors.append(FieldError(f"line {n}.description", "is empty"))
        note = (row.get("notes") or "").strip()
        lines.append(ListedLine(listed_as=(row.get("hs2012") or codes[0] if codes else "").strip(), hs2022=codes,
                                description=description, note=note,
                                partial=any(w in description.lower() for w in NARROWER)))
    if not lines and not errors:
        errors.append(FieldError("file", "has no lines"))
    if errors:
        raise Invalid(f"{name}: {len(errors)} bad line(s); nothing was loaded", errors=errors)
    return Edition(name=name, lines=tuple(lines))


@cache
def shipped() -> Edition:
    return parse(SHIPPED.read_text(encoding="utf-8"), name=SHIPPED_NAME)


def is_environmental(hs_codes: list[str], listed: frozenset[str]) -> bool:
    """A declaration carries environmental goods when any of its items is under a listed subheading."""
    return any(code[:6] in listed for code in hs_codes)


NOT_RECOVERED = "ex-out not recovered"


def title(line: ListedLine) -> str:
    """A short name for the line: the product Annex C names (its first quoted phrase) where the list quotes it,
    else the subheading's text without the list's prefix and bracketed caveat."""
    text = line.description
    if text.startswith("Annex C:") and text.count('"') >= 2:
        return text.split('"')[1].strip()
    if "):" in text[:60]:
        text = text.split("):", 1)[1]
    return text.split(" [")[0].strip() or line.description


def caveat(line: ListedLine) -> str | None:
    """What the list itself says of the line's coverage, in a sentence (None: the whole subheading is listed)."""
    if not line.partial:
        return None
    if NOT_RECOVERED in line.description.lower():
        return ("the list's caveat: Annex C lists this line as an ex-out whose text was not recovered; the listed "
                "scope may be narrower than the subheading")
    return "an ex-out: the list names only part of this subheading (" + title(line) + ")"


@dataclass(frozen=True)
class Match:
    """One goods item under a listed subheading. `coverage`: "listed" (the whole subheading is on the list) or
    "possibly" (the list names only part of it: whether these goods are the listed part is not known)."""

    item: int  # 1-based, as the declaration numbers its items
    hs_code: str
    subheading: str
    listed_as: str
    title: str
    coverage: str
    caveat: str | None


def matches(edition: Edition, hs_codes: list[str]) -> list[Match]:
    """Every goods item (by position) under a subheading the edition lists, with the line that lists it."""
    by_code: dict[str, ListedLine] = {}
    for line in edition.lines:
        for code in line.hs2022:
            by_code.setdefault(code, line)
    out = []
    for n, code in enumerate(hs_codes, start=1):
        line = by_code.get((code or "")[:6])
        if line is not None:
            out.append(Match(item=n, hs_code=code, subheading=code[:6], listed_as=line.listed_as, title=title(line),
                             coverage="possibly" if line.partial else "listed", caveat=caveat(line)))
    return out
