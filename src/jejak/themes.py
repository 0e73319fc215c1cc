"""Seed themes from a supervised model per theme, emergent themes from clustering.

Seed themes: one logistic regression per codebook theme on [utterance embedding, question
embedding, word and character n-gram TF-IDF], fitted on the study's labelled examples. Each
theme's threshold is chosen by cross-validation on those examples (never on the transcripts it
codes). Pain themes need an utterance that is not positive, gain themes one that is not
negative: theme and sentiment are decided together.

Emergent themes: content-bearing utterances that fit no seed theme, clustered with k-means
(explicit ``random_state``; k is the silhouette-best, on a fixed sample, between
max(2, n / 100) and ``max_clusters``), named by class-based TF-IDF.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.cluster import KMeans
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import fbeta_score, silhouette_score
from sklearn.model_selection import KFold

from jejak.facts import UTTERANCE_KEY as KEY
from jejak.facts import utterance_theme_sets
from jejak.resources import stopwords

LOG = logging.getLogger("jejak")
QUESTION_WEIGHT = 0.5
PAIN_GATE, GAIN_GATE = 0.15, -0.15
MIN_CONTENT_WORDS = 2
THRESHOLD_GRID = np.round(np.arange(0.15, 0.86, 0.05), 2)
PRECISION_BETA = 0.5


def content_words(text_clean: str) -> list[str]:
    stop = stopwords()
    return [w for w in re.findall(r"[a-z][a-z0-9-]*", text_clean) if w not in stop]


# --------------------------------------------------------------------------- features


def word_ngrams(max_features: int = 20000) -> TfidfVectorizer:
    return TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True,
                           max_features=max_features)


def char_ngrams(max_features: int = 30000) -> TfidfVectorizer:
    return TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), min_df=3, sublinear_tf=True,
                           max_features=max_features)


@dataclass
class ThemeFeatures:
    """Embedding of the text (an utterance or a whole turn) and of the question before it,
    plus lexical n-grams (fit on the training texts)."""

    words: TfidfVectorizer = field(default_factory=word_ngrams)
    chars: TfidfVectorizer = field(default_factory=char_ngrams)

    def fit(self, texts: list[str]) -> ThemeFeatures:
        self.words.fit(texts)
        self.chars.fit(texts)
        return self

    def transform(self, texts: list[str], vectors: np.ndarray,
                  question_vectors: np.ndarray) -> sparse.csr_matrix:
        dense = np.hstack([vectors, QUESTION_WEIGHT * question_vectors])
        return sparse.hstack([sparse.csr_matrix(dense), self.words.transform(texts),
                              0.5 * self.chars.transform(texts)]).tocsr()


@dataclass
class ThemeClassifier:
    """One-vs-rest logistic regressions with cross-validated thresholds.

    ``fit`` sets the fitted attributes ``features_``, ``models_``, ``thresholds_`` (the
    out-of-fold F0.5-best probability per theme) and ``cv_f1_``; nothing changes them after.
    """

    theme_ids: list[str]
    regularisation: float = 2.0
    random_state: int = 13
    cv_folds: int = 5

    def _model(self) -> LogisticRegression:
        return LogisticRegression(C=self.regularisation, max_iter=2000, solver="liblinear",
                                  random_state=self.random_state)

    def fit(self, texts: list[str], vectors: np.ndarray, question_vectors: np.ndarray,
            labels: list[list[str]]) -> ThemeClassifier:
        self.features_ = ThemeFeatures().fit(texts)
        matrix = self.features_.transform(texts, vectors, question_vectors)
        targets = {t: np.array([t in row for row in labels], dtype=int) for t in self.theme_ids}
        self.models_ = {}
        for theme in self.theme_ids:
            if targets[theme].sum() < 2:
                raise ValueError(f"theme '{theme}' has {targets[theme].sum()} labelled "
                                 "examples; write at least a few dozen in the examples folder.")
            self.models_[theme] = self._model().fit(matrix, targets[theme])
        oof = self._out_of_fold(texts, vectors, question_vectors, targets)
        self.thresholds_, self.cv_f1_ = {}, {}
        for theme in self.theme_ids:
            self.thresholds_[theme], self.cv_f1_[theme] = best_threshold(targets[theme],
                                                                         oof[theme])
        return self

    def _out_of_fold(self, texts, vectors, question_vectors,
                     targets: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Out-of-fold probabilities of every theme; the folds (and their n-gram features) are
        shared by all themes, so the features are fitted once per fold."""
        folds = KFold(self.cv_folds, shuffle=True, random_state=self.random_state)
        oof = {t: np.zeros(len(texts)) for t in self.theme_ids}
        for train, test in folds.split(vectors):
            feats = ThemeFeatures().fit([texts[i] for i in train])
            fit_x = feats.transform([texts[i] for i in train], vectors[train],
                                    question_vectors[train])
            test_x = feats.transform([texts[i] for i in test], vectors[test],
                                     question_vectors[test])
            for theme in self.theme_ids:
                y = targets[theme][train]
                if y.min() == y.max():
                    continue
                oof[theme][test] = self._model().fit(fit_x, y).predict_proba(test_x)[:, 1]
        return oof

    def predict_proba(self, texts: list[str], vectors: np.ndarray,
                      question_vectors: np.ndarray) -> np.ndarray:
        if not texts:
            return np.zeros((0, len(self.theme_ids)))
        matrix = self.features_.transform(texts, vectors, question_vectors)
        return np.column_stack([self.models_[t].predict_proba(matrix)[:, 1]
                                for t in self.theme_ids])


