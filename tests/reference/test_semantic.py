"""The HS finder's meaning ranking: the shipped word-piece vectors against the model they are distilled from,
a text's vector, the fusion of the word and meaning rankings, and searches a word match alone gets wrong."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from clearway.reference import embedding, semantic
from clearway.reference.hs import document_texts, national_words, nomenclature


def test_a_word_piece_the_tariff_never_uses_is_the_models_own_output_for_it_weighted_by_rarity():
    # "her" and the "##watch" of "smartwatch" are in no tariff text, so the refit (tools/derive_hs_token_vectors.py)
    # left them as distilled: the model's mean output for [CLS] piece [SEP], times the piece's weight a / (a + p),
    # p = 1 / (r ln(1.78 N)) for the piece of rank r (its place in the vocabulary), times one scale for all.
    static, model = semantic.static(), embedding.model()
    ids = [static.tokenizer.token_to_id(t) for t in ("her", "##watch")]
    cls, sep = static.tokenizer.token_to_id("[CLS]"), static.tokenizer.token_to_id("[SEP]")
    pooled, ours = model.pooled([[cls, i, sep] for i in ids]), static.vectors[ids]
    cosines = np.sum(pooled * ours, axis=1) / np.linalg.norm(pooled, axis=1) / np.linalg.norm(ours, axis=1)
    assert cosines == pytest.approx([1.0, 1.0], abs=1e-3)
    weight = [1e-4 / (1e-4 + 1 / ((i + 1) * np.log(1.78 * 30522))) for i in ids]
    shrunk = np.linalg.norm(ours, axis=1) / np.linalg.norm(pooled, axis=1)
    assert weight[0] < 0.7 < 0.9 < weight[1]  # "her" is frequent, "##watch" rare
    assert shrunk[0] / shrunk[1] == pytest.approx(weight[0] / weight[1], rel=0.01)


def test_a_texts_vector_is_the_mean_of_its_word_pieces_vectors_at_unit_length():
    static = semantic.static()
    ids = [static.tokenizer.token_to_id(t) for t in ("fresh", "orange", "##s")]
    assert static.tokenizer.encode("Fresh oranges", add_special_tokens=False).ids == ids
    mean = static.vectors[ids].mean(axis=0)
    assert static.embed(["Fresh oranges"])[0] == pytest.approx(mean / np.linalg.norm(mean), abs=1e-6)
    assert static.embed([""])[0].tolist() == [0.0] * static.vectors.shape[1]
    # many texts are tokenized a batch at a time; each row is still its own text's vector
    texts = [f"text {k} of {semantic.EMBED_BATCH * 2 + 3}: fresh oranges" if k % 7 else "" for k in range(semantic.EMBED_BATCH * 2 + 3)]
    many = static.embed(texts)
    assert many.shape == (len(texts), static.vectors.shape[1])
    assert np.array_equal(many[[0, 1, semantic.EMBED_BATCH, len(texts) - 1]],
                          np.vstack([static.embed([texts[k]]) for k in (0, 1, semantic.EMBED_BATCH, len(texts) - 1)]))


def test_a_subheadings_vector_comes_near_the_models_embedding_of_its_text():
    # The refit moves the tariff's word pieces so that a text's mean comes near the model's own embedding.
    codes, matrix = nomenclature().meaning
    assert list(codes) == nomenclature().subheadings and matrix.shape == (5612, embedding.DIMENSIONS)
    # The refit's texts leave the trade names out (tools/derive_hs_token_vectors.py, fit_texts).
    n, national = nomenclature(), national_words()
    picked = ["080510", "851030", "940161"]
    texts = [semantic.document_text(n.entries[c].description, n.entries[c[:4]].description, national[c]) for c in picked]
    model = embedding.embed(texts, 128)
    assert np.sum(model * semantic.static().embed(texts), axis=1) == pytest.approx([1, 1, 1], abs=0.15)
    # A subheading's row is its whole document text, trade names included, embedded the same way.
    texts = dict(document_texts())
    assert np.allclose(matrix[[codes.index(c) for c in picked]], semantic.static().embed([texts[c] for c in picked]))
    assert "orange" in texts["080510"].lower() and "navel" in texts["080510"].lower()


def test_a_subheadings_text_holds_its_heading_and_national_lines_once():
    text = semantic.document_text("Oranges", "Citrus fruit, fresh or dried", ["Oranges: / Temple oranges", "Oranges: / Other"])
    assert text == "Oranges; Citrus fruit, fresh or dried. Oranges:; Temple oranges"
    assert semantic.document_text("Oranges", "Citrus fruit", []) == "Oranges; Citrus fruit."


def test_the_fused_score_is_the_cosine_plus_the_weighted_share_of_the_best_word_score():
    sims = {"A": 0.2, "B": 0.5, "C": 0.5, "D": 0.1}
    words = [("A", 8.0), ("C", 4.0)]  # BM25F scores
    meaning = [("B", 0.5), ("C", 0.5)]
    fused = semantic.fuse(words, meaning, sims, 5)
    w = semantic.WORDS
    assert w == 0.7
    assert [c for c, _ in fused] == ["A", "C", "B"]  # 0.2 + 0.7 > 0.5 + 0.35 > 0.5; "D" is in neither ranking
    assert dict(fused) == pytest.approx({"A": 0.2 + w, "B": 0.5, "C": 0.5 + w / 2})
    assert semantic.fuse([], [], sims, 5) == []


def test_meaning_finds_goods_whose_words_the_tariff_does_not_use():
    # No tariff text says "epilator"; 8510.30 is "Shavers, hair clippers and hair-removing appliances; hair-removing
    # appliances, with self-contained electric motor"
    assert nomenclature().search("hair removal epilator", 1)[0][0].code == "851030"


def test_a_ruling_of_the_tuning_half_is_second_behind_game_controllers():
    # CBP NY N361425 (rulings.cbp.gov, public domain): HTSUS 8526.92.5000, radio remote control apparatus. A known
    # miss: the trade names of 9504.50 ("wireless game controller") draw the words to video game controllers, and
    # the meaning does not pull it back. Before the trade names the words put it under 8468.10 (hand-held blow
    # pipes) and the meaning set it right.
    words = ("Hand-held wireless radio remote controller with buttons, trigger and joystick for a virtual reality "
             "headset")
    assert int(hashlib.sha1(words.encode()).hexdigest(), 16) % 2 == 0  # the benchmark's tuning half
    assert [c for c, _ in nomenclature().ranked_by_words(words, None, 2)] == ["950450", "852692"]
    assert [e.code for e, _ in nomenclature().search(words, 2)] == ["950450", "852692"]


def test_gibberish_is_near_nothing_and_finds_nothing():
    assert semantic.nearest(nomenclature().similarities("zzzzqqq"), 5) == []
    assert nomenclature().search("zzzzqqq", 5) == []

