"""The labelled example utterances a study ships with its codebook.

A folder of TSV files with columns ``text``, ``themes`` (``;``-separated), ``sentiment``
(-2..2), ``stage`` and ``question``. They train the theme, stage and sentiment models; they are
written by the team for the codebook, never taken from the transcripts they are scored on.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from jejak.deidentify import deidentify_source, deidentify_text
from jejak.ingest import find_sources, read_source
from jejak.resources import resolve_path
from jejak.segment import make_nlp, normalise, segment_turns

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


CODING_COLUMNS = ["turn_index", "speaker", "stage", "themes", "sentiment"]
TRAINING_PRIVACY = {"names": [], "persona_keep": [], "age_bands": [0]}


@dataclass(frozen=True)
class CodedInterviews:
    """Interviews a coder coded turn by turn (``transcripts/`` and ``coding/`` of a folder):
    de-identified turns, their informant utterances, and the coding of every turn."""

    turns: pd.DataFrame
    utterances: pd.DataFrame
    coding: pd.DataFrame

    @property
    def transcript_ids(self) -> list[str]:
        return sorted(self.coding["transcript_id"].unique())


def load_coded_interviews(spec: str, theme_ids: list[str], stage_ids: list[str],
                          base: Path | None = None) -> CodedInterviews:
    """Read, de-identify and segment every coded interview of the folder; check its coding."""
    folder = resolve_path(spec, base)
    sources = find_sources(folder / "transcripts") if (folder / "transcripts").is_dir() else {}
    if not sources:
        raise ExamplesError(f"{folder}: no coded interviews (transcripts/ with coding/ beside "
                            "it). How to fix: point the config key at such a folder, or '' for "
                            "none.")
    turns, codings = [], []
    for tid, path in sorted(sources.items()):
        source = read_source(path)
        masked, _, _ = deidentify_source(source.turns, source.personas, TRAINING_PRIVACY)
        coding = _read_coding(folder / "coding" / f"{tid}.csv", masked, set(theme_ids),
                              set(stage_ids) | {"none"})
        turns.append(masked)
        codings.append(coding.assign(transcript_id=tid))
    turns_frame = pd.concat(turns, ignore_index=True)
    utterances = segment_turns(turns_frame, make_nlp())
    return CodedInterviews(turns_frame, utterances, pd.concat(codings, ignore_index=True))


def _read_coding(path: Path, turns: pd.DataFrame, themes: set[str],
                 stages: set[str]) -> pd.DataFrame:
    if not path.exists():
        raise ExamplesError(f"{path}: missing. How to fix: code every turn of the transcript "
                            f"({', '.join(CODING_COLUMNS)}).")
    coding = pd.read_csv(path, dtype=str, keep_default_na=False)
    if list(coding.columns) != CODING_COLUMNS or len(coding) != len(turns):
        raise ExamplesError(f"{path}: expected the columns {', '.join(CODING_COLUMNS)} and one "
                            f"row per turn ({len(turns)}), found {len(coding)} rows. How to "
                            "fix: run tools/check_coded_interview.py.")
    for line, row in enumerate(coding.itertuples(index=False), start=2):
        unknown = {t for t in row.themes.split(";") if t} - themes
        if row.stage not in stages or unknown:
            raise ExamplesError(f"{path}, line {line}: unknown stage or themes "
                                f"({row.stage}; {sorted(unknown)}).")
    coding["turn_index"] = coding["turn_index"].astype(int)
    coding["theme_list"] = [[t for t in v.split(";") if t] for v in coding["themes"]]
    coding["sentiment"] = pd.to_numeric(coding["sentiment"], errors="coerce").fillna(0.0)
    return coding


def clean(text: str) -> str:
    """An example's ``text_clean``: de-identified, then normalised as utterances are."""
    return normalise(deidentify_text(text))
