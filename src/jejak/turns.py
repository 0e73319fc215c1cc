"""Code whole turns as a coder reads them, then point each theme at the sentences that carry it.

A coder codes a turn: "Inya ajari, Nak, sekali" is help from the family only because the turn
is about the son who installed the app. So a turn's themes and sentiment are decided from the
whole turn (the mean of its utterance vectors, the question before it, the turn's n-grams and
the utterance-level evidence), and each theme is then attributed to the utterance that carries
it most, so quotes, exemplars and the QDA export still point at sentences.

The turn models learn from three kinds of turns: the codebook's example sentences as one-line
turns, pseudo-turns composed from them (sentences of one or two themes joined with narration
around them, as people talk), and the turns of coded training interviews.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment
from sklearn.linear_model import LogisticRegression, Ridge

from jejak.facts import TURN_KEY
from jejak.sentiment import SentimentModel, in_turn_context, label, lexicon_score
from jejak.themes import ThemeFeatures, char_ngrams, word_ngrams

THRESHOLD_GRID = np.round(np.arange(0.10, 0.81, 0.025), 3)
MIN_CALIBRATION_POSITIVES = 6  # fewer coded turns than this: the theme takes the shared cut


# --------------------------------------------------------------------------- turn units


def turn_groups(utterances: pd.DataFrame) -> tuple[pd.DataFrame, list[np.ndarray]]:
    """One row per turn (``transcript_id``, ``turn_index``, the joined ``text_clean``, the
    ``question``) and the row positions of its utterances, in utterance order."""
    frame = utterances.reset_index(drop=True)
    order = frame.sort_values([*TURN_KEY, "utterance_index"], kind="stable").index.to_numpy()
    keys = frame.loc[order, TURN_KEY]
    new_turn = np.ones(len(order), dtype=bool)
    if len(order) > 1:
        same = (keys["transcript_id"].to_numpy()[1:] == keys["transcript_id"].to_numpy()[:-1]) \
            & (keys["turn_index"].to_numpy()[1:] == keys["turn_index"].to_numpy()[:-1])
        new_turn[1:] = ~same
    starts = np.flatnonzero(new_turn)
    groups = np.split(order, starts[1:]) if len(order) else []
    texts = frame["text_clean"].astype(str).to_numpy()
    questions = frame["question"].astype(str).to_numpy() if "question" in frame else None
    table = pd.DataFrame({
        "transcript_id": frame["transcript_id"].to_numpy()[order[starts]] if len(order) else [],
        "turn_index": frame["turn_index"].to_numpy()[order[starts]] if len(order) else [],
        "text_clean": [" ".join(texts[g]) for g in groups],
        "question": [questions[g[0]] if questions is not None else "" for g in groups],
    })
    return table, groups


def mean_vectors(vectors: np.ndarray, groups: list[np.ndarray]) -> np.ndarray:
    """The normalised mean of each group's rows: a turn's place in the embedding space."""
    if not groups:
        return np.zeros((0, vectors.shape[1]), np.float32)
    means = np.vstack([vectors[g].mean(axis=0) for g in groups])
    norms = np.linalg.norm(means, axis=1, keepdims=True)
    return (means / np.maximum(norms, 1e-12)).astype(np.float32)


def compose_pseudo_turns(theme_lists: list[list[str]], stages: list[str], n_turns: int,
                         random_state: int) -> list[list[int]]:
    """Example rows joined into turns: one or two themes of one stage, one or two sentences
    each, with up to two narration sentences of that stage around them, in a seeded order."""
    rng = np.random.default_rng(random_state)
    themed: dict[tuple[str, str], list[int]] = {}
    narration: dict[str, list[int]] = {}
    for row, (themes, stage) in enumerate(zip(theme_lists, stages, strict=True)):
        if not themes:
            narration.setdefault(stage, []).append(row)
        elif len(themes) == 1:
            themed.setdefault((stage, themes[0]), []).append(row)
    by_stage: dict[str, list[str]] = {}
    for stage, theme in sorted(themed):
        by_stage.setdefault(stage, []).append(theme)
    stage_ids = sorted(by_stage)
    turns = []
    for _ in range(n_turns if stage_ids else 0):
        stage = stage_ids[rng.integers(len(stage_ids))]
        choices = by_stage[stage]
        picked = rng.choice(len(choices), size=min(len(choices), rng.integers(1, 3)),
                            replace=False)
        rows = []
        for j in sorted(picked):
            pool = themed[(stage, choices[j])]
            rows += [pool[k] for k in rng.choice(len(pool), size=min(len(pool),
                                                                     rng.integers(1, 3)),
                                                 replace=False)]
        pool = narration.get(stage, []) or narration.get("", [])
        if pool:
            rows += [pool[k] for k in rng.choice(len(pool), size=min(len(pool),
                                                                     rng.integers(0, 3)),
                                                 replace=False)]
        turns.append([rows[k] for k in rng.permutation(len(rows))])
    return turns


@dataclass
class TurnMaterial:
    """Turns to learn from: texts, turn and question vectors, theme sets, the coder's
    sentiment (-2..2), the utterance-level sentiment evidence, and a weight per turn."""

    texts: list[str]
    vectors: np.ndarray
    question_vectors: np.ndarray
    themes: list[list[str]]
    sentiment: np.ndarray
    evidence: np.ndarray
    weights: np.ndarray

    @staticmethod
    def concat(parts: list[TurnMaterial]) -> TurnMaterial:
        return TurnMaterial(
            [t for p in parts for t in p.texts], np.vstack([p.vectors for p in parts]),
            np.vstack([p.question_vectors for p in parts]), [t for p in parts for t in p.themes],
            np.concatenate([p.sentiment for p in parts]),
            np.vstack([p.evidence for p in parts]), np.concatenate([p.weights for p in parts]))


def sentiment_evidence(utterance_scores: np.ndarray, groups: list[np.ndarray],
                       texts: list[str]) -> np.ndarray:
    """Per turn: mean, min, max, last utterance score, the lexicon score of the whole turn and
    the turn's length in sentences (log)."""
    rows = []
    for group, text in zip(groups, texts, strict=True):
        scores = utterance_scores[group]
        rows.append([scores.mean(), scores.min(), scores.max(), scores[-1],
                     lexicon_score(text).score, np.log1p(len(group))])
    return np.array(rows, dtype=float).reshape(len(groups), 6)


