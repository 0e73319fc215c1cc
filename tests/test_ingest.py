"""Ingest: every format and encoding gives the same turns; personas, labels, notes."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pandas as pd
import pytest

from jejak.ingest import InputError, read_source
from jejak.segment import normalise

from .conftest import ROOT

FIXTURE = ROOT / "tests" / "fixtures" / "sample_interview.txt"


def _build_demo():
    spec = importlib.util.spec_from_file_location("build_demo", ROOT / "tools" / "build_demo.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def canonical():
    return read_source(FIXTURE)


def _variants(tmp_path: Path) -> dict[str, Path]:
    demo = _build_demo()
    persona, turns = demo.parse_draft(FIXTURE)
    text = demo.canonical(persona, turns)
    paths = {
        "timestamps": tmp_path / "T01a.txt", "custom_speakers": tmp_path / "T01b.txt",
        "bom_crlf": tmp_path / "T01c.txt", "utf16": tmp_path / "T01d.txt",
        "latin1": tmp_path / "T01e.txt", "markdown": tmp_path / "T01f.md",
        "docx": tmp_path / "T01g.docx", "vtt": tmp_path / "T01h.vtt", "srt": tmp_path / "T01i.srt",
    }
    paths["timestamps"].write_text(demo.with_timestamps(persona, turns), encoding="utf-8")
    paths["custom_speakers"].write_text(demo.with_custom_speakers(persona, turns),
                                        encoding="utf-8")
    paths["bom_crlf"].write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode())
    paths["utf16"].write_bytes(text.encode("utf-16"))
    paths["latin1"].write_bytes(text.encode("latin-1"))
    paths["markdown"].write_text(text, encoding="utf-8")
    demo.to_docx(persona, turns, paths["docx"])
    paths["vtt"].write_text(demo.to_vtt(turns), encoding="utf-8")
    paths["srt"].write_text(demo.to_srt(turns), encoding="utf-8")
    for key in ("vtt", "srt"):
        paths[key].with_name(paths[key].stem + ".meta.yaml").write_text(
            "age: 38\ngender: perempuan\ninterview_date: 2025-07-01\n", encoding="utf-8")
    return paths


def test_every_format_gives_the_same_turns(tmp_path, canonical):
    expected = canonical.turns[["turn_index", "role", "text"]]
    for kind, path in _variants(tmp_path).items():
        source = read_source(path)
        got = source.turns[["turn_index", "role", "text"]]
        pd.testing.assert_frame_equal(got.reset_index(drop=True), expected, obj=kind)
        persona = source.personas[path.stem]
        assert str(persona["age"]) == "38", kind
        assert persona["interview_date"] == "2025-07-01", kind


def test_turn_indices_count_every_turn(canonical):
    turns = canonical.turns
    assert turns["turn_index"].tolist() == list(range(12))
    assert turns["role"].tolist() == ["interviewer", "informant"] * 6
    assert turns.loc[0, "line"] == 10  # first line after the front matter
    assert canonical.personas["sample_interview"]["name"] == "Rahmawati Siregar"


def test_continuation_lines_and_timestamps(tmp_path):
    path = tmp_path / "X1.txt"
    path.write_text("[00:00:01] P: Dari mana tahunya?\n00:00:05 R: Dari loket,\n"
                    "terus disuruh download.\n", encoding="utf-8")
    turns = read_source(path).turns
    assert turns["text"].tolist() == ["Dari mana tahunya?", "Dari loket, terus disuruh download."]
    assert turns["timestamp"].tolist() == ["00:00:01", "00:00:05"]


def test_notes_are_not_speech():
    assert normalise("Boleh, Mas. (tertawa) Silakan [jeda] aja.") == "boleh, mas. silakan saja."
    assert normalise("Saya [tidak jelas] ke [NAMA] (batuk)") == "saya ke [NAMA]"


def test_table_rows_form_transcripts(tmp_path):
    path = tmp_path / "survey.csv"
    path.write_text('transcript_id,stage,text,score\nA,usage,"Kuota penuh, kesel.",1\n'
                    "B,usage,Mantap,5\nA,post_usage,Tetap pakai,4\n", encoding="utf-8")
    source = read_source(path)
    turns = source.turns
    assert turns["transcript_id"].tolist() == ["A", "B", "A"]
    assert turns["turn_index"].tolist() == [0, 0, 1]
    assert turns["meta_score"].tolist() == ["1", "5", "4"]
    assert set(turns["role"]) == {"informant"}
    assert sorted(source.personas) == ["A", "B"]


def test_vtt_voice_tags_join_split_cues(tmp_path):
    path = tmp_path / "V1.vtt"
    path.write_text("WEBVTT\n\n00:00:01.000 --> 00:00:03.000\n<v Pewawancara>Bagaimana\n\n"
                    "00:00:03.100 --> 00:00:04.000\n<v Pewawancara>daftarnya, Bu?\n\n"
                    "00:00:04.100 --> 00:00:06.000\n<v Informan>OTP-nya gak\n\n"
                    "00:00:06.100 --> 00:00:07.000\n<v Informan>masuk-masuk.\n", encoding="utf-8")
    turns = read_source(path).turns
    assert turns["text"].tolist() == ["Bagaimana daftarnya, Bu?", "OTP-nya gak masuk-masuk."]
    assert turns["line"].tolist() == [4, 10]


def test_unknown_label_message_names_file_line_and_fix(tmp_path):
    path = tmp_path / "X2.txt"
    path.write_text("Pewawancara: Halo?\nDokter: Halo juga.\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_source(path)
    message = str(err.value)
    assert "X2.txt, line 2" in message
    assert "Dokter" in message
    assert "speakers:" in message
