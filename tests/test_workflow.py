"""The whole workflow for real: outputs per outputs.md, privacy, determinism, incremental runs."""

from __future__ import annotations

import os
import re
import shutil
import uuid
from pathlib import Path

import pandas as pd
import pytest

from .conftest import ROOT, make_project, run_workflow

pytestmark = pytest.mark.slow

UTTERANCE_COLUMNS = ["transcript_id", "turn_index", "utterance_index", "text", "text_clean",
                     "stage", "theme_id", "theme_score", "sentiment", "sentiment_label"]
THEME_COLUMNS = ["theme_id", "label", "kind", "keywords", "n_utterances", "n_informants",
                 "mean_sentiment", "exemplars"]
JOURNEY_COLUMNS = ["stage", "n_utterances", "n_informants", "emotion", "emotion_low",
                   "emotion_high", "expectations", "activities", "touchpoints", "channels",
                   "pain_points", "highlights", "quotes", "improvement_ideas"]
STAGES = ["awareness", "research", "registration", "usage", "post_usage"]


def read(project, name):
    return pd.read_csv(project / "results" / name, sep="\t", dtype=str, keep_default_na=False)


def test_outputs_follow_the_contract(demo_run):
    utterances = read(demo_run, "utterances.tsv")
    assert UTTERANCE_COLUMNS == [c for c in utterances.columns if c in UTTERANCE_COLUMNS]
    keys = utterances[["transcript_id", "turn_index", "utterance_index"]].copy()
    keys[["turn_index", "utterance_index"]] = keys[["turn_index", "utterance_index"]].astype(int)
    assert keys.equals(keys.sort_values(list(keys.columns)).reset_index(drop=True))
    assert set(utterances["stage"]) <= {*STAGES, "none"}
    assert utterances["sentiment"].astype(float).between(-1, 1).all()
    assert set(utterances["sentiment_label"]) <= {"neg", "neu", "pos"}
    # one transcript per input file plus one per survey respondent, all present
    assert {f"D{i:02d}" for i in range(1, 11)} | {f"SV{i:02d}" for i in range(1, 13)} \
        <= set(utterances["transcript_id"])
    themes = read(demo_run, "themes.tsv")
    assert all(c in themes.columns for c in THEME_COLUMNS)
    seed = themes[themes["kind"] == "seed"]
    assert len(seed) == 14
    assert (seed["n_utterances"].astype(int) > 0).all()
    assert themes["exemplars"].str.contains(r'^D\d\d:\d+ "|^SV\d\d:\d+ "').all()
    journey = read(demo_run, "journey_map.tsv")
    assert journey["stage"].tolist() == STAGES
    assert all(c in journey.columns for c in JOURNEY_COLUMNS)
    assert (journey["emotion_low"].astype(float) <= journey["emotion"].astype(float)).all()


def test_emotion_curve_follows_the_speech(demo_run):
    journey = read(demo_run, "journey_map.tsv").set_index("stage")
    emotion = journey["emotion"].astype(float)
    assert emotion.idxmin() == "usage"
    assert emotion["awareness"] > emotion["usage"]
    assert emotion["post_usage"] > emotion["usage"]


def test_no_planted_identifier_reaches_results_or_logs(demo_run):
    planted = pd.concat([pd.read_csv(p, sep="\t", dtype=str, keep_default_na=False)
                         for p in sorted((ROOT / "gold" / "planted").glob("*.tsv"))])
    values = sorted({v.strip() for v in planted["value"] if len(v.strip()) >= 3})
    assert len(values) > 80
    leaks = []
    for folder in ("results", "logs"):
        for path in sorted((demo_run / folder).rglob("*")):
            if path.is_file() and path.suffix not in {".npz", ".pkl"}:
                body = path.read_text(encoding="utf-8", errors="ignore")
                leaks += [f"{path.name}: {v}" for v in values
                          if re.search(rf"(?<!\w){re.escape(v)}(?!\w)", body, re.IGNORECASE)]
    assert leaks == []


