"""Check a coded interview (transcript + coding CSV) before it joins training or calibration.

    python tools/check_coded_interview.py TRANSCRIPTS_DIR CODING_DIR

Every transcript must parse, and its coding must have one row per turn with the right speaker,
a codebook stage, codebook themes and an integer sentiment in -2..2 on informant turns.
"""

import sys
from pathlib import Path

import pandas as pd
import yaml

from jejak.ingest import find_sources, read_source


def problems(transcript: Path, coding: Path, stages: set[str], themes: set[str]) -> list[str]:
    turns = read_source(transcript).turns
    if not coding.exists():
        return [f"{coding}: missing"]
    gold = pd.read_csv(coding, dtype=str, keep_default_na=False)
    found = []
    if list(gold.columns) != ["turn_index", "speaker", "stage", "themes", "sentiment"]:
        return [f"{coding}: header must be turn_index,speaker,stage,themes,sentiment"]
    if len(gold) != len(turns):
        found.append(f"{coding}: {len(gold)} rows but the transcript has {len(turns)} turns")
    for (_, turn), (line, row) in zip(turns.iterrows(), gold.iterrows(), strict=False):
        where = f"{coding}:{line + 2}"
        if int(row["turn_index"]) != int(turn["turn_index"]):
            found.append(f"{where}: turn_index {row['turn_index']} != {turn['turn_index']}")
        if row["speaker"] != turn["role"]:
            found.append(f"{where}: speaker {row['speaker']} but the turn is {turn['role']}")
        if row["stage"] not in stages:
            found.append(f"{where}: unknown stage {row['stage']!r}")
        unknown = {t for t in row["themes"].split(";") if t} - themes
        if unknown:
            found.append(f"{where}: unknown themes {sorted(unknown)}")
        if turn["role"] == "informant":
            if row["sentiment"] not in {"-2", "-1", "0", "1", "2"}:
                found.append(f"{where}: informant sentiment must be -2..2")
        elif row["sentiment"] or row["themes"]:
            found.append(f"{where}: interviewer turns carry no themes or sentiment")
    return found


def main(transcripts: str, codings: str) -> int:
    config = Path(__file__).resolve().parents[1] / "config" / "config.yaml"
    codebook = yaml.safe_load(config.read_text(encoding="utf-8"))["codebook"]
    stages = {s["id"] for s in codebook["stages"]} | {"none"}
    themes = {t["id"] for t in codebook["themes"]}
    found = []
    for tid, path in sorted(find_sources(transcripts).items()):
        found += problems(path, Path(codings) / f"{tid}.csv", stages, themes)
    print("\n".join(found) if found else "ok")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
