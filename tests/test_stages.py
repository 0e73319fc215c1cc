"""Stages: the forward-leaning transition matrix and Viterbi over an interview."""

from __future__ import annotations

import numpy as np

from jejak.stages import TurnEvidence, decode_transcript, transition_matrix, viterbi

LABELS = ["awareness", "research", "registration", "usage", "post_usage", "none"]
SETTINGS = {"stay_probability": 0.8, "forward_probability": 0.15, "question_weight": 1.0,
            "answer_weight": 0.6}


def test_transition_matrix_leans_forward():
    matrix = transition_matrix(5, 0.8, 0.15)
    assert np.allclose(matrix.sum(axis=1), 1.0)
    assert matrix[1, 2] > matrix[1, 0]
    assert matrix[1, 1] > matrix[1, 2]
    assert matrix[0, 4] < matrix[0, 1]


def test_viterbi_prefers_staying_on_weak_evidence():
    log_t = np.log(np.array([[0.9, 0.1], [0.1, 0.9]]))
    emissions = np.log(np.array([[0.9, 0.1], [0.45, 0.55], [0.9, 0.1]]))
    assert viterbi(emissions, log_t, np.log([0.5, 0.5])) == [0, 0, 0]


def test_follow_up_without_keywords_inherits_the_running_stage():
    def proba(stage, strength=0.9):
        p = np.full(len(LABELS), (1 - strength) / (len(LABELS) - 1))
        p[LABELS.index(stage)] = strength
        return p

    flat = np.full(len(LABELS), 1 / len(LABELS))
    turns = [TurnEvidence("A", 1, proba("none"), proba("none", 0.5)),
             TurnEvidence("A", 3, proba("registration"), proba("registration", 0.4)),
             TurnEvidence("A", 5, flat, proba("registration", 0.3)),  # "Terus gimana, Bu?"
             TurnEvidence("A", 7, proba("usage"), proba("usage", 0.5))]
    assert decode_transcript(turns, LABELS, SETTINGS) == ["none", "registration", "registration",
                                                          "usage"]
