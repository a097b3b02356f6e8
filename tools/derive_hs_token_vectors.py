"""Derive `src/clearway/reference/data/hs-token-vectors.npz`: a static vector for each word piece of the finder's model.

The "Model2Vec" idea (Minish Lab, 2024): each of the 30,522 word pieces of all-MiniLM-L6-v2's vocabulary is
passed through the model alone ([CLS] piece [SEP]) and the mean of its output states is kept as the piece's
vector, weighted by how rare the piece is: BERT's WordPiece vocabulary lists its pieces roughly by frequency,
Zipf's law gives the piece of rank r a probability p of about 1 / (r ln(1.78 N)), and the smooth inverse
frequency weight of Arora, Liang & Ma (ICLR 2017), a / (a + p), makes "of" and "with" count little. A text's
vector is then the mean of its word pieces' vectors, scaled to unit length (`semantic.Static`): no model pass
at search time.

Then, as Minish Lab's "Tokenlearn" does with a corpus, the vectors of the word pieces the tariff's texts use
are refitted so that a text's mean comes near the model's own embedding of it: the texts are each
subheading's document text (`semantic.document_text`, cut at 128 word pieces), its own and heading text, and
each national line, about 26,600 in all, embedded by the model (`embedding.py`, about 10 minutes on two
cores); a ridge regression (least squares, pulled towards the distilled vectors by RIDGE) moves each of the
some 8,000 word pieces they use. This is fitted on the nomenclature alone, never on descriptions of the
benchmark set. Stored as int8 with a scale per piece (the rounding moves a cosine by about 0.001).

    nice -n 15 python tools/derive_hs_token_vectors.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import scipy.sparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from clearway.reference import embedding, semantic  # noqa: E402
from clearway.reference.hs import national_words, nomenclature  # noqa: E402

OUT = ROOT / "src/clearway/reference/data/hs-token-vectors.npz"
SIF = 1e-4  # a in a / (a + p)
RIDGE = 0.01  # the pull of the refit towards the distilled vectors (added to the normal equations' diagonal)
FIT_TOKENS = 128


def raw_vectors(batch: int = 512) -> np.ndarray:
    """Each word piece's mean output state, alone between [CLS] and [SEP] (float32 rows in vocabulary order)."""
    model = embedding.model()
    size = model.tokenizer.get_vocab_size()
    cls, sep = model.tokenizer.token_to_id("[CLS]"), model.tokenizer.token_to_id("[SEP]")
    out = np.zeros((size, embedding.DIMENSIONS), dtype=np.float32)
    started = time.perf_counter()
    for k in range(0, size, batch):
        ids = list(range(k, min(size, k + batch)))
        out[ids] = model.pooled([[cls, i, sep] for i in ids])
        if k % (batch * 10) == 0:
            print(f"{k}/{size} pieces in {time.perf_counter() - started:.0f} s", flush=True)
    return out


def weights(size: int) -> np.ndarray:
    """Each piece's weight from its rank in the vocabulary: a / (a + p), p the Zipf probability of that rank."""
    rank = np.arange(1, size + 1, dtype=np.float64)
    p = 1 / (rank * np.log(1.78 * size))
    return SIF / (SIF + p)


def fit_texts() -> list[str]:
    """The texts the vectors are refitted on: each subheading's document text without its trade names, its own
    and heading text, and each distinct national line part, once each. Refitting on the trade names too
    (each name a text, 62,000 texts in all) made the meaning ranking worse on the tuning half of the benchmark
    (top-1 16.7% -> 10.8%, the fused ranking 49.2% -> 44.2%), so the shipped vectors are fitted without them."""
    n, national = nomenclature(), national_words()
    texts = [semantic.document_text(n.entries[c].description, n.entries[c[:4]].description, national.get(c, ()))
             for c in n.subheadings]
    for code in n.subheadings:
        texts.append(f"{n.entries[code].description}; {n.entries[code[:4]].description}.")
        texts.extend(semantic.parts(national.get(code, ())))
    return list(dict.fromkeys(texts))


def model_embeddings(texts: list[str], batch: int = 32) -> np.ndarray:
    """The model's embeddings of the texts (shortest first, so that a batch pads little)."""
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    out = np.zeros((len(texts), embedding.DIMENSIONS), dtype=np.float32)
    started = time.perf_counter()
    for k in range(0, len(order), batch):
        rows = order[k:k + batch]
        out[rows] = embedding.embed([texts[i] for i in rows], FIT_TOKENS)
        if k % (batch * 100) == 0:
            print(f"{k}/{len(texts)} texts in {time.perf_counter() - started:.0f} s", flush=True)
    return out


def refit(vectors: np.ndarray, texts: list[str], target: np.ndarray) -> np.ndarray:
    """The vectors with those of the pieces the texts use moved so that each text's mean of piece vectors comes
    near its target: min |A (c V + D) - Y|^2 + RIDGE |D|^2 over D, A the texts' piece shares (1 / length each),
    c the one scale that best fits the distilled vectors as they are."""
    pieces = semantic.static_tokenizer().encode_batch(texts, add_special_tokens=False)
    rows = [i for i, e in enumerate(pieces) for _ in e.ids]
    cols = [t for e in pieces for t in e.ids]
    shares = [1 / len(e.ids) for e in pieces for _ in e.ids]
    used = np.unique(cols)
    a = scipy.sparse.csr_matrix((shares, (rows, cols)), shape=(len(texts), len(vectors)))[:, used]
    v = vectors.astype(np.float64)
    mean = a @ v[used]
    scale = float((mean * target).sum() / (mean * mean).sum())
    v *= scale
    normal = (a.T @ a).toarray()
    normal[np.diag_indices_from(normal)] += RIDGE
    v[used] += np.linalg.solve(normal, a.T @ (target - a @ v[used]))
    print(f"refitted {len(used)} word pieces on {len(texts)} texts")
    return v.astype(np.float32)


def main() -> None:
    raw = raw_vectors()
    texts = fit_texts()
    vectors = refit(raw * weights(len(raw))[:, None], texts, model_embeddings(texts))
    scale = np.abs(vectors).max(axis=1) / 127
    scale[scale == 0] = 1
    codes = np.round(vectors / scale[:, None]).astype(np.int8)
    np.savez_compressed(OUT, vectors=codes, scale=scale.astype(np.float32), model=np.array(embedding.MODEL_ID))
    print(f"{OUT}: {vectors.shape[0]} word pieces x {vectors.shape[1]}")


if __name__ == "__main__":
    main()
