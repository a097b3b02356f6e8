"""The model the HS finder's word-piece vectors are distilled from (all-MiniLM-L6-v2, int8 ONNX), against
published figures.

Published figures: sentence-transformers' quick start (README of github.com/UKPLab/sentence-transformers and
sbert.net, "Quickstart") embeds three sentences with all-MiniLM-L6-v2 and prints their cosine similarities
0.6660, 0.1046 and 0.1411. The reference vector in data/minilm-reference.json is the float32 model's own
embedding of the first sentence, computed from the published weights by tools/minilm_reference_vector.py
(which reproduces those three similarities to four places)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from clearway.reference import embedding

REFERENCE = json.loads((Path(__file__).parent / "data" / "minilm-reference.json").read_text(encoding="utf-8"))
QUICK_START = ["The weather is lovely today.", "It's so sunny outside!", "He drove to the stadium."]


def test_the_model_gives_the_similarities_sentence_transformers_publishes():
    e = embedding.embed(QUICK_START)
    sims = e @ e.T
    # int8 weights move the published float32 figures by a few thousandths
    assert sims[0, 1] == pytest.approx(0.6660, abs=0.005)
    assert sims[0, 2] == pytest.approx(0.1046, abs=0.005)
    assert sims[1, 2] == pytest.approx(0.1411, abs=0.005)
    assert np.linalg.norm(e, axis=1) == pytest.approx([1.0, 1.0, 1.0], abs=1e-5)


def test_an_embedding_matches_the_float32_models_reference_vector():
    assert REFERENCE["sentence"] == QUICK_START[0]
    ours, ref = embedding.embed([QUICK_START[0]])[0], np.array(REFERENCE["vector"])
    assert ours.shape == (embedding.DIMENSIONS,)
    assert float(ours @ ref) > 0.999 and float(np.abs(ours - ref).max()) < 0.01


def test_a_long_text_is_cut_keeping_its_end_mark():
    long = "fruit " * 300  # one word piece each
    assert float(embedding.embed([long], 16)[0] @ embedding.embed(["fruit " * 14])[0]) == pytest.approx(1.0, abs=1e-4)


def test_a_text_embeds_alike_alone_and_in_a_batch_of_longer_ones():
    alone = embedding.embed(["fresh oranges"])[0]
    batched = embedding.embed(["Men's running shoes with rubber outer soles and textile mesh uppers", "fresh oranges"])[1]
    assert float(alone @ batched) == pytest.approx(1.0, abs=1e-4)


@pytest.mark.parametrize("code,said", [
    # the tools, which run the model, say what to install
    ("from clearway.reference import embedding\n"
     "try:\n    embedding.embed(['oranges'])\nexcept embedding.EmbeddingUnavailable as e:\n    print(e)\n",
     "deriving the HS finder's vectors needs its embedding model and runtime (onnxruntime is not installed)"),
    # a search runs no model: its static vectors need neither onnxruntime nor the model package
    ("from clearway.reference.hs import nomenclature\n"
     "print(nomenclature().search('hair removal epilator', 1)[0][0].code)\n", "851030"),
])
def test_without_onnxruntime_a_search_runs_and_the_tools_say_what_to_install(code, said):
    code = "import sys; sys.modules['onnxruntime'] = None\n" + code
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(said)
