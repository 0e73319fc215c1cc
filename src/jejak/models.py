"""Fit the study's models once per batch from its labelled examples.

The layer above the domain modules: the examples (``themes.examples``) train the theme
classifier, the two stage scorers (question and answer) and the sentiment regression; the
prototypes anchor sentiment. Fitting depends on the examples, the codebook and the model
settings only, so a change of a threshold in config re-fits nothing and re-embeds nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd

from jejak.embed import stack
from jejak.examples import load_examples, load_stage_questions
from jejak.sentiment import SentimentModel, prototype_texts
from jejak.stages import StageScorer
from jejak.themes import ThemeClassifier

LOG = logging.getLogger("jejak")


@dataclass
class StudyModels:
    themes: ThemeClassifier
    answer_stages: StageScorer
    question_stages: StageScorer
    sentiment: SentimentModel
    n_examples: int


def example_texts(config: dict) -> list[str]:
    codebook = config["codebook"]
    examples = load_examples(config["themes"]["examples"], [t["id"] for t in codebook["themes"]],
                             [s["id"] for s in codebook["stages"]])
    protos = [t for texts in prototype_texts().values() for t in texts]
    guide = load_stage_questions(config["stages"]["questions"],
                                 [s["id"] for s in codebook["stages"]])
    return sorted(set(examples["text_clean"]) | set(examples["question_clean"]) - {""}
                  | set(protos) | set(guide["question_clean"]))


def fit_models(config: dict, vectors: dict[str, np.ndarray]) -> StudyModels:
    codebook, settings = config["codebook"], config["themes"]
    theme_ids = [t["id"] for t in codebook["themes"]]
    examples = load_examples(settings["examples"], theme_ids, [s["id"] for s in codebook["stages"]])
    texts = examples["text_clean"].tolist()
    x = stack(texts, vectors)
    dim = x.shape[1]
    q = np.vstack([vectors[t] if t else np.zeros(dim, np.float32)
                   for t in examples["question_clean"]])
    themes = ThemeClassifier(theme_ids, settings["regularisation"], settings["random_state"],
                             settings["cv_folds"])
    themes.fit(texts, x, q, examples["theme_list"].tolist())
    LOG.info("theme thresholds (cross-validated): %s", themes.thresholds_)
    LOG.info("theme CV F1 on examples: %s", {k: round(v, 3) for k, v in themes.cv_f1_.items()})
    labelled = examples[examples["stage"] != ""]
    answer = StageScorer(codebook["stages"], random_state=settings["random_state"]).fit(
        labelled["text_clean"].tolist(), stack(labelled["text_clean"].tolist(), vectors),
        labelled["stage"].tolist())
    asked = labelled[labelled["question_clean"] != ""][["question_clean", "stage"]]
    guide = load_stage_questions(config["stages"]["questions"],
                                 [s["id"] for s in codebook["stages"]])
    asked = pd.concat([asked, guide[["question_clean", "stage"]]], ignore_index=True)
    question = StageScorer(codebook["stages"], random_state=settings["random_state"]).fit(
        asked["question_clean"].tolist(), stack(asked["question_clean"].tolist(), vectors),
        asked["stage"].tolist())
    protos = {p: stack(t, vectors) for p, t in prototype_texts().items() if t}
    sentiment = SentimentModel(config["sentiment"]["prototype_scale"],
                               config["sentiment"]["ridge_alpha"], settings["random_state"],
                               settings["cv_folds"]).fit(
        protos, x, examples["sentiment"].to_numpy(dtype=float), texts)
    return StudyModels(themes, answer, question, sentiment, len(examples))