THRESHOLD_COLUMNS = ["theme_id", "fitted_threshold", "fitted_f1", "threshold", "source"]


def decide_thresholds(theme_ids: list[str], fitted: dict[str, float], fitted_f1: dict[str, float],
                      settings: dict, fitted_source: str = "calibrated") -> pd.DataFrame:
    """The one place a theme's threshold is decided, and the record of it: ``auto`` takes the
    fitted value (chosen on held-apart coded turns), a number in ``themes.threshold`` replaces
    them all, and ``themes.threshold_overrides`` wins for the themes it names. Provenance and
    the report read this record; the fitted model is left as it was."""
    overrides = settings.get("threshold_overrides") or {}
    unknown = sorted(set(overrides) - set(theme_ids))
    if unknown:
        raise ValueError(f"themes.threshold_overrides names unknown themes {unknown}; "
                         f"known: {theme_ids}.")
    rows = []
    for theme in theme_ids:
        if theme in overrides:
            value, source = float(overrides[theme]), "threshold_overrides"
        elif settings["threshold"] != "auto":
            value, source = float(settings["threshold"]), "threshold"
        else:
            value, source = fitted[theme], fitted_source
        rows.append({"theme_id": theme, "fitted_threshold": fitted[theme],
                     "fitted_f1": round(fitted_f1[theme], 4), "threshold": value,
                     "source": source})
    return pd.DataFrame(rows, columns=THRESHOLD_COLUMNS)


def best_threshold(y: np.ndarray, oof: np.ndarray) -> tuple[float, float]:
    """The F0.5-best threshold on out-of-fold probabilities. F0.5: the examples hold far more
    themed sentences than an interview, where most sentences narrate; a threshold that is
    precise on the examples misses less in the field."""
    scores = [fbeta_score(y, oof >= t, beta=PRECISION_BETA, zero_division=0)
              for t in THRESHOLD_GRID]
    best = int(np.argmax(scores))
    return float(THRESHOLD_GRID[best]), float(scores[best])


def cap_themes_per_turn(utterances: pd.DataFrame, margin: np.ndarray, passing: np.ndarray,
                        max_per_turn: int) -> np.ndarray:
    """A coder codes a turn's main points, not every sentence's topic: within one turn keep
    the ``max_per_turn`` themes with the strongest evidence (margin over threshold)."""
    capped = passing.copy()
    keys = utterances["transcript_id"].astype(str) + "\x00" + utterances["turn_index"].astype(str)
    for _, index in keys.groupby(keys, sort=False).groups.items():
        idx = np.asarray(index)
        best = np.where(passing[idx], margin[idx], -np.inf).max(axis=0)
        ranked = [j for j in np.argsort(-best, kind="stable") if np.isfinite(best[j])]
        drop = ranked[max_per_turn:]
        if drop:
            capped[np.ix_(idx, drop)] = False
    return capped


