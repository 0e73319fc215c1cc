"""The labelled example utterances a study ships with its codebook.

A folder of TSV files with columns ``text``, ``themes`` (``;``-separated), ``sentiment``
(-2..2), ``stage`` and ``question``. They train the theme, stage and sentiment models; they are
written by the team for the codebook, never taken from the transcripts they are scored on.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd

from jejak.deidentify import deidentify_text
from jejak.resources import resolve_path
from jejak.segment import normalise

EXAMPLE_COLUMNS = ["text", "themes", "sentiment", "stage", "question"]


class ExamplesError(ValueError):
    pass


def load_examples(spec: str, theme_ids: list[str], stage_ids: list[str],
                  base: Path | None = None) -> pd.DataFrame:
    """All example files of the folder, validated, with ``text_clean`` and ``question_clean``."""
    folder = resolve_path(spec, base)
    files = sorted(folder.glob("*.tsv")) if folder.is_dir() else [folder]
    if not files or not files[0].exists():
        raise ExamplesError(f"{folder}: no example files (*.tsv). How to fix: point "
                            "themes.examples in config at a folder of labelled examples.")
    frames = []
    for path in files:
        with path.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))
        for number, row in enumerate(rows, start=2):
            _check_row(row, path, number, set(theme_ids), set(stage_ids))
        frame = pd.DataFrame(rows, columns=EXAMPLE_COLUMNS).fillna("")
        frame["source"] = path.name
        frames.append(frame)
    examples = pd.concat(frames, ignore_index=True)
    examples["text"] = examples["text"].str.strip()
    examples = examples[examples["text"] != ""].drop_duplicates("text").reset_index(drop=True)
    examples["sentiment"] = examples["sentiment"].astype(float)
    # De-identified like the transcripts, so that no fitted vocabulary carries a name.
    examples["text_clean"] = [clean(t) for t in examples["text"]]
    examples["question_clean"] = [clean(q) if q else "" for q in examples["question"]]
    examples["theme_list"] = [
        [t for t in str(v).split(";") if t.strip()] for v in examples["themes"]
    ]
    return examples


def _check_row(row: dict, path: Path, line: int, themes: set[str], stages: set[str]) -> None:
    for theme in filter(None, (t.strip() for t in (row.get("themes") or "").split(";"))):
        if theme not in themes:
            raise ExamplesError(f"{path}, line {line}: unknown theme '{theme}'. How to fix: "
                                "use an id of codebook.themes in config.")
    stage = (row.get("stage") or "").strip()
    if stage and stage not in stages | {"none"}:
        raise ExamplesError(f"{path}, line {line}: unknown stage '{stage}'.")
    try:
        float(row.get("sentiment") or 0)
    except ValueError:
        raise ExamplesError(f"{path}, line {line}: sentiment must be a number from -2 to "
                            "2.") from None


def load_stage_questions(spec: str, stage_ids: list[str], base: Path | None = None) -> pd.DataFrame:
    """Interviewer questions labelled with the stage they open (``question``, ``stage``)."""
    path = resolve_path(spec, base)
    if not path.exists():
        raise ExamplesError(f"{path}: no interview-guide questions. How to fix: point "
                            "stages.questions in config at a TSV with question and stage.")
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))
    for number, row in enumerate(rows, start=2):
        if row.get("stage", "").strip() not in set(stage_ids) | {"none"}:
            raise ExamplesError(f"{path}, line {number}: unknown stage '{row.get('stage')}'.")
    frame = pd.DataFrame(rows, columns=["question", "stage"])
    frame["question_clean"] = [clean(q) for q in frame["question"]]
    return frame[frame["question_clean"] != ""].reset_index(drop=True)


def clean(text: str) -> str:
    """An example's ``text_clean``: de-identified, then normalised as utterances are."""
    return normalise(deidentify_text(text))
