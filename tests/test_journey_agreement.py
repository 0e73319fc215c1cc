"""Journey map pieces and agreement figures on small real frames; the demo gold's curve."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from jejak.agreement import agreement_figures, read_gold, review_figures, turns_from_utterances
from jejak.journey import bootstrap_interval, gazetteer_hits, journey_by_informant

from .conftest import ROOT

THEMES = ["otp_verification", "ease_of_access"]


def utterances():
    return pd.DataFrame({
        "transcript_id": ["A", "A", "A", "B", "B"], "turn_index": [1, 1, 3, 1, 3],
        "utterance_index": [0, 1, 0, 0, 0],
        "stage": ["registration", "usage", "usage", "registration", "usage"],
        "theme_id": ["otp_verification", "none", "ease_of_access", "none", "none"],
        "sentiment": [-0.6, -0.2, 0.5, 0.0, -0.4],
        "text_clean": ["otp tidak masuk", "saya ke loket", "mudah sekali", "daftar di hp",
                       "petugas pipp membantu"],
    })


def test_turns_take_majority_stage_with_ties_to_the_first():
    turns = turns_from_utterances(utterances())
    first = turns.iloc[0]
    assert first["pred_stage"] == "registration"  # tie: the first stage wins
    assert first["pred_themes"] == ["otp_verification"]
    assert first["pred_sentiment"] == pytest.approx(-0.4)


def test_perfect_agreement_scores_one():
    gold = pd.DataFrame({
        "transcript_id": ["A", "A", "B", "B"], "turn_index": [1, 3, 1, 3],
        "speaker": ["informant"] * 4, "stage": ["registration", "usage", "registration", "usage"],
        "themes": ["otp_verification", "ease_of_access", "", ""],
        "sentiment": ["-1", "1", "0", "-1"],
    })
    figures = {(r["metric"], r["scope"]): r["value"]
               for r in agreement_figures(utterances(), gold, THEMES)}
    assert figures[("coverage", "all")] == 1.0
    assert figures[("stage_accuracy", "all")] == 1.0
    assert figures[("theme_micro_f1", "all")] == 1.0
    assert figures[("theme_kappa", "otp_verification")] == 1.0
    assert figures[("sentiment_spearman", "all")] > 0.9


def test_reviews_figures_from_star_scores():
    frame = pd.DataFrame({"transcript_id": list("abcd"), "meta_score": ["1", "5", "2", "4"],
                          "sentiment": [-0.5, 0.6, -0.1, 0.2]})
    figures = {r["metric"]: r["value"] for r in review_figures(frame)}
    assert figures == {"reviews_macro_f1": 1.0, "reviews_auc": 1.0}


def test_bootstrap_resamples_informants_and_is_seeded():
    values = np.array([1.0, 1.0, 1.0, 1.0, -1.0])
    groups = np.array(["A", "A", "A", "A", "B"])
    first = bootstrap_interval(values, groups, 500, 7)
    assert first == bootstrap_interval(values, groups, 500, 7)
    assert first[0] == pytest.approx(-1.0)
    assert first[1] == pytest.approx(1.0)


def test_gazetteer_counts_informants_and_mentions():
    entries = [{"id": "loket", "label": "Loket", "patterns": [r"\bloket\b"]},
               {"id": "pipp", "label": "PIPP", "patterns": [r"\bpipp\b"]}]
    assert gazetteer_hits(utterances(), entries, 5) == "Loket (1/1) | PIPP (1/1)"


def test_journey_by_informant_is_wide():
    table = journey_by_informant(utterances(), ["registration", "usage"],
                                 {"A": {"age_band": "25–34"}})
    assert table.loc[0, "usage"] == pytest.approx(0.15)
    assert table.loc[0, "age_band"] == "25–34"
    assert table.loc[1, "age_band"] == ""


def test_demo_gold_has_the_seed_study_shape():
    """The demo batch's own coding, not the pipeline: high at awareness, positive at research,
    near neutral at registration, lowest at usage, recovering at post-usage."""
    ids = sorted(p.stem for p in (ROOT / "gold").glob("*.csv"))
    gold = read_gold(ROOT / "gold", ids)
    informant = gold[(gold["speaker"] == "informant") & (gold["stage"] != "none")].copy()
    informant["sentiment"] = informant["sentiment"].astype(float)
    curve = informant.groupby("stage")["sentiment"].mean() / 2
    assert curve["awareness"] == curve.max()
    assert curve["usage"] == curve.min()
    assert curve["research"] > 0
    assert curve["post_usage"] > curve["registration"] > curve["usage"]
    assert abs(curve["registration"]) < 0.25
