"""The pure helpers of ``make bench`` (no workflow runs, no timings)."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest

from benchmarks.bench import (
    KEY,
    Row,
    describe_jobs,
    embedded_texts,
    markdown_table,
    nothing_to_do,
    parse_embed_log,
    parse_jobs,
    piece_size,
    read_benchmarks,
    rule_counts,
    scaling,
    strip_suffix,
    synthetic_corpus,
    synthetic_vectors,
)

SNAKEMAKE_LOG = """\
Building DAG of jobs...
Job stats:
job        count
-------  -------
embed          1
themes         1
total          2

[Thu Nov 26 09:15:17 2026]
rule ingest:
    input: resources/digests/N01.sha256
    output: resources/private/N01.turns.tsv, resources/private/N01.personas.json
    log: logs/ingest/N01.log
    jobid: 7
    reason: Missing output files: resources/private/N01.turns.tsv
    wildcards: source=N01
    resources: tmpdir=/tmp
[Thu Nov 26 09:15:18 2026]
Finished jobid: 7 (Rule: ingest)
[Thu Nov 26 09:15:18 2026]
rule embed_examples:
    output: results/interim/models/example_vectors.npz
    jobid: 3
[Thu Nov 26 09:15:19 2026]
rule embed:
    input: results/interim/utterances/N01.tsv
    wildcards: source=N01
[Thu Nov 26 09:15:20 2026]
rule themes:
    input: results/interim/stages.tsv
    jobid: 2
[Thu Nov 26 09:15:21 2026]
localrule all:
    input: results/utterances.tsv
    jobid: 0