# --------------------------------------------------------------------------- themes


def turn_features() -> ThemeFeatures:
    """The theme features over whole turns: more n-grams, since turns are longer."""
    return ThemeFeatures(word_ngrams(30000), char_ngrams(40000))


@dataclass
class TurnThemeClassifier:
    """One logistic regression per theme over whole turns.

    ``fit`` sets ``features_`` and ``models_``; ``calibrate`` sets ``thresholds_`` and
    ``calibration_f1_`` from turns it never trained on; nothing changes them after.
    """

    theme_ids: list[str]
    regularisation: float = 2.0
    random_state: int = 13

    def fit(self, material: TurnMaterial) -> TurnThemeClassifier:
        self.features_ = turn_features().fit(material.texts)
        matrix = self.features_.transform(material.texts, material.vectors,
                                          material.question_vectors)
        self.models_ = {}
        for theme in self.theme_ids:
            y = np.array([theme in row for row in material.themes], dtype=int)
            if y.sum() < 2:
                raise ValueError(f"theme '{theme}' has {y.sum()} labelled turns or examples; "
                                 "write at least a few dozen examples or code some turns.")
            self.models_[theme] = LogisticRegression(
                C=self.regularisation, max_iter=3000, solver="liblinear",
                random_state=self.random_state).fit(matrix, y, sample_weight=material.weights)
        return self

    def predict_proba(self, texts: list[str], vectors: np.ndarray,
                      question_vectors: np.ndarray) -> np.ndarray:
        if not texts:
            return np.zeros((0, len(self.theme_ids)))
        matrix = self.features_.transform(texts, vectors, question_vectors)
        return np.column_stack([self.models_[t].predict_proba(matrix)[:, 1]
                                for t in self.theme_ids])

    def calibrate(self, labels: list[list[str]], probabilities: np.ndarray
                  ) -> TurnThemeClassifier:
        """Thresholds from held-apart coded turns: the F1-best cut per theme, or the cut
        best for all themes together where a theme has too few coded turns to choose one."""
        targets = np.array([[t in row for t in self.theme_ids] for row in labels], dtype=bool)
        targets = targets.reshape(len(labels), len(self.theme_ids))
        shared = float(THRESHOLD_GRID[int(np.argmax(
            [micro_f1(targets, probabilities >= t) for t in THRESHOLD_GRID]))])
        self.shared_threshold_ = shared
        self.thresholds_, self.calibration_f1_ = {}, {}
        for j, theme in enumerate(self.theme_ids):
            y, p = targets[:, j], probabilities[:, j]
            if y.sum() >= MIN_CALIBRATION_POSITIVES:
                scores = [micro_f1(y[:, None], (p >= t)[:, None]) for t in THRESHOLD_GRID]
                cut = float(THRESHOLD_GRID[int(np.argmax(scores))])
                # Halfway to the shared cut: a dozen coded turns choose a cut noisily.
                cut = round((cut + shared) / 2, 4)
            else:
                cut = shared
            self.thresholds_[theme] = cut
            self.calibration_f1_[theme] = micro_f1(y[:, None], (p >= cut)[:, None])
        return self


