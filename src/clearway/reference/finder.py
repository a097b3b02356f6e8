"""The HS finder's ranking: which subheadings a trader's description of goods most likely means.

No database here. Each subheading is a document of five fields: its own text, its heading's, its chapter's,
the national lines' descriptions under it (the US schedule words "Drinking glasses ... of lead crystal"
where the nomenclature says "Glassware; drinking glasses", Australia's and New Zealand's lines add theirs),
and its trade names: what traders, shop listings and rulings call the goods classified there ("beard
trimmer", "air fryer", "frozen vannamei shrimp"; `hs-trade-names.csv`), the words a trader's description
shares with no tariff text.
The score is BM25F (Robertson & Zaragoza, "The Probabilistic Relevance Framework: BM25 and Beyond", 2009):
each field's term count is weighted and normalised by the field's length, the sum saturates, and the term's
inverse document frequency multiplies it. As that does not depend on the query, it is computed once per
(term, subheading) and a search adds up postings. Words are stemmed with the Snowball English (Porter 2)
stemmer, so "oranges", "orange" and "frozen"/"freeze" forms meet.

On the query side: the words of the first clause weigh more (traders name the goods first: "Whiskey glasses,
scotch glasses, ... gift for bourbon lovers"), a word repeated in a listing title weighs more (the goods
are what a title repeats), words after "for" (what the goods are for or fit) weigh less, and trade synonyms
bring everyday words to the tariff's ("sneakers" -> footwear). Two query words met side by side in a
subheading's texts ("hair dye", "watch case") add a bonus, and waste and scrap subheadings step back unless
the query speaks of waste or scrap.

The database's full-text index (`search_index.py`) names the candidates (every subheading holding a query
term); in memory every subheading is one. The score below decides the order either way, so every path
ranks alike.
"""

from __future__ import annotations

import heapq
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer

_WORD = re.compile(r"[a-z]+(?:-[a-z]+)*|[:;(),/]")
STOP = frozenset(
    "a an the of for and or with in on to by from as at is are be this that it its not new other n e c s nec nes "
    "heading no item excluding including whether than such used use type set pcs pc piece thereof kind their non "
    "only also etc".split())
_CLAUSE, _COMMA, _PURPOSE = frozenset(":;("), frozenset(",)/"), frozenset(("for", "fit", "fits", "compatible"))

# BM25F field weights and length normalisation, the saturation k1, and the query-side factors. Chosen on half
# of the public classification set (the other half is the one reported in docs/benchmarks.md); see
# benchmarks/bench_hs_finder.py.
WEIGHTS = {"own": 6.0, "heading": 1.5, "chapter": 0.3, "national": 1.0, "trade": 3.0}
LENGTH_NORM = {"own": 0.5, "heading": 0.5, "chapter": 0.5, "national": 0.5, "trade": 0.5}
K1 = 1.2
FIRST_CLAUSE, FIRST_WORDS, SYNONYM, PURPOSE, REPEAT = 1.5, 3, 1.0, 0.5, 1.0
BIGRAM, BIGRAM_MAX_DOCS, WASTE, NEGATED = 0.2, 2000, 0.5, 0.5

_stemmer = snowballstemmer.stemmer("english")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """Snowball English stem of a lower-case word."""
    return _stemmer.stemWord(word)


def _tokens(text: str) -> list[str]:
    """Words and clause marks; a hyphenated word gives its parts and then its parts joined ("t-shirts" ->
    "t", "shirts", "tshirts"), so that "T-shirt", "tshirt" and "shirt" all meet the tariff's "T-shirts"."""
    out = []
    for token in _WORD.findall(text.lower()):
        out.extend(token.split("-") + [token.replace("-", "")] if "-" in token else [token])
    return out


def words(text: str) -> list[str]:
    """Stemmed words of a text, stop words and punctuation out."""
    return [stem(w) for w in _tokens(text) if w.isalpha() and w not in STOP and len(w) > 1]


