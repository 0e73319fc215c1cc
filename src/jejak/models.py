"""Fit the study's models once per batch from its labelled material.

The layer above the domain modules. What a study ships with its codebook trains the models:
the example sentences (``themes.examples``) and the coded training interviews
(``themes.interviews``) train the turn and utterance theme models, the two stage scorers
(question and answer) and the sentiment models; the coded calibration interviews
(``themes.calibration``) only choose the turn models' thresholds, never train them. Fitting
depends on that material, the codebook and the model settings only, so a change of a
threshold in config re-fits nothing and re-embeds nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from jejak import turns
from jejak.embed import stack
from jejak.examples import (
    CodedInterviews,
    load_coded_interviews,
    load_examples,
    load_stage_questions,
)
from jejak.resources import resolve_path
from jejak.segment import normalise
from jejak.sentiment import SentimentModel, prototype_texts
from jejak.stages import StageScorer
from jejak.themes import ThemeClassifier

LOG = logging.getLogger("jejak")
PSEUDO_TURNS_PER_EXAMPLE = 1.0
EXAMPLE_SENTIMENT_WEIGHT = 0.3


@dataclass
class StudyModels:
    themes: ThemeClassifier
    turn_themes: turns.TurnThemeClassifier
    turn_sentiment: turns.TurnSentimentModel
    answer_stages: StageScorer
    question_stages: StageScorer
    sentiment: SentimentModel
    n_examples: int
    n_coded_turns: int


def _ids(config: dict) -> tuple[list[str], list[str]]:
    codebook = config["codebook"]
    return [t["id"] for t in codebook["themes"]], [s["id"] for s in codebook["stages"]]


@cache
def _coded(spec: str, theme_ids: tuple[str, ...], stage_ids: tuple[str, ...]
           ) -> CodedInterviews | None:
    return load_coded_interviews(spec, list(theme_ids), list(stage_ids)) if spec else None


def coded_interviews(config: dict, key: str) -> CodedInterviews | None:
    """The coded interviews ``themes.<key>`` names (``interviews`` or ``calibration``)."""
    theme_ids, stage_ids = _ids(config)
    return _coded(config["themes"].get(key) or "", tuple(theme_ids), tuple(stage_ids))


def material_files(config: dict) -> list[Path]:
    """Every file of the labelled material the models learn from or are calibrated on."""
    specs = [config["themes"]["examples"], config["stages"]["questions"],
             config["themes"].get("interviews") or "", config["themes"].get("calibration") or ""]
    files: set[Path] = set()
    for spec in filter(None, specs):
        path = resolve_path(spec)
        files |= {p for p in path.rglob("*") if p.is_file()} if path.is_dir() else {path}
    return sorted(files)


def interviewer_questions(coded: CodedInterviews) -> pd.DataFrame:
    """Every interviewer turn of coded interviews: ``question_clean`` with its coded stage."""
    asked = coded.turns[coded.turns["role"] == "interviewer"]
    merged = asked.merge(coded.coding, on=["transcript_id", "turn_index"], how="left")
    frame = pd.DataFrame({"question_clean": [normalise(t) for t in merged["text"]],
                          "stage": merged["stage"].fillna("none")})
    return frame[frame["question_clean"] != ""].reset_index(drop=True)


def example_texts(config: dict) -> list[str]:
    """Every text the models read: examples, their questions, prototypes, the guide's
    questions, and the utterances and questions of the coded interviews."""
    theme_ids, stage_ids = _ids(config)
    examples = load_examples(config["themes"]["examples"], theme_ids, stage_ids)
    protos = [t for texts in prototype_texts().values() for t in texts]
    guide = load_stage_questions(config["stages"]["questions"], stage_ids)
    texts = set(examples["text_clean"]) | set(examples["question_clean"]) | set(protos) \
        | set(guide["question_clean"])
    for key in ("interviews", "calibration"):
        coded = coded_interviews(config, key)
        if coded is not None:
            texts |= set(coded.utterances["text_clean"]) | set(coded.utterances["question"]) \
                | set(interviewer_questions(coded)["question_clean"])
    return sorted(texts - {""})


def _question_matrix(questions, vectors: dict[str, np.ndarray], dim: int) -> np.ndarray:
    return np.vstack([vectors[q] if q else np.zeros(dim, np.float32) for q in questions]) \
        if len(questions) else np.zeros((0, dim), np.float32)


def example_material(examples: pd.DataFrame, x: np.ndarray, q: np.ndarray,
                     evidence_scores: np.ndarray, random_state: int) -> turns.TurnMaterial:
    """The examples as one-sentence turns plus pseudo-turns composed from them."""
    theme_lists = examples["theme_list"].tolist()
    texts = examples["text_clean"].tolist()
    single = [np.array([i]) for i in range(len(examples))]
    composed = [np.array(rows) for rows in turns.compose_pseudo_turns(
        theme_lists, examples["stage"].tolist(),
        int(PSEUDO_TURNS_PER_EXAMPLE * len(examples)), random_state)]
    groups = single + composed
    sentiment = examples["sentiment"].to_numpy(dtype=float)
    labels, scores = [], []
    for group in groups:
        labels.append(list(dict.fromkeys(t for i in group for t in theme_lists[i])))
        themed = [i for i in group if theme_lists[i]] or list(group)
        scores.append(float(np.round(sentiment[themed].mean())))
    joined = [" ".join(texts[i] for i in g) for g in groups]
    return turns.TurnMaterial(
        joined, turns.mean_vectors(x, groups), np.vstack([q[g[0]] for g in groups]), labels,
        np.array(scores), turns.sentiment_evidence(evidence_scores, groups, joined),
        np.ones(len(groups)))


def interview_material(coded: CodedInterviews, vectors: dict[str, np.ndarray],
                       sentiment: SentimentModel, weight: float) -> turns.TurnMaterial:
    """The coded informant turns of interviews, with their coder's themes and sentiment."""
    utterances = coded.utterances
    table, groups = turns.turn_groups(utterances)
    x = stack(utterances["text_clean"].tolist(), vectors)
    coding = table.merge(coded.coding, on=["transcript_id", "turn_index"], how="left",
                         validate="1:1")
    own = sentiment.predict(utterances["text_clean"].tolist(), x)
    texts = table["text_clean"].tolist()
    return turns.TurnMaterial(
        texts, turns.mean_vectors(x, groups),
        _question_matrix(table["question"].tolist(), vectors, x.shape[1]),
        [v if isinstance(v, list) else [] for v in coding["theme_list"]],
        coding["sentiment"].fillna(0.0).to_numpy(dtype=float),
        turns.sentiment_evidence(own, groups, texts), np.full(len(table), weight))