def test_lookalikes_survive(demo_run):
    missing = []
    for path in sorted((ROOT / "gold" / "lookalikes").glob("*.tsv")):
        table = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
        turns = (demo_run / "results" / "interim" / "turns" / f"{path.stem}.tsv").read_text(
            encoding="utf-8")
        missing += [f"{path.stem}: {v}" for v in table["value"] if v not in turns]
    assert missing == []


def fresh_caches(project: Path, folder: Path) -> None:
    config = project / "config" / "config.yaml"
    config.write_text(config.read_text()
                      .replace(str(ROOT / "resources" / "embedding_cache"), str(folder / "vectors"))
                      .replace(str(ROOT / "resources" / "model_cache"), str(folder / "models")))


def test_same_bytes_with_one_core_and_an_empty_cache(demo_run, tmp_path):
    project = make_project(tmp_path / "first", ROOT / "transcripts", gold=True)
    fresh_caches(project, tmp_path / "cache")
    run = run_workflow(project, cores=1)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "trained on" in (project / "logs" / "train.log").read_text()
    for name in ("utterances.tsv", "themes.tsv", "journey_map.tsv", "journey_by_informant.tsv",
                 "agreement.tsv", "theme_by_informant.tsv", "report.html", "jejak.qdpx",
                 "journey_map.xlsx"):
        assert (project / "results" / name).read_bytes() == \
            (demo_run / "results" / name).read_bytes(), name
    # Another batch with the same code, settings and material fits nothing again.
    other = make_project(tmp_path / "other", None)
    shutil.copy(ROOT / "transcripts" / "D03.txt", other / "transcripts" / "D03.txt")
    fresh_caches(other, tmp_path / "cache")
    assert run_workflow(other).returncode == 0
    assert "models from the cache" in (other / "logs" / "train.log").read_text()


def test_new_transcript_embeds_only_itself_and_thresholds_embed_nothing(tmp_path):
    project = make_project(tmp_path, None)
    for name in ("D01.txt", "D09.md"):
        shutil.copy(ROOT / "transcripts" / name, project / "transcripts" / name)
    assert run_workflow(project).returncode == 0
    # The cache is shared between tests: a sentence unique to this run is surely new.
    fixture = (ROOT / "tests" / "fixtures" / "sample_interview.txt").read_text(encoding="utf-8")
    unique = f"Saya catat kodenya {uuid.uuid4().hex} di buku."
    (project / "transcripts" / "N01.txt").write_text(
        fixture + f"Pewawancara: Ada lagi, Bu?\nInforman: {unique}\n", encoding="utf-8")
    added = run_workflow(project)
    assert added.returncode == 0, added.stderr[-3000:]
    embedded = re.findall(r"rule embed:.*?wildcards: source=(\w+)", added.stderr, re.S)
    assert embedded == ["N01"]
    log = (project / "logs" / "embed" / "N01.log").read_text()
    new, cached, distinct = map(int, re.search(
        r"embedded (\d+) new texts, (\d+) from cache \((\d+) distinct", log).groups())
    utterances = pd.read_csv(project / "results" / "interim" / "utterances" / "N01.tsv",
                             sep="\t", keep_default_na=False)
    texts = set(utterances["text_clean"]) | (set(utterances["question"]) - {""})
    assert new >= 1
    assert new + cached == distinct == len(texts)
    # A newer modification time with the same content recomputes nothing.
    later = (project / "transcripts" / "D01.txt").stat().st_mtime + 3600
    os.utime(project / "transcripts" / "D01.txt", (later, later))
    touched = run_workflow(project)  # the same command line as before
    assert touched.returncode == 0
    assert "Nothing to be done" in touched.stdout + touched.stderr
    config = project / "config" / "config.yaml"
    config.write_text(config.read_text().replace("threshold_overrides: {}",
                                                 "threshold_overrides: {queue_booking: 0.9}"))
    changed = run_workflow(project)
    assert changed.returncode == 0
    assert "rule embed" not in changed.stderr
    assert "rule train" not in changed.stderr
    assert "rule themes" in changed.stderr
