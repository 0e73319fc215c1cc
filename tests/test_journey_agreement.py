"""Journey map pieces and agreement figures on small real frames; the demo gold's curve."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from jejak.agreement import agreement_figures, read_gold, review_figures, turns_from_utterances
from jejak.journey import (
    ITEM_COLUMNS,
    bootstrap_interval,
    gazetteer_hits,
    journey_by_informant,
    journey_records,
    render_item,
    render_journey_map,
)
from jejak.tables import read_tsv, write_tsv

from .conftest import ROOT

THEMES = ["otp_verification", "ease_of_access"]
STAGES = ["awareness", "research", "registration", "usage", "post_usage"]


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
               for r in agreement_figures(utterances(), gold, THEMES, STAGES)}
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
    hits = gazetteer_hits(utterances(), entries, 5)
    assert [(h["kind"], h["item_id"], h["label"], h["n_informants"], h["n_mentions"],
             h["quote_ids"]) for h in hits] == [("gazetteer", "loket", "Loket", 1, 1, ""),
                                                ("gazetteer", "pipp", "PIPP", 1, 1, "")]
    assert " | ".join(render_item(h) for h in hits) == "Loket (1/1) | PIPP (1/1)"


def coded_utterances() -> pd.DataFrame:
    return utterances().assign(
        theme_ids=["otp_verification", "", "ease_of_access", "", ""],
        theme_score=[0.9, 0.1, 0.8, 0.1, 0.1],
        text=["OTP tidak masuk, sudah dua kali minta.", "Saya ke loket.",
              "Pakai aplikasinya mudah sekali, tinggal klik langsung dapat.", "Daftar di HP.",
              "Petugas PIPP membantu."])


def journey_setup() -> tuple[dict, dict, dict]:
    codebook = {"stages": [{"id": "registration", "label": "Pendaftaran"},
                           {"id": "usage", "label": "Penggunaan"}],
                "themes": [{"id": "otp_verification", "label": "OTP", "polarity": "pain"},
                           {"id": "ease_of_access", "label": "Mudah", "polarity": "gain"}]}
    gazetteers = {"touchpoints": [{"id": "loket", "label": "Loket", "patterns": [r"\bloket\b"]},
                                  {"id": "pipp", "label": "PIPP", "patterns": [r"\bpipp\b"]}],
                  "channels": []}
    settings = {"bootstrap_samples": 200, "random_state": 7, "n_items": 5, "n_quotes": 3}
    return codebook, gazetteers, settings


def test_journey_items_are_records():
    stages, items = journey_records(coded_utterances(), *journey_setup())
    assert list(items.columns) == ITEM_COLUMNS
    assert stages["stage"].tolist() == ["registration", "usage"]
    assert set(items["kind"]) <= {"theme", "phrase", "gazetteer", "quote"}
    pains = items[(items["stage"] == "registration") & (items["row"] == "pain_points")]
    columns = ["rank", "kind", "item_id", "label", "n_informants", "n_mentions", "quote_ids"]
    assert pains[columns].to_numpy().tolist() == [[0, "theme", "otp_verification", "OTP", 1, 1,
                                                   "A:1"]]
    touch = items[(items["stage"] == "usage") & (items["row"] == "touchpoints")]
    assert touch["item_id"].tolist() == ["loket", "pipp"]
    assert touch["rank"].tolist() == [0, 1]
    quotes = items[(items["stage"] == "usage") & (items["row"] == "quotes")]
    assert quotes[["kind", "item_id", "quote_ids"]].to_numpy().tolist() == [["quote", "", "A:3"]]
    assert quotes["label"].iloc[0].startswith("Pakai aplikasinya")


def test_journey_map_is_rendered_from_the_records(tmp_path):
    stages, items = journey_records(coded_utterances(), *journey_setup())
    rendered = render_journey_map(stages, items).set_index("stage")
    assert rendered.loc["registration", "pain_points"] == "OTP (1 informants; A:1)"
    assert rendered.loc["usage", "touchpoints"] == "Loket (1/1) | PIPP (1/1)"
    assert rendered.loc["usage", "highlights"] == "Mudah (1 informants; A:3)"
    assert rendered.loc["usage", "quotes"].startswith('A:3 "Pakai aplikasinya')
    assert rendered.loc["registration", "channels"] == ""
    # Read back from its file (all text), the records render the same map.
    write_tsv(items, tmp_path / "items.tsv")
    again = render_journey_map(stages, read_tsv(tmp_path / "items.tsv")).set_index("stage")
    assert again.equals(rendered)


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