def marked(text: str) -> Iterator[tuple[str, bool]]:
    """Each token of a text (words and clause marks), and whether the text rules it out: the words after
    "not", "excluding", "except", "without", "other than" (but not "whether or not"), up to the end of
    the clause, or of the brackets the exclusion opened in ("(other than cotton or man-made fibres)"),
    and the word after "non" ("non-alloy"). The subheadings of a heading differ by these words:
    "Seats; with wooden frames, not upholstered" is the wrong answer for an upholstered sofa."""
    depth, negated_at, next_only, prev = 0, None, False, ""
    for tok in _tokens(text):
        if tok in ("not", "excluding", "except", "without") and prev != "or" or tok == "than" and prev == "other":
            negated_at = depth
        elif tok == "non":
            next_only = True
        elif tok in "(),;:/":
            depth += (tok == "(") - (tok == ")")
            if negated_at is not None and (depth < negated_at or tok in ";:" or tok in ",/" and negated_at == 0):
                negated_at = None
        elif tok.isalpha() and tok not in STOP and len(tok) > 1:
            yield tok, negated_at is not None or next_only
            next_only = False
            prev = tok
            continue
        yield tok, False
        prev = tok


def affirmed_and_negated(text: str) -> tuple[list[str], list[str]]:
    """A tariff text's stemmed words, split into those it affirms and those it rules out (`marked`)."""
    affirmed: list[str] = []
    negated: list[str] = []
    for tok, ruled_out in marked(text):
        if tok.isalpha() and tok not in STOP and len(tok) > 1:
            (negated if ruled_out else affirmed).append(stem(tok))
    return affirmed, negated


@dataclass(frozen=True)
class Doc:
    code: str
    fields: Mapping[str, Counter]  # field name (WEIGHTS' keys) -> stemmed word counts
    bigrams: frozenset[tuple[str, str]]  # adjacent stemmed words in any of its texts
    waste: bool  # a waste or scrap subheading
    negated: frozenset[str] = frozenset()  # words its texts rule out and never affirm

    def terms(self) -> set[str]:
        return set().union(*self.fields.values()) | self.negated

    def text(self) -> str:
        """The words an external full-text index holds for this document (already stemmed)."""
        return " ".join(sorted(self.terms()))


def make_doc(code: str, own: str, heading: str, chapter: str, national: Iterable[str],
             trade: Iterable[str] = ()) -> Doc:
    """A subheading's document. National lines are given as descriptions; a line written with its parents
    ("Melons, fresh: / Watermelons") counts each distinct part once. Trade names are the everyday names of
    the goods classified there ("cordless hair clipper", "frozen peeled shrimp")."""
    parts = list(dict.fromkeys(p.strip() for line in national for p in line.split(" / ") if p.strip()))
    names = list(dict.fromkeys(t.strip() for t in trade if t.strip()))
    texts = [own, heading, *parts, *names]
    pairs = frozenset(pair for t in texts for ws in [words(t)] for pair in zip(ws, ws[1:]) if pair[0] != pair[1])
    split = {"own": [affirmed_and_negated(own)], "heading": [affirmed_and_negated(heading)],
             "chapter": [affirmed_and_negated(chapter)], "national": [affirmed_and_negated(p) for p in parts],
             "trade": [affirmed_and_negated(t) for t in names]}
    # What the subheading's own text or its heading rules out is ruled out, wherever else it appears (the
    # heading "Coffee, whether or not roasted or decaffeinated" over "Coffee; roasted, not decaffeinated"),
    # unless the own text affirms it.
    negated = {w for f in ("own", "heading") for _, n in split[f] for w in n} - set(split["own"][0][0])
    fields = {f: Counter(w for a, _ in s for w in a if w not in negated) for f, s in split.items()}
    return Doc(code, fields, pairs, bool(set(fields["own"]) & {"wast", "scrap"}), frozenset(negated))


class Corpus:
    """The documents, and for each term the documents holding it with their BM25F term score (idf times the
    saturated, length-normalised, field-weighted count), and for each adjacent word pair its documents."""

    def __init__(self, docs: Iterable[Doc]) -> None:
        self.docs = {d.code: d for d in docs}
        n_docs = max(len(self.docs), 1)
        lengths = {f: sum(sum(d.fields[f].values()) for d in self.docs.values()) / n_docs or 1.0 for f in WEIGHTS}
        doc_freq = Counter(t for d in self.docs.values() for t in d.terms())
        self.postings: dict[str, dict[str, float]] = defaultdict(dict)
        for d in self.docs.values():
            norms = {f: 1 - LENGTH_NORM[f] + LENGTH_NORM[f] * sum(d.fields[f].values()) / lengths[f] for f in WEIGHTS}
            for t in d.terms():
                tf = sum(WEIGHTS[f] * d.fields[f].get(t, 0) / norms[f] for f in WEIGHTS)
                idf = math.log(1 + (n_docs - doc_freq[t] + 0.5) / (doc_freq[t] + 0.5))
                self.postings[t][d.code] = idf * tf / (K1 + tf) if tf else -NEGATED * idf
        self.pairs: dict[tuple[str, str], list[str]] = defaultdict(list)
        for d in self.docs.values():
            for pair in d.bigrams:
                self.pairs[pair].append(d.code)
        self.n_docs = n_docs
        self.own_length = {d.code: sum(d.fields["own"].values()) for d in self.docs.values()}
        self.waste = {d.code for d in self.docs.values() if d.waste}


