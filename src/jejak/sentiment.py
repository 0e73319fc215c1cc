"""Sentiment of informal, code-mixed Indonesian utterances: a float in [-1, 1] and a label.

Three signals, each small and inspectable:

* a lexicon written for this project (``data/id/sentiment_lexicon.tsv``) with negation,
  intensifiers and contrast words ("senang … tapi kesal" weighs the part after ``tapi``
  more, so a mixed answer comes out mixed);
* similarity to hand-written polarity prototypes embedded by the configured model;
* a ridge regression on embeddings, fitted on the team's own labelled example utterances
  (``themes.examples``; never on ``../shared/data``).

Where the lexicon finds sentiment words it takes ``lexicon_weight`` of the score; elsewhere the
embedding signals decide alone.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.linear_model import Ridge

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
    """Prototype centroids and a ridge regression on embeddings (fit once, then transform)."""

    prototype_scale: float = 8.0
    alpha: float = 3.0
    pos_prototypes: np.ndarray | None = None
    neg_prototypes: np.ndarray | None = None
    neu_prototypes: np.ndarray | None = None
    regression: Ridge | None = None

    def fit(self, prototype_vectors: dict[str, np.ndarray], example_vectors: np.ndarray | None,
            example_scores: np.ndarray | None) -> SentimentModel:
        self.pos_prototypes = prototype_vectors["pos"]
        self.neg_prototypes = prototype_vectors["neg"]
        self.neu_prototypes = prototype_vectors.get("neu")
        if example_vectors is not None and len(example_vectors):
            self.regression = Ridge(alpha=self.alpha).fit(example_vectors, example_scores / 2.0)
        return self

    def prototype_score(self, vectors: np.ndarray) -> np.ndarray:
        pos = _top_mean(vectors @ self.pos_prototypes.T)
        neg = _top_mean(vectors @ self.neg_prototypes.T)
        return np.tanh(self.prototype_scale * (pos - neg))

    def regression_score(self, vectors: np.ndarray) -> np.ndarray | None:
        if self.regression is None:
            return None
        return np.clip(self.regression.predict(vectors), -1.0, 1.0)

    def embedding_score(self, vectors: np.ndarray) -> np.ndarray:
        proto = self.prototype_score(vectors)
        regression = self.regression_score(vectors)
        return proto if regression is None else 0.35 * proto + 0.65 * regression


def _top_mean(similarities: np.ndarray, k: int = 3) -> np.ndarray:
    k = min(k, similarities.shape[1])
    return np.sort(similarities, axis=1)[:, -k:].mean(axis=1)


def prototype_texts() -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {"pos": [], "neg": [], "neu": []}
    for polarity, text in sentiment_prototypes():
        grouped.setdefault(polarity, []).append(text)
    return grouped


def combine(lexicon: list[LexiconScore], embedding: np.ndarray, lexicon_weight: float) -> np.ndarray:
    scores = np.array([
        lexicon_weight * lex.score + (1 - lexicon_weight) * emb if lex.n_terms else emb
        for lex, emb in zip(lexicon, embedding, strict=True)
    ], dtype=float)
    return np.clip(scores, -1.0, 1.0)


def label(score: float, neutral_band: float) -> str:
    if score > neutral_band:
        return "pos"
    if score < -neutral_band:
        return "neg"
    return "neu"


def score_utterances(utterances: pd.DataFrame, vectors: np.ndarray, model: SentimentModel,
                     settings: dict) -> pd.DataFrame:
    """Add ``sentiment`` (rounded to 4 places) and ``sentiment_label``."""
    lex = [lexicon_score(t) for t in utterances["text_clean"]]
    emb = model.embedding_score(vectors) if len(vectors) else np.zeros(0)
    scores = np.round(combine(lex, emb, settings["lexicon_weight"]), 4) + 0.0
    out = utterances.copy()
    out["sentiment"] = scores
    out["sentiment_label"] = [label(s, settings["neutral_band"]) for s in scores]
    return out


KEY = ["transcript_id", "turn_index", "utterance_index"]


def sentiment_file(utterance_paths, vector_paths, models_path, config: dict, out) -> None:
    """Rule ``sentiment``: score and label of every utterance of the batch."""
    from jejak.embed import load_vectors, stack
    from jejak.models import load_models
    from jejak.tables import read_tsvs, write_tsv

    utterances = read_tsvs(utterance_paths).sort_values(KEY, kind="stable")
    utterances = utterances.reset_index(drop=True)
    vectors = stack(utterances["text_clean"].tolist(), load_vectors(vector_paths))
    scored = score_utterances(utterances, vectors, load_models(models_path).sentiment,
                              config["sentiment"])
    write_tsv(scored[[*KEY, "sentiment", "sentiment_label"]], out)
