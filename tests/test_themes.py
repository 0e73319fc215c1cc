"""Themes: gating, the per-turn cap, class-based TF-IDF, deterministic emergent clusters,
exemplars from different informants."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from jejak.themes import (
    ThemeClassifier,
    assign_seed_themes,
    class_tfidf_keywords,
    decide_thresholds,
    exemplars,
    find_emergent,
)


def frame(rows):
    return pd.DataFrame(rows, columns=["transcript_id", "turn_index", "utterance_index", "text",
                                       "text_clean", "sentiment", "stage"])


def classifier(thresholds):
    """Thresholds as the themes step passes them (theme id → probability)."""
    return dict(thresholds)


def test_pain_needs_negative_and_gain_positive_sentiment():
    utterances = frame([
        ("A", 1, 0, "x", "otp masuk cepat sekali langsung bisa", 0.7, "registration"),
        ("A", 3, 0, "x", "otp tidak masuk masuk sampai kesal", -0.7, "registration"),
    ])
    probabilities = np.array([[0.9, 0.6], [0.9, 0.6]])
    model = classifier({"otp_verification": 0.5, "ease_of_access": 0.5})
    coded = assign_seed_themes(utterances, probabilities, model,
                               {"otp_verification": "pain", "ease_of_access": "gain"})
    assert coded["theme_id"].tolist() == ["ease_of_access", "otp_verification"]
    assert coded["theme_ids"].tolist() == ["ease_of_access", "otp_verification"]


def test_short_answers_and_per_turn_cap():
    utterances = frame([
        ("A", 1, 0, "Iya.", "iya.", 0.0, "usage"),
        ("A", 3, 0, "x", "kuota penuh terus dokter tidak ada jadwal", -0.5, "usage"),
        ("A", 3, 1, "x", "antre lama sekali di loket pendaftaran", -0.5, "usage"),
        ("A", 3, 2, "x", "sudah tidak ada sisa kuota poli", -0.5, "usage"),
    ])
    probabilities = np.array([[0.9, 0.9, 0.9], [0.9, 0.2, 0.6], [0.6, 0.95, 0.1],
                              [0.55, 0.1, 0.7]])
    model = classifier({"queue_booking": 0.5, "connection_error": 0.5, "checkin_error": 0.5})
    polarity = {"queue_booking": "mixed", "connection_error": "pain", "checkin_error": "pain"}
    coded = assign_seed_themes(utterances, probabilities, model, polarity, max_per_turn=2)
    assert coded.loc[0, "theme_id"] == "none"
    assert set(coded["theme_id"][1:]) <= {"queue_booking", "connection_error"}
    assert "checkin_error" not in ";".join(coded["theme_ids"])


def fitted_classifier() -> ThemeClassifier:
    rng = np.random.default_rng(3)
    texts = [f"kode otp tidak masuk masuk hari ke {i}" for i in range(20)] + \
        [f"antrean poli penuh kuota habis jam {i}" for i in range(20)]
    vectors = rng.normal(size=(40, 8)).astype(np.float32)
    labels = [["a"]] * 20 + [["b"]] * 20
    return ThemeClassifier(["a", "b"], cv_folds=2, random_state=1).fit(
        texts, vectors, np.zeros_like(vectors), labels)


def test_thresholds_are_decided_in_one_place_and_recorded():
    model = fitted_classifier()
    cv = dict(model.thresholds_)

    def decide(settings):
        return decide_thresholds(model.theme_ids, model.thresholds_, model.cv_f1_, settings)

    auto = decide({"threshold": "auto", "threshold_overrides": {"b": 0.7}})
    assert dict(zip(auto["theme_id"], auto["threshold"], strict=True)) == {"a": cv["a"], "b": 0.7}
    assert auto["source"].tolist() == ["calibrated", "threshold_overrides"]
    fixed = decide({"threshold": 0.5, "threshold_overrides": {}})
    assert fixed["threshold"].tolist() == [0.5, 0.5]
    assert model.thresholds_ == cv  # the fitted model is never changed
    with pytest.raises(ValueError, match="unknown themes"):
        decide({"threshold": "auto", "threshold_overrides": {"zzz": 0.5}})


def test_class_tfidf_names_clusters_by_their_own_words():
    keywords = class_tfidf_keywords({
        "x": ["parkir motor mahal sekali", "parkiran penuh motor"],
        "y": ["apotek obat habis", "obat kosong di apotek"],
    }, 2)
    assert set(keywords["x"]) == {"motor", "parkir"} or "motor" in keywords["x"]
    assert "obat" in keywords["y"]
    assert "apotek" in keywords["y"]


def test_emergent_clusters_are_deterministic_and_filtered():
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(2, 16))
    vectors = np.vstack([c + 0.05 * rng.normal(size=(6, 16)) for c in centres])
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    rows = [(f"T{i % 3}", i, 0, f"kalimat {i}", f"parkir motor mahal antre {i}", 0.0, "usage")
            for i in range(12)]
    utterances = frame(rows)
    utterances["theme_id"] = "none"
    settings = {"min_size": 4, "min_informants": 2, "max_clusters": 4}
    first = find_emergent(utterances, vectors, settings, random_state=3)
    second = find_emergent(utterances, vectors, settings, random_state=3)
    assert first["theme_id"].tolist() == second["theme_id"].tolist()
    assert set(first["theme_id"]) == {"emergent_01", "emergent_02"}
    strict = find_emergent(utterances, vectors, {**settings, "min_informants": 4}, 3)
    assert set(strict["theme_id"]) == {"none"}


def test_exemplars_prefer_different_informants():
    utterances = frame([("A", 1, 0, "satu", "", 0, "usage"), ("A", 3, 0, "dua", "", 0, "usage"),
                        ("B", 1, 0, "tiga", "", 0, "usage")])
    vectors = np.array([[1.0, 0.0], [0.99, 0.1], [0.8, 0.6]])
    # nearest the centre first, then the best of another informant before a second from A
    assert exemplars(utterances, vectors, 2) == 'A:3 "dua" | B:1 "tiga"'