def assign_seed_themes(utterances: pd.DataFrame, probabilities: np.ndarray,
                       thresholds: dict[str, float], polarity: dict[str, str],
                       max_per_turn: int = 2) -> pd.DataFrame:
    """Primary ``theme_id`` with ``theme_score`` and every theme above threshold in
    ``theme_ids``; pain needs a non-positive, gain a non-negative sentiment."""
    ids = list(thresholds)
    cut = np.array([thresholds[t] for t in ids])
    sentiment = utterances["sentiment"].astype(float).to_numpy()
    allowed = np.ones_like(probabilities, dtype=bool)
    for j, theme in enumerate(ids):
        if polarity[theme] == "pain":
            allowed[:, j] = sentiment <= PAIN_GATE
        elif polarity[theme] == "gain":
            allowed[:, j] = sentiment >= GAIN_GATE
    has_content = np.array([len(content_words(t)) >= MIN_CONTENT_WORDS
                            for t in utterances["text_clean"]])
    passing = (probabilities >= cut) & allowed & has_content[:, None]
    passing = cap_themes_per_turn(utterances, probabilities / cut, passing, max_per_turn)
    # The strongest theme is the one furthest above its own threshold.
    margin = np.where(passing, probabilities / cut, -np.inf)
    primary, score, every = [], [], []
    for i in range(len(utterances)):
        order = [j for j in np.argsort(-margin[i], kind="stable") if passing[i, j]]
        if order:
            primary.append(ids[order[0]])
            score.append(probabilities[i, order[0]])
            every.append(";".join(ids[j] for j in order))
        else:
            primary.append("none")
            score.append(probabilities[i].max() if probabilities.shape[1] else 0.0)
            every.append("")
    out = utterances.copy()
    out["theme_id"] = primary
    out["theme_score"] = np.round(np.asarray(score, dtype=float), 4) + 0.0
    out["theme_ids"] = every
    return out


# --------------------------------------------------------------------------- emergent


def class_tfidf_keywords(docs_by_class: dict[str, list[str]],
                         n_keywords: int) -> dict[str, list[str]]:
    """Class-based TF-IDF: a class's term frequency × log(1 + mean words per class / term
    frequency over all classes)."""
    stop = stopwords()
    counts: dict[str, dict[str, int]] = {}
    for label, docs in docs_by_class.items():
        bag: dict[str, int] = {}
        for doc in docs:
            for word in re.findall(r"[a-z][a-z0-9-]{2,}", doc):
                if word not in stop:
                    bag[word] = bag.get(word, 0) + 1
        counts[label] = bag
    totals: dict[str, int] = {}
    for bag in counts.values():
        for word, n in bag.items():
            totals[word] = totals.get(word, 0) + n
    mean_words = np.mean([sum(b.values()) for b in counts.values()]) if counts else 1.0
    keywords = {}
    for label, bag in counts.items():
        size = max(1, sum(bag.values()))
        scored = sorted(((n / size) * np.log(1 + mean_words / totals[w]), w)
                        for w, n in bag.items())
        ranked = sorted(scored, key=lambda item: (-round(item[0], 10), item[1]))
        keywords[label] = [w for _, w in ranked[:n_keywords]]
    return keywords