def query_terms(text: str) -> list[tuple[str, str, float]]:
    """The query's words in order: (raw word, stem, positional weight)."""
    out: list[tuple[str, str, float]] = []
    clause = seen = 0
    purpose = False
    for raw, ruled_out in marked(text):
        if raw in _CLAUSE or raw in _COMMA:
            clause += raw in _CLAUSE
            purpose = False
        elif raw in _PURPOSE:
            purpose = True
        elif raw not in STOP and len(raw) > 1 and raw.isalpha():
            w = (FIRST_CLAUSE if clause == 0 and seen < FIRST_WORDS else 1.0) * (PURPOSE if purpose else 1.0)
            w *= -NEGATED if ruled_out else 1.0
            seen += 1
            out.append((raw, stem(raw), w))
    return out


def query_weights(text: str, synonyms: Mapping[str, tuple[str, ...]]) -> dict[str, float]:
    """Each query term with its weight: first-clause words more, words after "for" less, a repeated word
    more, synonyms as much as the word they stand for."""
    weights: dict[str, float] = {}
    terms = query_terms(text)
    repeats = Counter(s for _, s, _ in terms)
    for raw, base, w in terms:
        w *= 1 + REPEAT * math.log(repeats[base]) if w > 0 else 1
        tariff_words = words(" ".join(synonyms.get(raw) or synonyms.get(raw.rstrip("s")) or ()))
        for term, factor in [(base, 1.0), *((t, SYNONYM) for t in tariff_words)]:
            weights[term] = max(weights[term], w * factor) if term in weights else w * factor
    return weights


def rank(weights: Mapping[str, float], candidates: Iterable[str] | None, corpus: Corpus, limit: int,
         pairs: Iterable[tuple[str, str]] = ()) -> list[tuple[str, float]]:
    """The best `limit` documents (among `candidates`, or all), highest score first; ties go to the shorter
    own text, then the code. A score sums each query term's weight times its posting; each query word pair
    found side by side in a document adds a bonus that grows with the pair's rarity; waste and scrap
    documents are halved unless the query holds those words."""
    scores: dict[str, float] = defaultdict(float)
    for term, w in weights.items():
        for code, posting in corpus.postings.get(term, {}).items():
            scores[code] += w * posting
    for pair in set(pairs):
        holders = corpus.pairs.get(pair, ())
        if 0 < len(holders) < BIGRAM_MAX_DOCS:
            bonus = BIGRAM * math.log(1 + corpus.n_docs / len(holders))
            for code in holders:
                if code in scores:
                    scores[code] += bonus
    if not {"wast", "scrap"} & set(weights):
        for code in corpus.waste & scores.keys():
            scores[code] *= WASTE
    allowed = None if candidates is None else set(candidates)
    # A document the query only meets in words ruled out (a score of zero or less) is no match.
    scored = [(c, s) for c, s in scores.items() if s > 0 and (allowed is None or c in allowed)]
    length = corpus.own_length
    return heapq.nsmallest(limit, scored, key=lambda cs: (-cs[1], length[cs[0]], cs[0]))


def query_pairs(text: str) -> list[tuple[str, str]]:
    """Adjacent stemmed query words (punctuation and stop words skipped), for the side-by-side bonus."""
    ws = [s for _, s, _ in query_terms(text)]
    return [p for p in zip(ws, ws[1:]) if p[0] != p[1]]


def ruled_out(weights: Mapping[str, float], corpus: Corpus) -> set[str]:
    """Documents whose texts rule out a word the query asks for ("Shrimps and prawns, not frozen" for "frozen
    shrimp"): the meaning ranking does not read "not", so the fusion leaves these to the word ranking."""
    return {code for term, w in weights.items() if w > 0 for code, p in corpus.postings.get(term, {}).items() if p < 0}