def micro_f1(truth: np.ndarray, predicted: np.ndarray) -> float:
    tp = float((truth & predicted).sum())
    denominator = float(truth.sum() + predicted.sum())
    return 2 * tp / denominator if denominator else 0.0


def decide_turn_themes(probabilities: np.ndarray, thresholds: np.ndarray,
                       max_per_turn: int) -> list[list[int]]:
    """Theme columns of each turn, strongest first (margin over its threshold), at most
    ``max_per_turn``: a coder codes a turn's main points."""
    margin = probabilities / thresholds
    chosen = []
    for row in margin:
        order = [int(j) for j in np.argsort(-row, kind="stable") if row[j] >= 1.0]
        chosen.append(order[:max_per_turn])
    return chosen


def attribute_themes(n_utterances: int, groups: list[np.ndarray], turn_themes: list[list[int]],
                     utterance_proba: np.ndarray, utterance_cut: np.ndarray
                     ) -> tuple[np.ndarray, list[list[int]]]:
    """Each turn theme goes to a different utterance, the assignment that carries the most
    evidence (while there are enough utterances), so the turn's primary themes are the
    turn's themes; other utterances take a turn theme their own evidence passes. Returns the
    primary column per utterance (-1: none) and every column per utterance."""
    primary = np.full(n_utterances, -1)
    every: list[list[int]] = [[] for _ in range(n_utterances)]
    for group, themes in zip(groups, turn_themes, strict=True):
        if not themes:
            continue
        strength = utterance_proba[np.ix_(group, themes)] / utterance_cut[themes]
        rows, cols = linear_sum_assignment(strength, maximize=True)
        for k, c in zip(rows, cols, strict=True):
            primary[group[k]] = themes[c]
        for c in sorted(set(range(len(themes))) - set(cols)):
            every[group[int(np.argmax(strength[:, c]))]].append(themes[c])
        for k in sorted(set(range(len(group))) - set(rows)):
            passing = [c for c in range(len(themes)) if strength[k, c] >= 1.0]
            if passing:
                primary[group[k]] = themes[max(passing, key=lambda c, k=k: strength[k, c])]
        for k, row in enumerate(group):
            if primary[row] < 0:
                continue
            others = [themes[c] for c in range(len(themes)) if strength[k, c] >= 1.0]
            every[row] = list(dict.fromkeys([int(primary[row]), *every[row], *others]))
    return primary, every


# --------------------------------------------------------------------------- sentiment


@dataclass
class TurnSentimentModel:
    """A turn's sentiment on the coder's scale: a three-class model (neg/neu/pos, a real
    neutral class) decides the sign, a ridge regression the strength. Both read the turn
    vector, the utterance-level evidence and the turn's theme probabilities (a coder who
    reads a two-hour wait at the pharmacy reads a bad episode, whatever the words).

    ``fit`` sets ``regression_`` and ``classes_model_``; ``predict`` gives scores in [-1, 1]
    (the coder's -2..2 halved) whose label agrees with the three-class decision.
    """

    ridge_alpha: float = 3.0
    regularisation: float = 1.0
    neutral_band: float = 0.1
    random_state: int = 13

    def fit(self, material: TurnMaterial, theme_proba: np.ndarray) -> TurnSentimentModel:
        x = np.hstack([material.vectors, material.evidence, theme_proba])
        target = np.asarray(material.sentiment, dtype=float) / 2.0
        sign = np.sign(target).astype(int)
        self.regression_ = Ridge(alpha=self.ridge_alpha).fit(x, target,
                                                             sample_weight=material.weights)
        self.classes_model_ = LogisticRegression(
            C=self.regularisation, max_iter=3000, class_weight="balanced",
            random_state=self.random_state).fit(x, sign, sample_weight=material.weights)
        return self

    def predict(self, vectors: np.ndarray, evidence: np.ndarray,
                theme_proba: np.ndarray) -> np.ndarray:
        if not len(vectors):
            return np.zeros(0)
        x = np.hstack([vectors, evidence, theme_proba])
        strength = np.clip(self.regression_.predict(x), -1.0, 1.0)
        sign = self.classes_model_.predict(x)
        edge = self.neutral_band + 0.01
        return np.where(sign > 0, np.maximum(strength, edge),
                        np.where(sign < 0, np.minimum(strength, -edge),
                                 np.clip(strength, -self.neutral_band + 0.01,
                                         self.neutral_band - 0.01)))


