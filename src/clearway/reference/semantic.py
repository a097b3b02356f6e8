"""The HS finder's second opinion: which subheadings mean what a description means, whatever its words.

Word matching cannot tell that an epilator is a hair-removing appliance; a sentence embedding can. The
finder's embedding is static: each word piece of all-MiniLM-L6-v2's vocabulary has a vector distilled from
that model and refitted on the tariff's texts (`tools/derive_hs_token_vectors.py`, shipped as
`hs-token-vectors.npz`), and a text's vector is the mean of its word pieces' vectors scaled to unit length
(`Static.embed`), so a search costs a tokenisation and one product with the subheadings' matrix, well under
a millisecond, where the model's own pass took 16-50 ms. Each subheading's vector is its `document_text`
(its own text, its heading's, its national lines' descriptions and its trade names) embedded the same way,
once per process (`hs.Nomenclature.meaning`).

`fuse` then adds the two opinions up: a subheading scores its cosine with the query plus WORDS times its
word score (BM25F, `finder.rank`) divided by the best word score of the search, so that both lie on a scale
of about 0 to 1. The candidates are the POOL best of each ranking. Weighted sums of normalised scores and
reciprocal rank fusion (Cormack, Clarke & Buettcher, SIGIR 2009) were both tried; the sum did better. The
constants, and the choice of static vectors for both sides (over static queries against the model's own
subheading vectors, and over a vector for each national line scored by the best), were made on the tuning
half of the public classification set only (`benchmarks/bench_hs_finder.py`, docs/benchmarks.md).
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
from tokenizers import BertWordPieceTokenizer

WORDS = 0.7  # the word score's weight beside the cosine (0.5, 0.6 and 1.0 did worse on the tuning half, 0.8 the same)
POOL = 100  # how deep each ranking is read
# A subheading nearer the query than this in meaning only is no match: "zzzzqqq" is near nothing, but every
# text has some nearest neighbour (with these vectors, 0.34 for "zzzzqqq" and 0.43 for "asdfgh"; from 0.33 to
# 0.45 no description of the tuning half changed place).
MIN_COSINE = 0.45
EMBED_BATCH = 256  # texts tokenized at once


def _data(name: str):
    return resources.files("clearway.reference").joinpath("data").joinpath(name)


@cache
def static_tokenizer() -> Any:
    """The model's WordPiece tokenizer (`minilm-vocab.txt`, lower case, accents stripped)."""
    with resources.as_file(_data("minilm-vocab.txt")) as vocab:
        return BertWordPieceTokenizer(str(vocab), lowercase=True)


@dataclass(frozen=True)
class Static:
    tokenizer: Any  # tokenizers.BertWordPieceTokenizer
    vectors: np.ndarray  # float32, one row per word piece of the vocabulary

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length float32 rows, one per text: the mean of its word pieces' vectors ([CLS] and [SEP] not
        counted), scaled to unit length; a text without a word piece gives zeros."""
        out = np.zeros((len(texts), self.vectors.shape[1]), dtype=np.float32)
        for start in range(0, len(texts), EMBED_BATCH):  # the tokenizer's encodings of 5,612 texts at once held ~40 MB
            batch = self.tokenizer.encode_batch(list(texts[start:start + EMBED_BATCH]), add_special_tokens=False)
            for row, encoding in enumerate(batch, start):
                if encoding.ids:
                    out[row] = self.vectors[encoding.ids].mean(axis=0)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1, norms)


@cache
def static() -> Static:
    """The shipped word-piece vectors (int8 with a scale per piece in the file), once per process."""
    with _data("hs-token-vectors.npz").open("rb") as fh, np.load(fh, allow_pickle=False) as npz:
        vectors = npz["vectors"].astype(np.float32) * npz["scale"][:, None]
    return Static(static_tokenizer(), vectors)


def parts(national: Iterable[str]) -> list[str]:
    """Each distinct part of national lines ("Melons, fresh: / Watermelons" gives both parts once), bare
    "Other" left out."""
    found = dict.fromkeys(p.strip() for line in national for p in line.split(" / "))
    return [p for p in found if p and p.lower() != "other"]


def document_text(own: str, heading: str, national: Sequence[str], trade: Sequence[str] = ()) -> str:
    """The text a subheading is embedded from: its own words, its heading's, then each distinct part of
    its national lines (`parts`) and its trade names."""
    lines = "; ".join(parts(national) + list(trade))
    return f"{own}; {heading}. {lines}" if lines else f"{own}; {heading}."


@dataclass(frozen=True)
class Cosines:
    """A query's cosine with each document, read by code: `codes` in ascending order, `values` in theirs."""
    codes: Sequence[str]
    position: Mapping[str, int]  # code -> its row
    values: np.ndarray

    def __getitem__(self, code: str) -> float:
        return float(self.values[self.position[code]])


def similarities(query: str, codes: Sequence[str], position: Mapping[str, int], matrix: np.ndarray) -> Cosines:
    """The query's cosine with each document: `codes` (ascending), their rows, and their unit vectors (rows of
    `matrix`)."""
    # einsum rather than `matrix @ query`: numpy's BLAS would spread this 2-million-multiply product over both
    # cores, and on a busy machine waiting for the second took 1 to 5 ms where one core alone takes 0.3-0.5 ms.
    return Cosines(codes, position, np.einsum("ij,j->i", matrix, static().embed([query])[0]))


def nearest(sims: Cosines, limit: int = POOL) -> list[tuple[str, float]]:
    """The documents nearest the query (`sims`), at least MIN_COSINE, with their cosine, nearest first; ties by
    code. A search reads a hundred of 5,612 cosines, so numpy picks them rather than a sort of Python floats."""
    values = sims.values
    if limit < len(values):
        kth = np.partition(values, len(values) - limit)[len(values) - limit]
        rows = np.flatnonzero(values >= kth)  # every tie with the last one kept, in code order
    else:
        rows = np.arange(len(values))
    rows = rows[np.lexsort((rows, -values[rows]))][:limit]
    return [(sims.codes[r], float(values[r])) for r in rows if values[r] >= MIN_COSINE]


def fuse(words: Sequence[tuple[str, float]], meaning: Sequence[tuple[str, float]], sims: Mapping[str, float],
         limit: int) -> list[tuple[str, float]]:
    """The word ranking (code, BM25F score) and the meaning ranking (code, cosine) as one, best first: each
    candidate scores its cosine (`sims`) plus WORDS times its word score over the best word score; ties by
    code."""
    best = max((s for _, s in words), default=1.0)
    scores = {c: sims[c] for c, _ in meaning}
    for code, score in words:
        scores[code] = sims[code] + WORDS * score / best
    return heapq.nsmallest(limit, scores.items(), key=lambda cs: (-cs[1], cs[0]))