def fit_stage_scorers(config: dict, examples: pd.DataFrame, coded: CodedInterviews | None,
                      vectors: dict[str, np.ndarray]) -> tuple[StageScorer, StageScorer]:
    """Answer and question scorers from the examples, the guide and the coded interviews."""
    stages, seed = config["codebook"]["stages"], config["themes"]["random_state"]
    _, stage_ids = _ids(config)
    answers = examples.loc[examples["stage"] != "", ["text_clean", "stage"]]
    asked = examples.loc[(examples["stage"] != "") & (examples["question_clean"] != ""),
                         ["question_clean", "stage"]]
    guide = load_stage_questions(config["stages"]["questions"], stage_ids)
    asked = pd.concat([asked, guide[["question_clean", "stage"]]], ignore_index=True)
    if coded is not None:
        spoken = coded.utterances.merge(coded.coding, on=["transcript_id", "turn_index"])
        answers = pd.concat([answers, spoken[["text_clean", "stage"]]], ignore_index=True)
        asked = pd.concat([asked, interviewer_questions(coded)], ignore_index=True)
    answer = StageScorer(stages, random_state=seed).fit(
        answers["text_clean"].tolist(), stack(answers["text_clean"].tolist(), vectors),
        answers["stage"].tolist())
    question = StageScorer(stages, random_state=seed).fit(
        asked["question_clean"].tolist(), stack(asked["question_clean"].tolist(), vectors),
        asked["stage"].tolist())
    return answer, question


def fit_models(config: dict, vectors: dict[str, np.ndarray]) -> StudyModels:
    settings = config["themes"]
    theme_ids, stage_ids = _ids(config)
    examples = load_examples(settings["examples"], theme_ids, stage_ids)
    texts = examples["text_clean"].tolist()
    x = stack(texts, vectors)
    q = _question_matrix(examples["question_clean"].tolist(), vectors, x.shape[1])
    themes = ThemeClassifier(theme_ids, settings["regularisation"], settings["random_state"],
                             settings["cv_folds"])
    themes.fit(texts, x, q, examples["theme_list"].tolist())
    protos = {p: stack(t, vectors) for p, t in prototype_texts().items() if t}
    sentiment = SentimentModel(config["sentiment"]["prototype_scale"],
                               config["sentiment"]["ridge_alpha"], settings["random_state"],
                               settings["cv_folds"]).fit(
        protos, x, examples["sentiment"].to_numpy(dtype=float), texts)
    coded = coded_interviews(config, "interviews")
    parts = [example_material(examples, x, q, sentiment.predict(texts, x),
                              settings["random_state"])]
    if coded is not None:
        parts.append(interview_material(coded, vectors, sentiment, settings["interview_weight"]))
    material = turns.TurnMaterial.concat(parts)
    turn_themes = turns.TurnThemeClassifier(theme_ids, settings["regularisation"],
                                            settings["random_state"]).fit(material)
    # Example sentences are not turns: for a turn's overall feeling the coded turns count most.
    weights = material.weights.copy()
    weights[:len(parts[0].texts)] *= EXAMPLE_SENTIMENT_WEIGHT
    turn_sentiment = turns.TurnSentimentModel(
        neutral_band=config["sentiment"]["neutral_band"],
        random_state=settings["random_state"]).fit(
        replace(material, weights=weights),
        turn_themes.predict_proba(material.texts, material.vectors, material.question_vectors))
    calibrate(turn_themes, config, vectors, sentiment, material)
    LOG.info("turn theme thresholds: %s", turn_themes.thresholds_)
    answer, question = fit_stage_scorers(config, examples, coded, vectors)
    n_coded = 0 if coded is None else int((coded.coding["speaker"] == "informant").sum())
    return StudyModels(themes, turn_themes, turn_sentiment, answer, question, sentiment,
                       len(examples), n_coded)


def calibrate(classifier: turns.TurnThemeClassifier, config: dict,
              vectors: dict[str, np.ndarray], sentiment: SentimentModel,
              material: turns.TurnMaterial) -> None:
    """Thresholds from the calibration interviews; without them, from the training turns
    themselves (in-sample, so optimistic: a study should code a few interviews apart)."""
    held = coded_interviews(config, "calibration")
    if held is None:
        LOG.warning("no calibration interviews (themes.calibration): turn thresholds are "
                    "chosen on the training turns and will miss more on new interviews")
        probabilities = classifier.predict_proba(material.texts, material.vectors,
                                                 material.question_vectors)
        classifier.calibrate(material.themes, probabilities)
        return
    apart = interview_material(held, vectors, sentiment, 1.0)
    classifier.calibrate(apart.themes, classifier.predict_proba(
        apart.texts, apart.vectors, apart.question_vectors))