def choose_k(vectors: np.ndarray, max_clusters: int,
             random_state: int) -> tuple[int, np.ndarray | None]:
    """k with the best silhouette on a fixed sample (no n × n matrix of the full data), and
    the k-means labels for it (0 and None when no k separates the data)."""
    n = len(vectors)
    best_k, best_score, best_labels = 0, -1.0, None
    # Silhouette favours two or three broad clusters in embedding space; a large corpus is
    # given at least one cluster per hundred utterances, so themes stay specific.
    low = min(max(2, n // 100), max_clusters)
    for k in range(low, min(max_clusters, n - 1) + 1):
        labels = KMeans(k, n_init=4, random_state=random_state).fit_predict(vectors)
        if len(set(labels)) < 2:
            continue
        score = silhouette_score(vectors, labels, sample_size=min(n, 2000),
                                 random_state=random_state)
        if score > best_score + 1e-9:
            best_k, best_score, best_labels = k, score, labels
    return best_k, best_labels


def find_emergent(utterances: pd.DataFrame, vectors: np.ndarray, settings: dict,
                  random_state: int) -> pd.DataFrame:
    """Cluster unthemed, content-bearing utterances into ``emergent_NN`` themes."""
    out = utterances.copy()
    candidates = np.flatnonzero(
        (out["theme_id"] == "none").to_numpy()
        & (out.get("stage", pd.Series("x", index=out.index)) != "none").to_numpy()
        & np.array([len(content_words(t)) >= 4 for t in out["text_clean"]])
    )
    min_size = settings["min_size"]
    if len(candidates) < max(2 * min_size, 4):
        return out
    sub = vectors[candidates]
    k, labels = choose_k(sub, settings["max_clusters"], random_state)
    if k == 0:
        return out
    kept = []
    for cluster in range(k):
        members = candidates[labels == cluster]
        informants = out.iloc[members]["transcript_id"].nunique()
        if len(members) >= min_size and informants >= settings["min_informants"]:
            kept.append((-len(members), cluster, members))
    theme_ids = out["theme_id"].to_numpy(dtype=object)
    for number, (_, _, members) in enumerate(sorted(kept, key=lambda m: (m[0], m[1])), 1):
        theme_ids[members] = f"emergent_{number:02d}"
    out["theme_id"] = theme_ids
    return out


# --------------------------------------------------------------------------- summary


def exemplars(frame: pd.DataFrame, vectors: np.ndarray, n: int) -> str:
    """Quotes nearest the theme's centre, from different informants where possible."""
    if frame.empty:
        return ""
    centre = vectors.mean(axis=0)
    centre = np.round(centre / (np.linalg.norm(centre) or 1.0), 6)
    similarity = np.round(vectors @ centre, 6)
    order = sorted(range(len(frame)), key=lambda i: (
        -similarity[i], frame.iloc[i]["transcript_id"], frame.iloc[i]["turn_index"],
        frame.iloc[i]["utterance_index"]))
    chosen, seen = [], set()
    for pass_ in (0, 1):
        for i in order:
            row = frame.iloc[i]
            if len(chosen) >= n:
                break
            if i in chosen or (pass_ == 0 and row["transcript_id"] in seen):
                continue
            chosen.append(i)
            seen.add(row["transcript_id"])
    return " | ".join(
        f'{frame.iloc[i]["transcript_id"]}:{frame.iloc[i]["turn_index"]} '
        f'"{frame.iloc[i]["text"]}"' for i in chosen)


def summarise_themes(utterances: pd.DataFrame, vectors: np.ndarray, codebook_themes: list[dict],
                     settings: dict) -> pd.DataFrame:
    """One row per seed theme (all of them, even unused) and per emergent theme."""
    n_keywords, n_exemplars = settings["emergent"]["n_keywords"], settings["n_exemplars"]
    # A theme's utterances: those whose primary or any above-threshold theme it is.
    member_rows: dict[str, np.ndarray] = {}
    all_ids = [t["id"] for t in codebook_themes] + sorted(
        t for t in utterances["theme_id"].unique() if t.startswith("emergent_"))
    theme_lists = [set(themes) for themes in utterance_theme_sets(utterances)]
    for theme in all_ids:
        member_rows[theme] = np.array([i for i, s in enumerate(theme_lists) if theme in s],
                                      dtype=int)
    keywords = class_tfidf_keywords(
        {t: utterances["text_clean"].iloc[rows].tolist() for t, rows in member_rows.items()},
        n_keywords)
    rows = []
    for theme in all_ids:
        members = member_rows[theme]
        frame = utterances.iloc[members]
        seed = next((t for t in codebook_themes if t["id"] == theme), None)
        row = {
            "theme_id": theme,
            "label": seed["label"] if seed else " / ".join(keywords[theme][:3]),
            "kind": "seed" if seed else "emergent",
            "polarity": seed["polarity"] if seed else "",
            "keywords": ", ".join(keywords[theme] or (seed["keywords"][:n_keywords] if seed
                                                       else [])),
            "n_utterances": len(members),
            "n_informants": frame["transcript_id"].nunique(),
        }
        if "sentiment" in frame.columns:
            row["mean_sentiment"] = round(float(frame["sentiment"].astype(float).mean()), 4) \
                if len(frame) else float("nan")
        row["exemplars"] = exemplars(frame, vectors[members], n_exemplars) if len(members) else ""
        rows.append(row)
    return pd.DataFrame(rows)


UTTERANCE_OUTPUT = [*KEY, "text", "text_clean", "stage", "theme_id", "theme_score",
                    "sentiment", "sentiment_label", "theme_ids", "question"]
