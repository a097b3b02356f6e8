"""The HS 2022 nomenclature: lookup, word search and suggestions for mistyped codes."""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from importlib import resources

_WORD = re.compile(r"[a-z0-9]+")
_STOP = frozenset("a an and or of the in for with to by on not nes other than its their from as at be is are "
                  "whether n e s".split())


@dataclass(frozen=True)
class HsEntry:
    code: str
    description: str
    level: int  # 2 chapter, 4 heading, 6 subheading
    parent: str | None
    section: str


@dataclass(frozen=True)
class Section:
    numeral: str
    name: str


def _stem(word: str) -> str:
    for suffix in ("ies", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return word


def _tokens(text: str) -> list[str]:
    return [_stem(w) for w in _WORD.findall(text.lower()) if w not in _STOP]


class Nomenclature:
    def __init__(self, entries: dict[str, HsEntry], sections: dict[str, Section]) -> None:
        self.entries = entries
        self.sections = sections
        self.subheadings = sorted(c for c, e in entries.items() if e.level == 6)
        self._index: dict[str, set[str]] = defaultdict(set)
        for code in self.subheadings:
            for tok in set(self._words_for(code)):
                self._index[tok].add(code)

    def _words_for(self, code: str) -> list[str]:
        words = _tokens(self.entries[code].description)
        heading = self.entries.get(code[:4])
        if heading:
            words += _tokens(heading.description)
        return words

    def get(self, code: str) -> HsEntry | None:
        return self.entries.get(code)

    def is_subheading(self, code: str) -> bool:
        e = self.entries.get(code[:6])
        return len(code) >= 6 and e is not None and e.level == 6

    def chapter(self, code: str) -> HsEntry | None:
        return self.entries.get(code[:2])

    def heading(self, code: str) -> HsEntry | None:
        return self.entries.get(code[:4])

    def section(self, code: str) -> Section | None:
        e = self.entries.get(code[:2])
        return self.sections.get(e.section) if e else None

    def search(self, query: str, limit: int = 10) -> list[tuple[HsEntry, float]]:
        """Subheadings ranked by how many query words their own and their heading's text contain."""
        q = _tokens(query)
        if not q:
            return []
        scores: dict[str, float] = defaultdict(float)
        for tok in q:
            hits = self._index.get(tok, set())
            if not hits:
                # prefix match: "orang" finds "orange"
                hits = set().union(*(v for k, v in self._index.items() if k.startswith(tok))) if len(tok) >= 3 else set()
            weight = 1.0 / (1.0 + len(hits) / 200.0)
            for code in hits:
                own = tok in _tokens(self.entries[code].description)
                scores[code] += weight * (1.5 if own else 1.0)
        ranked = sorted(scores.items(), key=lambda kv: (-kv[1], len(self.entries[kv[0]].description), kv[0]))
        return [(self.entries[c], round(s, 3)) for c, s in ranked[:limit]]

    def suggest(self, code: str, limit: int = 5) -> list[str]:
        """Nearest valid subheadings for a code that is not one: same heading, then same chapter,
        then the codes that differ in the fewest digits."""
        digits = re.sub(r"\D", "", code)[:6]
        if len(digits) >= 4 and self.entries.get(digits[:4]):
            pool = [c for c in self.subheadings if c.startswith(digits[:4])]
        elif len(digits) >= 2 and self.entries.get(digits[:2]):
            pool = [c for c in self.subheadings if c.startswith(digits[:2])]
        else:
            pool = self.subheadings
        padded = digits.ljust(6, "0")

        def distance(c: str) -> tuple[int, int]:
            return (sum(a != b for a, b in zip(c, padded)), abs(int(c) - int(padded or 0)))

        return sorted(pool, key=distance)[:limit]


@cache
def nomenclature() -> Nomenclature:
    base = resources.files("clearway.reference").joinpath("data")
    entries: dict[str, HsEntry] = {}
    with base.joinpath("harmonized-system.csv").open("r", encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            code = row["hscode"]
            if code == "TOTAL" or code.startswith("99") or row["level"] not in ("2", "4", "6"):
                continue
            parent = None if row["parent"] == "TOTAL" else row["parent"]
            entries[code] = HsEntry(code, row["description"], int(row["level"]), parent, row["section"])
    sections: dict[str, Section] = {}
    with base.joinpath("sections.csv").open("r", encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            sections[row["section"]] = Section(row["section"], row["name"].strip())
    return Nomenclature(entries, sections)
