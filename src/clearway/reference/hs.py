"""The HS 2022 nomenclature: lookup, search by words and meaning, and suggestions for mistyped codes."""

from __future__ import annotations

import csv
import gzip
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, cached_property, lru_cache
from importlib import resources

import numpy as np

from clearway.reference import finder, semantic


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


class Nomenclature:
    def __init__(self, entries: dict[str, HsEntry], sections: dict[str, Section]) -> None:
        self.entries = entries
        self.sections = sections
        self.subheadings = sorted(c for c, e in entries.items() if e.level == 6)

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
        """Subheadings ranked by the finder over every subheading; in memory, for bulk work and the command
        line. The API searches the database's full-text index (`search_index.py`) and ranks its candidates
        the same way."""
        return self.ranked(query, None, limit)

    def ranked(self, query: str, codes: set[str] | None, limit: int) -> list[tuple[HsEntry, float]]:
        """Subheadings for a query, best first, with their scores: the word ranking (`finder.py`, among
        `codes` or all) fused with the meaning ranking (`semantic.py`, over all, less the subheadings whose
        texts rule out a word the query asks for)."""
        weights = finder.query_weights(query, synonyms())
        words = finder.rank(weights, codes, self.corpus, semantic.POOL, finder.query_pairs(query))
        sims = self.similarities(query)
        ruled_out = finder.ruled_out(weights, self.corpus)
        meaning = [(c, s) for c, s in semantic.nearest(sims) if c not in ruled_out]
        fused = semantic.fuse(words, meaning, sims, limit)
        return [(self.entries[c], round(s, 4)) for c, s in fused]

    def ranked_by_words(self, query: str, codes: set[str] | None, limit: int) -> list[tuple[str, float]]:
        """The word ranking alone (BM25F, `finder.py`): codes with their scores."""
        return finder.rank(finder.query_weights(query, synonyms()), codes, self.corpus, limit, finder.query_pairs(query))

    def names_matching(self, query: str, codes: Iterable[str], limit: int = 3) -> dict[str, list[str]]:
        """For each subheading found, its trade names that share words with the query, by how rare the shared
        words are (their summed inverse document frequency; then in the file's order), those sharing less than
        half of the best one's left out: why a search found it ("air fryer" for "countertop air fryer 5 l", and
        not "fresh grouper" beside "fresh orange roughy" for "fresh oranges"). Digits share no word."""
        asked = set(finder.words(query))
        weight = {t: math.log(self.corpus.n_docs / len(self.corpus.postings.get(t) or (0,))) for t in asked}
        found: dict[str, list[str]] = {}
        for code in codes:
            shared = [(sum(weight[t] for t in asked & stems), k, name)
                      for k, (name, stems) in enumerate(self._name_words(code))]
            best = max((w for w, _, _ in shared), default=0.0)
            chosen = sorted((s for s in shared if s[0] > 0 and s[0] >= best / 2), key=lambda s: (-s[0], s[1]))
            found[code] = [name for _, _, name in chosen[:limit]]
        return found

    @lru_cache(maxsize=8192)  # noqa: B019 - one per process: the nomenclature is cached itself
    def _name_words(self, code: str) -> tuple[tuple[str, frozenset[str]], ...]:
        return tuple((name, frozenset(finder.words(name))) for name in trade_names().get(code, ()))

    def similarities(self, query: str) -> semantic.Cosines:
        """The query's cosine with every subheading (`semantic.py`)."""
        codes, matrix = self.meaning
        return semantic.similarities(query, codes, self.position, matrix)

    @cached_property
    def position(self) -> dict[str, int]:
        """Each subheading's place in `subheadings` (ascending codes), which is its row in `meaning`."""
        return {c: i for i, c in enumerate(self.subheadings)}

    @cached_property
    def meaning(self) -> tuple[tuple[str, ...], np.ndarray]:
        """The subheadings' codes (`subheadings`) and their unit vectors of meaning (`semantic.Static`), from
        their document texts (`document_texts`); about 2 s once per process."""
        texts = document_texts()
        return tuple(c for c, _ in texts), semantic.static().embed([t for _, t in texts])

    @cached_property
    def corpus(self) -> finder.Corpus:
        national, trade = national_words(), trade_names()

        def text(code: str) -> str:
            e = self.entries.get(code)
            return e.description if e else ""

        return finder.Corpus(finder.make_doc(c, text(c), text(c[:4]), text(c[:2]), national.get(c, ()),
                                             trade.get(c, ())) for c in self.subheadings)

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


@cache
def document_texts() -> list[tuple[str, str]]:
    """Each subheading's code and the text its vector of meaning is computed from (`semantic.document_text`)."""
    n, national, trade = nomenclature(), national_words(), trade_names()
    return [(c, semantic.document_text(n.entries[c].description, n.entries[c[:4]].description, national.get(c, ()),
                                       trade.get(c, ()))) for c in n.subheadings]


def _data(name: str):
    return resources.files("clearway.reference").joinpath("data").joinpath(name)


@cache
def national_words() -> dict[str, tuple[str, ...]]:
    """Each subheading's national line descriptions, of every schedule (`hs-national-words.csv.gz`, see
    its SOURCE.md)."""
    out: dict[str, tuple[str, ...]] = {}
    with _data("hs-national-words.csv.gz").open("rb") as raw, gzip.open(raw, "rt", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            out[row["hs6"]] = out.get(row["hs6"], ()) + tuple(row["words"].split(" ; "))
    return out


@cache
def trade_names() -> dict[str, tuple[str, ...]]:
    """Each subheading's everyday trade names (`hs-trade-names.csv`): what traders, shop listings and rulings
    call the goods classified there."""
    with _data("hs-trade-names.csv").open("r", encoding="utf-8", newline="") as fh:
        return {row["hs6"]: tuple(t.strip() for t in row["names"].split(";") if t.strip()) for row in csv.DictReader(fh)}


@cache
def synonyms() -> dict[str, tuple[str, ...]]:
    """Trade synonyms (`hs-synonyms.txt`): a trader's word to the tariff's words."""
    out: dict[str, tuple[str, ...]] = {}
    for line in _data("hs-synonyms.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#") and ":" in line:
            word, tariff_words = line.split(":", 1)
            out[word.strip().lower()] = tuple(tariff_words.split())
    return out
