"""The HS finder's second opinion: which subheadings mean what a description means, whatever its words.

Word matching cannot tell that an epilator is a hair-removing appliance; a sentence embedding can. Each
subheading is embedded once (`document_text`: its own text, its heading's, and its national lines'
descriptions) by `tools/derive_hs_vectors.py` into `hs-vectors.npz`, shipped with the package; a search
embeds the query (`embedding.py`) and takes the subheadings nearest to it.

`fuse` then adds the two opinions up: a subheading scores its cosine with the query plus WORDS times its
word score (BM25F, `finder.rank`) divided by the best word score of the search, so that both lie on a scale
of about 0 to 1. The candidates are the POOL best of each ranking. Weighted sums of normalised scores and
reciprocal rank fusion (Cormack, Clarke & Buettcher, SIGIR 2009) were both tried; the sum did better. The
constants were chosen on the tuning half of the public classification set only (`benchmarks/bench_hs_finder.py`).
"""

from __future__ import annotations

import hashlib
import heapq
from collections.abc import Mapping, Sequence
from functools import cache
from importlib import resources

import numpy as np

from clearway.reference import embedding

WORDS = 0.3  # the word score's weight beside the cosine
POOL = 100  # how deep each ranking is read
# A subheading nearer the query than this in meaning only is no match: "zzzzqqq" is near nothing, but every
# text has some nearest neighbour.
MIN_COSINE = 0.33


def document_text(own: str, heading: str, national: Sequence[str]) -> str:
    """The text a subheading is embedded from: its own words, its heading's, then each distinct part of
    its national lines ("Melons, fresh: / Watermelons" gives both parts once), bare "Other" left out."""
    parts = dict.fromkeys(p.strip() for line in national for p in line.split(" / "))
    lines = "; ".join(p for p in parts if p and p.lower() != "other")
    return f"{own}; {heading}. {lines}" if lines else f"{own}; {heading}."


def digest(texts: Sequence[tuple[str, str]]) -> str:
    """What a vector matrix was computed from: the model and each (code, document text)."""
    h = hashlib.sha256(embedding.MODEL_ID.encode())
    for code, text in texts:
        h.update(f"\n{code}\t{text}".encode())
    return h.hexdigest()


@cache
def vectors() -> tuple[tuple[str, ...], np.ndarray, str]:
    """The shipped subheading embeddings: (codes, float32 matrix with one unit row per code, digest)."""
    data = resources.files("clearway.reference").joinpath("data").joinpath("hs-vectors.npz")
    with data.open("rb") as fh, np.load(fh, allow_pickle=False) as npz:
        return tuple(str(c) for c in npz["codes"]), npz["vectors"].astype(np.float32), str(npz["digest"])


def similarities(query: str) -> dict[str, float]:
    """The query's cosine with every subheading."""
    codes, matrix, _ = vectors()
    return dict(zip(codes, (matrix @ embedding.embed([query])[0]).tolist(), strict=True))


def nearest(query: str, limit: int = POOL, sims: dict[str, float] | None = None) -> list[tuple[str, float]]:
    """The subheadings whose embedding is nearest the query's (at least MIN_COSINE), with their cosine,
    nearest first."""
    sims = similarities(query) if sims is None else sims
    near = heapq.nsmallest(limit, sims.items(), key=lambda cs: (-cs[1], cs[0]))
    return [(c, s) for c, s in near if s >= MIN_COSINE]


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
