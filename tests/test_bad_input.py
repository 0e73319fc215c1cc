"""Every bad-input example of inputs.md stops a real Snakemake run with a message naming the
file, the line where one applies, what was expected and how to fix it; results/ is untouched."""

from __future__ import annotations

import shutil

import pytest

from .conftest import ROOT, make_project, run_workflow, snapshot

GOOD = ROOT / "tests" / "fixtures" / "sample_interview.txt"

CASES = {
    "empty_file": ("empty.txt", b"", None, "empty"),
    "binary_file": ("scan.txt", bytes(range(256)) * 20, None, "binary"),
    "unknown_speaker": ("label.txt", b"Pewawancara: Halo?\nInforman: Halo.\nDokter: Iya.\n"
, 3, "unknown speaker label 'Dokter'"),
    "turn_before_speaker": ("nolabel.txt", b"tadi saya bilang gitu\nInforman: Iya.\n", 1,
                            "text before any speaker"),
    "broken_front_matter": ("front.txt", b"---\nage: 34\ngender: [perempuan\n---\n"
                            b"Informan: Halo.\n", None, "not valid YAML"),
    "vtt_impossible_timings": ("cues.vtt", b"WEBVTT\n\n00:00:05.000 --> 00:00:02.000\n"
                               b"<v Informan>Halo.\n", 3, "ends before it starts"),
    "csv_without_text": ("survey.csv", b"id,jawaban\n1,bagus\n", 1,
                         "no 'text' column"),
    "no_informant_speech": ("quiet.txt", b"Pewawancara: Halo?\nPewawancara: Ada orang?\n"
, None, "no informant speech"),
    "only_transcriber_notes": ("notes.txt", b"Pewawancara: Halo?\nInforman: (tertawa)\n"
                               b"Pewawancara: Bagaimana?\nInforman: [tidak jelas]\n", 2,
                               "only transcriber's notes"),
}


@pytest.fixture
def study(tmp_path):
    project = make_project(tmp_path)
    shutil.copy(GOOD, project / "transcripts" / "R01.txt")
    results = project / "results"
    results.mkdir()
    (results / "journey_map.tsv").write_text("stage\tn_utterances\nusage\t3\n", encoding="utf-8")
    return project


def _assert_stopped(project, before, fragments):
    run = run_workflow(project, timeout=300)
    output = run.stdout + run.stderr
    assert run.returncode != 0, output
    for fragment in fragments:
        assert fragment in output, (fragment, output[-3000:])
    assert "How to fix" in output
    assert snapshot(project / "results") == before
    return output


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_stops_the_run(study, case):
    name, content, line, problem = CASES[case]
    (study / "transcripts" / name).write_bytes(content)
    before = snapshot(study / "results")
    where = f"{name}, line {line}" if line else name
    _assert_stopped(study, before, [where, problem])


def test_duplicate_transcript_ids_name_both_files(study):
    shutil.copy(GOOD, study / "transcripts" / "R01.md")
    before = snapshot(study / "results")
    _assert_stopped(study, before, ["R01.md", "R01.txt", "unique"])


def test_table_transcript_id_clashing_with_a_file_id(study):
    (study / "transcripts" / "survey.csv").write_bytes(
        b"transcript_id,text\nS01,Bagus aplikasinya\nR01,Antrean online memudahkan\n")
    before = snapshot(study / "results")
    _assert_stopped(study, before, ["survey.csv", "R01", "also occurs in", "unique"])