"""


def test_parse_jobs_reads_rules_and_wildcards():
    jobs = parse_jobs(SNAKEMAKE_LOG)
    assert [rule for rule, _ in jobs] == ["ingest", "embed_examples", "embed", "themes", "all"]
    assert jobs[0][1] == {"source": "N01"}
    assert jobs[1][1] == {}
    assert rule_counts(jobs) == {"ingest": 1, "embed_examples": 1, "embed": 1, "themes": 1,
                                 "all": 1}
    per_file, batch = describe_jobs(jobs)
    assert per_file == "ingest[N01], embed[N01]"
    assert batch == "embed_examples, themes"
    assert not nothing_to_do(SNAKEMAKE_LOG)


def test_nothing_to_do():
    assert nothing_to_do("Building DAG of jobs...\nNothing to be done (all requested files are "
                         "present and up to date).\n")
    assert nothing_to_do("Building DAG of jobs...\n")
    assert parse_jobs("wildcards: source=X\n") == []


def test_embed_logs_of_one_run_only(tmp_path):
    assert parse_embed_log("x INFO embedded 12 new texts, 3 from cache (15 distinct, model m)") \
        == (12, 3)
    assert parse_embed_log("nothing here") == (0, 0)
    logs = tmp_path / "logs" / "embed"
    logs.mkdir(parents=True)
    (logs / "A.log").write_text("INFO embedded 5 new texts, 1 from cache (6 distinct)\n")
    (logs / "B.log").write_text("INFO embedded 7 new texts, 0 from cache (7 distinct)\n")
    (tmp_path / "logs" / "embed_examples.log").write_text("INFO example vectors: 40 texts\n")
    os.utime(logs / "A.log", (1_000, 1_000))  # written by an earlier run
    counts = embedded_texts(tmp_path, since=2_000)
    assert counts == {"file_jobs": 1, "file_new": 7, "file_cached": 0, "examples": 40}


def base_utterances() -> pd.DataFrame:
    rows = []
    for tid, turns in (("D01", 6), ("D02", 4)):
        for turn in range(1, turns + 1):
            for utt in range(3 if turn % 2 else 2):
                rows.append({"transcript_id": tid, "turn_index": turn, "utterance_index": utt,
                             "text": f"Kalimat {tid} {turn} {utt}.",
                             "text_clean": f"kalimat {tid.lower()} {turn} {utt}.",
                             "question": "" if turn == 1 else f"pertanyaan {turn}?"})
    return pd.DataFrame(rows)


def test_synthetic_corpus_keeps_turns_and_makes_copies_distinct():
    base = base_utterances()
    corpus = synthetic_corpus(base, n_utterances=200, n_transcripts=20)
    assert len(corpus) == 200
    assert not corpus.duplicated(KEY).any()
    assert corpus["transcript_id"].str.fullmatch(r"S\d{5}").all()
    assert 15 <= corpus["transcript_id"].nunique() <= 40
    # Every synthetic transcript is whole turns of one base transcript (the last may be cut).
    sizes = base.groupby(["transcript_id", "turn_index"]).size()
    last = corpus["transcript_id"].max()
    for tid, group in corpus.groupby("transcript_id"):
        assert len({t.rsplit(" (v", 1)[1] for t in group["text"]}) == 1  # one copy
        sources = {strip_suffix(t).split()[1] for t in group["text"]}
        assert len(sources) == 1  # one base transcript
        source = sources.pop()
        if tid != last:
            for turn, rows in group.groupby("turn_index"):
                assert len(rows) == sizes[(source, turn)]
    # The same base sentence in two copies is two distinct texts; empty questions stay empty.
    first = corpus[corpus["text"].map(strip_suffix) == "Kalimat D01 1 0."]
    assert first["text_clean"].nunique() == len(first) > 1
    assert (corpus.loc[corpus["turn_index"] == 1, "question"] == "").all()
    asked = corpus.loc[corpus["turn_index"] == 2, "question"]
    assert asked.str.match(r"pertanyaan 2\? \(v\d+\)$").all()
    assert synthetic_corpus(base, 200, 20).equals(corpus)  # deterministic


def test_synthetic_corpus_of_nothing():
    assert synthetic_corpus(base_utterances(), 0).empty


def test_synthetic_vectors_are_unit_seeded_and_similar_for_similar_texts():
    texts = ["otp tidak masuk-masuk (v1)", "otp tidak masuk-masuk (v2)",
             "kuota poli mata penuh terus (v1)"]
    vectors = synthetic_vectors(texts, dim=32, n_features=2**10)
    assert vectors.shape == (3, 32)
    assert vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert np.array_equal(vectors, synthetic_vectors(texts, dim=32, n_features=2**10))
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]
    base = np.eye(3, 32, dtype=np.float32)
    around = synthetic_vectors(texts, dim=32, n_features=2**10, base=base, weight=0.2)
    assert np.allclose(np.linalg.norm(around, axis=1), 1.0, atol=1e-5)
    assert (np.sum(around * base, axis=1) > 0.9).all()


def test_strip_suffix():
    assert strip_suffix("iya bu (v12)") == "iya bu"
    assert strip_suffix("iya (v12) bu") == "iya (v12) bu"


def test_read_benchmarks(tmp_path):
    header = "s\th:m:s\tmax_rss\tmax_vms\tmax_uss\tmax_pss\tio_in\tio_out\tmean_load\tcpu_time\n"
    (tmp_path / "logs" / "benchmarks" / "embed").mkdir(parents=True)
    (tmp_path / "logs" / "benchmarks" / "embed" / "D01.tsv").write_text(
        header + "6.5\t0:00:06\t140.1\t1\t1\t1\t0\t0\t50\t4.8\n")
    (tmp_path / "logs" / "benchmarks" / "train.tsv").write_text(
        header + "64.7\t0:01:04\t606.5\t1\t1\t1\t0\t0\t50\tNA\n")
    table = read_benchmarks(tmp_path)
    assert table["rule"].tolist() == ["train", "embed"]
    assert table["source"].tolist() == ["", "D01"]
    assert table["s"].tolist() == [pytest.approx(64.7), pytest.approx(6.5)]
    assert np.isnan(table["cpu_time_s"].iloc[0])


def test_markdown_table():
    frame = pd.DataFrame([Row("1", "a | b", 1234.56, ratio=1.0).__dict__])
    text = markdown_table(frame, {"case": "Case", "what": "What", "wall_s": "Wall (s)",
                                  "ratio": "Ratio"}, {"ratio": 3})
    lines = text.splitlines()
    assert lines[0] == "| Case | What | Wall (s) | Ratio |"
    assert lines[1] == "|---|---|---:|---:|"
    assert lines[2] == "| 1 | a \\| b | 1,234.6 | 1.000 |"


def test_piece_size_aims_at_the_number_of_pieces():
    sizes = np.array([100, 100, 10, 10])
    assert np.maximum(1, np.round(sizes / piece_size(sizes, 4))).sum() == 4
    assert np.maximum(1, np.round(sizes / piece_size(sizes, 6))).sum() == 6
    assert np.maximum(1, np.round(sizes / piece_size(sizes, 2))).sum() == 4  # never below one


def test_scaling_exponent():
    exponent, rows, seconds = scaling({"1000": 1.0, "2000": 4.0, "500": 0.3})
    assert exponent == pytest.approx(2.0)
    assert (rows, seconds) == (2000.0, 4.0)
    assert np.isnan(scaling({"1000": 1.0})[0])
