"""Derive `src/clearway/reference/data/hs-vectors.npz`: each HS 2022 subheading's sentence embedding.

Each subheading's text (`semantic.document_text`: its own description, its heading's and its national lines',
from the nomenclature and `hs-national-words.csv.gz`) is embedded by the finder's model (`embedding.py`:
all-MiniLM-L6-v2, int8 ONNX) and stored as float16 rows beside the codes and a digest of what they were
computed from (model and texts), so the finder and its tests can tell a stale file. Takes some minutes on
two cores; run it again whenever the nomenclature, the national words or `document_text` change.

    python tools/derive_hs_vectors.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from clearway.reference import embedding, semantic  # noqa: E402
from clearway.reference.hs import document_texts  # noqa: E402

OUT = ROOT / "src/clearway/reference/data/hs-vectors.npz"


def main() -> None:
    texts = document_texts()
    codes = [c for c, _ in texts]
    # Shortest first, in small batches, so a batch pads little.
    order = sorted(range(len(texts)), key=lambda i: len(texts[i][1]))
    matrix = np.zeros((len(texts), embedding.DIMENSIONS), dtype=np.float32)
    started = time.perf_counter()
    for k in range(0, len(order), 16):
        batch = order[k:k + 16]
        matrix[batch] = embedding.embed([texts[i][1] for i in batch], embedding.DOCUMENT_TOKENS)
        if k % 1600 == 0:
            print(f"{k}/{len(order)} in {time.perf_counter() - started:.0f} s", flush=True)
    np.savez_compressed(OUT, codes=np.array(codes), vectors=matrix.astype(np.float16), digest=np.array(semantic.digest(texts)))
    print(f"{OUT}: {len(codes)} subheadings in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
