"""Journey stage of every informant turn: question, answer and the interview's order.

Three kinds of evidence, combined per informant turn and decoded over the whole interview:

1. the interviewer's question before the answer (strongest: interviews follow a guide);
2. the informant's own words;
3. order: an interview moves forward through the stages with occasional returns, encoded as a
   forward-leaning transition matrix and decoded with Viterbi.

Both scorers are logistic regressions on embeddings plus stage-keyword counts from config,
fitted on the study's labelled example utterances and their questions. A follow-up without
keywords ("Terus gimana perasaan Ibu?") has flat scores, so the running stage carries on.
Tables of written responses have no interviewer: their ``stage`` column is used when given,
else the answer alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression

NONE = "none"
FLOOR = 1e-4


def keyword_counts(texts: list[str], stages: list[dict]) -> np.ndarray:
    """Count of each stage's keywords in each text (whole words)."""
    patterns = [re.compile(r"\b(?:" + "|".join(re.escape(k.lower()) for k in s["keywords"])
                           + r")\b") for s in stages]
    return np.array([[len(p.findall(t.lower())) for p in patterns] for t in texts],
                    dtype=float).reshape(len(texts), len(stages))


@dataclass
class StageScorer:
    """P(stage | text) for the stages plus ``none``; fit on examples, then predict_proba.
    Fitted attributes: ``model_`` and ``labels_`` (journey stages in order, then ``none``)."""

    stages: list[dict]
    regularisation: float = 1.0
    random_state: int = 13

    def _features(self, texts: list[str], vectors: np.ndarray) -> np.ndarray:
        counts = np.minimum(keyword_counts(texts, self.stages), 3.0)
        return np.hstack([vectors, 0.5 * counts])

    def fit(self, texts: list[str], vectors: np.ndarray, labels: list[str]) -> StageScorer:
        self.model_ = LogisticRegression(C=self.regularisation, max_iter=3000,
                                         class_weight="balanced",
                                         random_state=self.random_state)
        self.model_.fit(self._features(texts, vectors), labels)
        self.labels_ = [*(s["id"] for s in self.stages), NONE]
        return self

    def predict_proba(self, texts: list[str], vectors: np.ndarray) -> np.ndarray:
        """Columns in ``self.labels_`` order (journey stages, then ``none``)."""
        if not texts:
            return np.zeros((0, len(self.labels_)))
        raw = self.model_.predict_proba(self._features(texts, vectors))
        classes = list(self.model_.classes_)
        out = np.full((len(texts), len(self.labels_)), FLOOR)
        for j, label in enumerate(self.labels_):
            if label in classes:
                out[:, j] = raw[:, classes.index(label)]
        return out / out.sum(axis=1, keepdims=True)


def transition_matrix(n_stages: int, stay: float, forward: float) -> np.ndarray:
    """States: the journey stages in order, then ``none``. Staying is likeliest, the next
    stage next, later stages and returns rarer; ``none`` (small talk, closing) is reachable
    from anywhere and returns anywhere."""
    n = n_stages + 1
    matrix = np.full((n, n), 0.0)
    for i in range(n_stages):
        matrix[i, i] = stay
        if i + 1 < n_stages:
            matrix[i, i + 1] = forward
        for j in range(n_stages):
            if j > i + 1:
                matrix[i, j] = forward / (3 * (j - i))
            elif j < i:
                matrix[i, j] = (1 - stay - forward) / (2 * (i - j))
        matrix[i, -1] = 0.03
    matrix[-1, :n_stages] = np.linspace(0.3, 0.05, n_stages)
    matrix[-1, -1] = 0.6
    return matrix / matrix.sum(axis=1, keepdims=True)


def viterbi(log_emissions: np.ndarray, log_transitions: np.ndarray,
            log_start: np.ndarray) -> list[int]:
    """Most probable state sequence; ties go to the lower state index (deterministic)."""
    n, k = log_emissions.shape
    if n == 0:
        return []
    score = log_start + log_emissions[0]
    back = np.zeros((n, k), dtype=int)
    for t in range(1, n):
        candidates = score[:, None] + log_transitions
        back[t] = np.argmax(candidates, axis=0)
        score = candidates[back[t], np.arange(k)] + log_emissions[t]
    path = [int(np.argmax(score))]
    for t in range(n - 1, 0, -1):
        path.append(int(back[t, path[-1]]))
    return path[::-1]


@dataclass
class TurnEvidence:
    transcript_id: str
    turn_index: int
    question_proba: np.ndarray | None
    answer_proba: np.ndarray
    given_stage: str = ""


def decode_transcript(turns: list[TurnEvidence], labels: list[str], settings: dict) -> list[str]:
    """Stages of one transcript's informant turns, in order."""
    n_stages = len(labels) - 1
    log_t = np.log(transition_matrix(n_stages, settings["stay_probability"],
                                     settings["forward_probability"]))
    start = np.full(len(labels), 0.02)
    start[0], start[-1] = 0.3, 0.5
    log_start = np.log(start / start.sum())
    emissions = []
    for turn in turns:
        log_e = settings["answer_weight"] * np.log(turn.answer_proba + FLOOR)
        if turn.question_proba is not None:
            log_e = log_e + settings["question_weight"] * np.log(turn.question_proba + FLOOR)
        emissions.append(log_e)
    path = viterbi(np.array(emissions).reshape(len(turns), len(labels)), log_t, log_start)
    return [labels[i] for i in path]


def assign_stages(utterances: pd.DataFrame, answer_proba: np.ndarray,
                  question_proba: np.ndarray | None, labels: list[str],
                  settings: dict) -> pd.DataFrame:
    """``stage`` per utterance: the decoded stage of its turn (interviews), the row's given
    stage (tables with a ``stage`` column), else the answer's own best stage."""
    frame = utterances.reset_index(drop=True).copy()
    given = frame["meta_stage"] if "meta_stage" in frame.columns else pd.Series("", frame.index)
    has_question = frame["question"].astype(str) != ""
    stage = np.array([""] * len(frame), dtype=object)
    for tid, group in frame.groupby("transcript_id", sort=True):
        rows = group.index.to_numpy()
        turns = []
        turn_rows: list[np.ndarray] = []
        for turn_index, turn_group in group.groupby("turn_index", sort=True):
            idx = turn_group.index.to_numpy()
            q = question_proba[idx[0]] if (question_proba is not None
                                           and has_question[idx[0]]) else None
            turns.append(TurnEvidence(tid, int(turn_index), q, answer_proba[idx].mean(axis=0),
                                      str(given[idx[0]]).strip()))
            turn_rows.append(idx)
        if has_question[rows].any():
            decoded = decode_transcript(turns, labels, settings)
        else:
            decoded = [t.given_stage if t.given_stage in labels
                       else labels[int(np.argmax(t.answer_proba))] for t in turns]
        for idx, value in zip(turn_rows, decoded, strict=True):
            stage[idx] = value
    frame["stage"] = stage
    return frame
