"""Turn-level coding: turn units, pseudo-turns, attribution to utterances, turn sentiment,
and the shipped coded interviews the turn models learn from and are calibrated on."""

import numpy as np
import pandas as pd
import pytest
import yaml

from jejak import turns
from jejak.examples import ExamplesError, load_coded_interviews
from jejak.resources import data_path

from .conftest import ROOT

THEMES = ["a", "b", "c"]


def utterance_frame(rows: list[tuple[str, int, int, str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["transcript_id", "turn_index", "utterance_index",
                                       "text_clean"]).assign(question="q")


def test_turn_groups_follow_turn_and_utterance_order():
    frame = utterance_frame([("R1", 3, 1, "kedua"), ("R1", 1, 0, "awal"), ("R1", 3, 0, "pertama"),
                             ("R0", 5, 0, "lain")])
    table, groups = turns.turn_groups(frame)
    assert table[["transcript_id", "turn_index"]].to_numpy().tolist() == [["R0", 5], ["R1", 1],
                                                                       ["R1", 3]]
    assert table["text_clean"].tolist() == ["lain", "awal", "pertama kedua"]
    assert [g.tolist() for g in groups] == [[3], [1], [2, 0]]


def test_mean_vectors_are_unit_length():
    vectors = np.array([[1.0, 0.0], [0.0, 1.0], [3.0, 4.0]], dtype=np.float32)
    means = turns.mean_vectors(vectors, [np.array([0, 1]), np.array([2])])
    assert np.allclose(np.linalg.norm(means, axis=1), 1.0)
    assert np.allclose(means[0], [2 ** -0.5, 2 ** -0.5])


def test_pseudo_turns_are_seeded_and_keep_one_stage():
    themes = [["a"], ["a"], ["b"], ["b"], [], [], ["c"], []]
    stages = ["usage", "usage", "usage", "usage", "usage", "usage", "registration",
              "registration"]
    first = turns.compose_pseudo_turns(themes, stages, 50, random_state=3)
    assert first == turns.compose_pseudo_turns(themes, stages, 50, random_state=3)
    assert first != turns.compose_pseudo_turns(themes, stages, 50, random_state=4)
    assert len(first) == 50
    for rows in first:
        assert len({stages[i] for i in rows}) == 1  # a turn stays within one stage
        assert 1 <= len({t for i in rows for t in themes[i]}) <= 2
    assert any(not themes[i] for rows in first for i in rows)  # narration is mixed in


def test_every_turn_theme_becomes_the_primary_theme_of_an_utterance():
    # Turn 0: three utterances, themes a and b; utterance 2 carries both, utterance 0 only a.
    # Turn 1: one utterance, two themes: the strongest is primary, both are listed.
    groups = [np.array([0, 1, 2]), np.array([3])]
    utterance_proba = np.array([[0.9, 0.1, 0.0], [0.1, 0.1, 0.1], [0.95, 0.8, 0.0],
                                [0.2, 0.6, 0.0]])
    cut = np.array([0.5, 0.5, 0.5])
    primary, every = turns.attribute_themes(4, groups, [[0, 1], [1, 0]], utterance_proba, cut)
    assert set(primary[:3]) - {-1} == {0, 1}
    assert primary[0] == 0  # the assignment that carries most: a→0, b→2
    assert primary[2] == 1
    assert primary[1] == -1  # no evidence of its own: narration stays unthemed
    assert primary[3] == 1
    assert every[3] == [1, 0]
    for row, themes in enumerate(every):
        assert not themes or themes[0] == primary[row]


def test_decide_turn_themes_keeps_the_strongest_above_their_cut():
    proba = np.array([[0.6, 0.9, 0.3], [0.1, 0.2, 0.1]])
    chosen = turns.decide_turn_themes(proba, np.array([0.5, 0.5, 0.2]), max_per_turn=2)
    assert chosen == [[1, 2], []]  # margins 1.2, 1.8, 1.5: b then c, a dropped by the cap


def test_spread_turn_sentiment_sets_the_turn_mean_and_stays_in_range():
    scores = np.array([0.9, -0.2, 0.1, 0.5])
    groups = [np.array([0, 1, 2]), np.array([3])]
    spread = turns.spread_turn_sentiment(scores, groups, np.array([-0.8, 0.0]))
    assert spread[:3].mean() == pytest.approx(-0.8)
    assert spread[3] == pytest.approx(0.0)
    assert np.all(np.abs(spread) <= 1.0)
    assert spread[0] > spread[2] > spread[1]  # the sentences keep their order


def test_calibration_falls_back_to_the_shared_cut_for_rare_themes():
    classifier = turns.TurnThemeClassifier(["a", "b"])
    rng = np.random.default_rng(0)
    labels = [["a"] if i < 30 else [] for i in range(100)]
    labels[99] = ["b"]
    proba = np.column_stack([np.r_[rng.uniform(0.4, 0.9, 30), rng.uniform(0, 0.3, 70)],
                             rng.uniform(0, 1, 100)])
    classifier.calibrate(labels, proba)
    assert classifier.thresholds_["b"] == classifier.shared_threshold_
    assert 0.3 <= classifier.thresholds_["a"] <= 0.45
    assert classifier.calibration_f1_["a"] > 0.9


def test_turn_sentiment_follows_the_three_class_decision():
    rng = np.random.default_rng(1)
    vectors = rng.normal(size=(90, 6)).astype(np.float32)
    sentiment = np.sign(vectors[:, 0]) * (np.abs(vectors[:, 0]) > 0.4) * 2
    material = turns.TurnMaterial([f"t{i}" for i in range(90)], vectors, np.zeros_like(vectors),
                                  [[] for _ in range(90)], sentiment, np.zeros((90, 6)),
                                  np.ones(90))
    themes = np.zeros((90, 2))
    model = turns.TurnSentimentModel().fit(material, themes)
    predicted = model.predict(vectors, np.zeros((90, 6)), themes)
    decided = model.classes_model_.predict(np.hstack([vectors, np.zeros((90, 6)), themes]))
    labels = np.where(predicted > 0.1, 1, np.where(predicted < -0.1, -1, 0))
    assert (labels == decided).all()
    assert np.corrcoef(predicted, sentiment)[0, 1] > 0.8


# --------------------------------------------------------------------------- shipped material


@pytest.fixture(scope="module")
def codebook_ids():
    config = yaml.safe_load((ROOT / "config" / "config.yaml").read_text(encoding="utf-8"))
    return ([t["id"] for t in config["codebook"]["themes"]],
            [s["id"] for s in config["codebook"]["stages"]])


def test_training_and_calibration_interviews_are_coded_and_kept_apart(codebook_ids):
    theme_ids, stage_ids = codebook_ids
    training = load_coded_interviews("package:mobile_jkn/interviews", theme_ids, stage_ids)
    calibration = load_coded_interviews("package:mobile_jkn/calibration", theme_ids, stage_ids)
    assert len(training.transcript_ids) >= 20
    assert len(calibration.transcript_ids) >= 10
    assert not set(training.transcript_ids) & set(calibration.transcript_ids)
    # Real segmentation of de-identified speech: sentences, no persona names left.
    assert len(training.utterances) > 5 * (training.coding["speaker"] == "informant").sum() / 2
    assert training.utterances["text"].str.contains(r"\[NAMA\]").any()
    for coded in (training, calibration):
        themed = coded.coding[coded.coding["themes"] != ""]
        assert set(themed["speaker"]) == {"informant"}
        spread = {t for row in themed["theme_list"] for t in row}
        assert spread == set(theme_ids)  # every seed theme is coded somewhere
    shared = set(training.utterances["text_clean"]) & set(calibration.utterances["text_clean"])
    assert not [t for t in shared if len(t.split()) >= 6]  # only short replies repeat


def test_a_broken_coding_file_is_named_with_its_line(tmp_path, codebook_ids):
    theme_ids, stage_ids = codebook_ids
    source = data_path("mobile_jkn/interviews")
    (tmp_path / "transcripts").mkdir()
    (tmp_path / "coding").mkdir()
    (tmp_path / "transcripts" / "T01.txt").write_bytes(
        (source / "transcripts" / "T01.txt").read_bytes())
    lines = (source / "coding" / "T01.csv").read_text(encoding="utf-8").splitlines()
    lines[5] = lines[5].rsplit(",", 3)[0] + ",usage,no_such_theme,1"
    (tmp_path / "coding" / "T01.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ExamplesError, match=r"T01\.csv, line 6: unknown stage or themes"):
        load_coded_interviews(str(tmp_path), theme_ids, stage_ids)
