"""Sentiment of informal, code-mixed Indonesian utterances: a float in [-1, 1] and a label.

Three signals, each small and inspectable:

* a lexicon written for this project (``data/id/sentiment_lexicon.tsv``) with negation,
  intensifiers and contrast words ("senang … tapi kesal" weighs the part after ``tapi``
  more, so a mixed answer comes out mixed);
* similarity to hand-written polarity prototypes embedded by the configured model;
* a ridge regression on embeddings, fitted on the team's own labelled example utterances
  (``themes.examples``; never on ``../shared/data``).

The three are stacked by a linear model fitted on out-of-fold scores of the examples; each
utterance is then read in the context of its turn.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.linear_model import LinearRegression, Ridge
from sklearn.model_selection import KFold, cross_val_predict

from jejak.deidentify import deidentify_text
from jejak.resources import (
    contrast_words,
    intensifiers,
    negators,
    sentiment_lexicon,
    sentiment_prototypes,
)

MAX_PHRASE = 4
NEGATION_WINDOW = 3
BEFORE_CONTRAST, AFTER_CONTRAST = 0.6, 1.4
LEXICON_ALPHA = 3.0


def tokens(text_clean: str) -> list[str]:
    return re.findall(r"[a-z0-9]+(?:-[a-z0-9]+)*", text_clean.lower())


@dataclass(frozen=True)
class LexiconScore:
    score: float      # in [-1, 1]
    n_terms: int      # sentiment words found


def lexicon_score(text_clean: str) -> LexiconScore:
    """Sum of term weights with negation, intensifiers and contrast, squashed to [-1, 1]."""
    lexicon, negs, boosts, contrasts = (sentiment_lexicon(), negators(), intensifiers(),
                                        contrast_words())
    words = tokens(text_clean)
    clause_weights = _clause_weights(words, contrasts)
    total, found, i = 0.0, 0, 0
    while i < len(words):
        for size in range(min(MAX_PHRASE, len(words) - i), 0, -1):
            phrase = " ".join(words[i : i + size])
            if phrase in lexicon and phrase not in negs:
                weight = lexicon[phrase]
                weight *= _intensity(words, i, i + size, boosts)
                if _negated(words, i, negs):
                    # "tidak bagus" is bad; "tidak error" is only mildly good.
                    weight = -weight * (0.8 if weight > 0 else 0.5)
                total += weight * clause_weights[i]
                found += 1
                i += size
                break
        else:
            i += 1
    return LexiconScore(total / math.sqrt(total * total + LEXICON_ALPHA), found)


def _clause_weights(words: list[str], contrasts: frozenset[str]) -> list[float]:
    weights = [1.0] * len(words)
    positions = [i for i, w in enumerate(words) if w in contrasts]
    if positions:
        last = positions[-1]
        for i in range(len(words)):
            weights[i] = BEFORE_CONTRAST if i < last else AFTER_CONTRAST
    return weights


def _negated(words: list[str], start: int, negs: frozenset[str]) -> bool:
    window = words[max(0, start - NEGATION_WINDOW) : start]
    return any(w in negs for w in window)


def _intensity(words: list[str], start: int, end: int, boosts: dict[str, float]) -> float:
    factor = 1.0
    for j in (start - 1, end):
        if 0 <= j < len(words) and words[j] in boosts:
            factor *= boosts[words[j]]
    return factor


# --------------------------------------------------------------------------- embeddings


@dataclass
class SentimentModel:
    """Prototype similarity, a ridge regression on embeddings and the lexicon, stacked.

    ``fit`` learns the ridge on the labelled examples and then the stacking weights on its
    out-of-fold predictions (so the weights see honest ridge scores); ``predict`` scores new
    utterances on the coder's scale (-2..2 mapped to -1..1). Fitted attributes:
    ``pos_prototypes_``, ``neg_prototypes_``, ``regression_``, ``stacking_``, ``stretch_``.
    """

    prototype_scale: float = 8.0
    ridge_alpha: float = 0.3
    random_state: int = 13
    cv_folds: int = 5

    def fit(self, prototype_vectors: dict[str, np.ndarray], example_vectors: np.ndarray,
            example_scores: np.ndarray, example_texts: list[str]) -> SentimentModel:
        self.pos_prototypes_ = prototype_vectors["pos"]
        self.neg_prototypes_ = prototype_vectors["neg"]
        target = np.asarray(example_scores, dtype=float) / 2.0
        weights = balanced_weights(np.sign(target))
        self.regression_ = Ridge(alpha=self.ridge_alpha).fit(example_vectors, target,
                                                             sample_weight=weights)
        folds = KFold(self.cv_folds, shuffle=True, random_state=self.random_state)
        oof = cross_val_predict(Ridge(alpha=self.ridge_alpha), example_vectors, target, cv=folds,
                                params={"sample_weight": weights})
        features = self._stack_features(example_texts, example_vectors, oof)
        self.stacking_ = LinearRegression().fit(features, target, sample_weight=weights)
        # Least squares shrinks towards the mean; stretch so that out-of-fold scores spread
        # like the coder's labels, keeping the emotion curve on the coder's scale.
        stacked = cross_val_predict(LinearRegression(), features, target, cv=folds,
                                    params={"sample_weight": weights})
        self.stretch_ = float(np.std(target) / max(np.std(stacked), 1e-6))
        return self

    def prototype_score(self, vectors: np.ndarray) -> np.ndarray:
        pos = _top_mean(vectors @ self.pos_prototypes_.T)
        neg = _top_mean(vectors @ self.neg_prototypes_.T)
        return np.tanh(self.prototype_scale * (pos - neg))

    def _stack_features(self, texts: list[str], vectors: np.ndarray,
                        ridge: np.ndarray) -> np.ndarray:
        lexicon = [lexicon_score(t) for t in texts]
        lex = np.array([s.score for s in lexicon])
        found = np.array([float(s.n_terms > 0) for s in lexicon])
        return np.column_stack([lex, found * lex, self.prototype_score(vectors), ridge])

    def predict(self, texts: list[str], vectors: np.ndarray) -> np.ndarray:
        if not texts:
            return np.zeros(0)
        features = self._stack_features(texts, vectors, self.regression_.predict(vectors))
        return np.clip(self.stretch_ * self.stacking_.predict(features), -1.0, 1.0)


def balanced_weights(classes: np.ndarray) -> np.ndarray:
    """Weights that give negative, neutral and positive examples equal total weight: the
    examples' mix of polarities is how they were written, not how people speak."""
    values, counts = np.unique(classes, return_counts=True)
    per_class = dict(zip(values, len(classes) / (len(values) * counts), strict=True))
    return np.array([per_class[c] for c in classes])