def spread_turn_sentiment(utterance_scores: np.ndarray, groups: list[np.ndarray],
                          turn_scores: np.ndarray) -> np.ndarray:
    """Utterance scores whose mean per turn is the turn's score: each keeps its difference
    from the turn's mean (shrunk where needed to stay in [-1, 1]), so a quote still reads as
    the sentence it is while the turn reads as the coder would code it."""
    out = np.asarray(utterance_scores, dtype=float).copy()
    for group, target in zip(groups, turn_scores, strict=True):
        spread = out[group] - out[group].mean()
        room = (1.0 - abs(target)) / max(float(np.abs(spread).max()), 1e-9)
        out[group] = target + min(1.0, room) * spread
    return out


# --------------------------------------------------------------------------- coding a batch


def code_turn_themes(utterances: pd.DataFrame, groups: list[np.ndarray],
                     turn_proba: np.ndarray, turn_cut: np.ndarray, utterance_proba: np.ndarray,
                     utterance_cut: np.ndarray, theme_ids: list[str],
                     max_per_turn: int) -> pd.DataFrame:
    """``theme_id`` (the utterance's primary theme), ``theme_score`` (the turn's probability
    of it) and ``theme_ids`` (all of the utterance's themes) from the turn decision."""
    chosen = decide_turn_themes(turn_proba, turn_cut, max_per_turn)
    primary, every = attribute_themes(len(utterances), groups, chosen, utterance_proba,
                                      utterance_cut)
    turn_of = np.zeros(len(utterances), dtype=int)
    for t, group in enumerate(groups):
        turn_of[group] = t
    score = np.where(primary >= 0, turn_proba[turn_of, np.maximum(primary, 0)],
                     utterance_proba.max(axis=1) if utterance_proba.shape[1] else 0.0)
    out = utterances.reset_index(drop=True).copy()
    out["theme_id"] = [theme_ids[j] if j >= 0 else "none" for j in primary]
    out["theme_score"] = np.round(score.astype(float), 4) + 0.0
    out["theme_ids"] = [";".join(theme_ids[j] for j in row) for row in every]
    return out


def turn_theme_proba(classifier: TurnThemeClassifier, table: pd.DataFrame,
                     turn_vectors: np.ndarray, question_vectors: np.ndarray) -> np.ndarray:
    """Seed-theme probabilities of each turn of a ``turn_groups`` table."""
    return classifier.predict_proba(table["text_clean"].tolist(), turn_vectors,
                                    question_vectors)


def score_turns(utterances: pd.DataFrame, vectors: np.ndarray, question_vectors: np.ndarray,
                models: tuple[SentimentModel, TurnSentimentModel, TurnThemeClassifier],
                settings: dict) -> pd.DataFrame:
    """``sentiment`` and ``sentiment_label`` per utterance: the utterance model's scores,
    read in their turn, re-levelled so that each turn's mean is the turn model's score.
    ``question_vectors`` are the turns' (one row per turn of ``turn_groups``)."""
    utterance_model, turn_model, themes = models
    frame = utterances.reset_index(drop=True)
    own = utterance_model.predict(frame["text_clean"].tolist(), vectors)
    keys = list(zip(frame["transcript_id"], frame["turn_index"], strict=True))
    in_context = in_turn_context(own, keys, settings["turn_context"])
    table, groups = turn_groups(frame)
    turn_vectors = mean_vectors(vectors, groups)
    evidence = sentiment_evidence(own, groups, table["text_clean"].tolist())
    levels = turn_model.predict(turn_vectors, evidence, turn_theme_proba(
        themes, table, turn_vectors, question_vectors))
    scores = np.round(spread_turn_sentiment(in_context, groups, levels), 4) + 0.0
    out = frame.copy()
    out["sentiment"] = scores
    out["sentiment_label"] = [label(s, settings["neutral_band"]) for s in scores]
    return out
