"""The HS finder's ranking: which subheadings a trader's description of goods most likely means.

No database here. Each subheading is a document of four fields: its own text, its heading's, its chapter's,
and the national lines' descriptions under it (the US schedule words "Drinking glasses ... of lead crystal"
where the nomenclature says "Glassware; drinking glasses"). A query word scores its inverse document
frequency times the fields it is found in, the nomenclature's own text weighing most and national words
saturating (a word repeated over twenty US lines is not twenty times the evidence). The words of the first
clause weigh more: traders name the goods first ("Whiskey glasses, scotch glasses, ... gift for bourbon
lovers"). Trade synonyms bring everyday words to the tariff's ("sneakers" -> footwear).

The database's full-text index (`search_index.py`) may name the candidates; in memory every subheading is
one. The score below decides the order either way, so every path ranks alike.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

_WORD = re.compile(r"[a-z]+|[:;(]")
STOP = frozenset(
    "a an the of for and or with in on to by from as at is are be this that it its not new other n e c s nec nes "
    "heading no item excluding including whether than such used use type set pcs pc piece thereof kind their "
    "only also etc".split())

# Field weights and the first-clause boost. Chosen on half of the public classification set (the other half is
# the one reported in docs/benchmarks.md); see benchmarks/bench_hs_finder.py.
OWN, HEADING, CHAPTER, NATIONAL, SATURATION = 2.0, 1.0, 0.0, 2.0, 1.0
FIRST_CLAUSE, FIRST_WORDS, SYNONYM = 1.5, 3, 1.0


def stem(word: str) -> str:
    """A light English stemmer: plurals to singular, enough to meet the nomenclature's plurals."""
    if word.endswith("ss") or len(word) < 4:
        return word
    for suffix, repl in (("ies", "y"), ("sses", "ss"), ("ches", "ch"), ("shes", "sh"), ("xes", "x"), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 2:
            return word[: -len(suffix)] + repl
    return word


def words(text: str) -> list[str]:
    """Stemmed words of a text, stop words out."""
    return [stem(w) for w in _WORD.findall(text.lower()) if w not in STOP and len(w) > 1 and w.isalpha()]


@dataclass(frozen=True)
class Doc:
    code: str
    own: frozenset[str]
    heading: frozenset[str]
    chapter: frozenset[str]
    national: Mapping[str, int]

    def terms(self) -> set[str]:
        return set(self.own) | set(self.heading) | set(self.chapter) | set(self.national)

    def text(self) -> str:
        """The words an external full-text index holds for this document (already stemmed)."""
        return " ".join(sorted(self.terms()))


def make_doc(code: str, own: str, heading: str, chapter: str, national: Iterable[str]) -> Doc:
    return Doc(code, frozenset(words(own)), frozenset(words(heading)), frozenset(words(chapter)),
               Counter(w for line in national for w in words(line)))


class Corpus:
    """The documents, and for each term the documents holding it with the weight of the fields it is in
    (precomputed, so that a search adds up postings instead of looking into every candidate)."""

    def __init__(self, docs: Iterable[Doc]) -> None:
        self.docs = {d.code: d for d in docs}
        self.postings: dict[str, dict[str, float]] = defaultdict(dict)
        for d in self.docs.values():
            for t in d.terms():
                n = d.national.get(t, 0)
                self.postings[t][d.code] = (OWN * (t in d.own) + HEADING * (t in d.heading)
                                            + CHAPTER * (t in d.chapter) + NATIONAL * n / (n + SATURATION))
        n_docs = len(self.docs)
        self.idf = {t: math.log(1 + n_docs / (1 + len(p))) for t, p in self.postings.items()}


def query_weights(text: str, synonyms: Mapping[str, tuple[str, ...]]) -> dict[str, float]:
    """Each query term with its weight: first-clause words more, synonyms as much as the word they stand for."""
    weights: dict[str, float] = {}
    clause = seen = 0
    for raw in _WORD.findall(text.lower()):
        if raw in ":;(":
            clause += 1
            continue
        if raw in STOP or len(raw) < 2:
            continue
        w = FIRST_CLAUSE if clause == 0 and seen < FIRST_WORDS else 1.0
        seen += 1
        base = stem(raw)
        for term, factor in [(base, 1.0), *((stem(s), SYNONYM) for s in synonyms.get(raw, synonyms.get(base, ())))]:
            weights[term] = max(weights.get(term, 0.0), w * factor)
    return weights


def rank(weights: Mapping[str, float], candidates: Iterable[str] | None, corpus: Corpus,
         limit: int) -> list[tuple[str, float]]:
    """The best `limit` documents (among `candidates`, or all), highest score first; ties go to the shorter
    own text, then the code. A score sums, over the query terms a document holds, the term's weight times
    its inverse document frequency times the fields it is found in."""
    scores: dict[str, float] = defaultdict(float)
    for term, w in weights.items():
        postings = corpus.postings.get(term)
        if postings:
            factor = w * corpus.idf[term]
            for code, fields in postings.items():
                if fields:
                    scores[code] += factor * fields
    allowed = None if candidates is None else set(candidates)
    scored = [(c, s) for c, s in scores.items() if allowed is None or c in allowed]
    scored.sort(key=lambda cs: (-cs[1], len(corpus.docs[cs[0]].own), cs[0]))
    return scored[:limit]