def _top_mean(similarities: np.ndarray, k: int = 3) -> np.ndarray:
    k = min(k, similarities.shape[1])
    return np.sort(similarities, axis=1)[:, -k:].mean(axis=1)


def prototype_texts() -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {"pos": [], "neg": [], "neu": []}
    for polarity, text in sentiment_prototypes():
        grouped.setdefault(polarity, []).append(deidentify_text(text))
    return grouped


def in_turn_context(scores: np.ndarray, turn_keys: list, weight: float) -> np.ndarray:
    """Blend each utterance with its turn's accumulated evidence (sum / sqrt(n), squashed):
    a coder reads "terus saya ke loket" inside a turn of complaints as part of a bad episode."""
    scores = np.asarray(scores, dtype=float)
    out = scores.copy()
    keys = pd.Series(turn_keys)
    for _, index in keys.groupby(keys, sort=False).groups.items():
        idx = np.asarray(index)
        evidence = np.tanh(scores[idx].sum() / np.sqrt(len(idx)))
        out[idx] = (1 - weight) * scores[idx] + weight * evidence
    return np.clip(out, -1.0, 1.0)


def label(score: float, neutral_band: float) -> str:
    if score > neutral_band:
        return "pos"
    if score < -neutral_band:
        return "neg"
    return "neu"


def score_utterances(utterances: pd.DataFrame, vectors: np.ndarray, model: SentimentModel,
                     settings: dict) -> pd.DataFrame:
    """Add ``sentiment`` (rounded to 4 places) and ``sentiment_label``."""
    own = model.predict(utterances["text_clean"].tolist(), vectors)
    keys = list(zip(utterances["transcript_id"], utterances["turn_index"], strict=True))
    scores = np.round(in_turn_context(own, keys, settings["turn_context"]), 4) + 0.0
    out = utterances.copy()
    out["sentiment"] = scores
    out["sentiment_label"] = [label(s, settings["neutral_band"]) for s in scores]
    return out
