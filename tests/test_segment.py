"""Segmentation with real spaCy and the rules spoken Indonesian needs; normalisation."""

from __future__ import annotations

import pandas as pd
import pytest

from jejak.segment import make_nlp, normalise, segment_turns, split_sentences


@pytest.fixture(scope="module")
def nlp():
    return make_nlp()


@pytest.mark.parametrize(("text", "expected"), [
    ("Saya ke dr. Yusuf kemarin. Terus pulang.", ["Saya ke dr. Yusuf kemarin.", "Terus pulang."]),
    ("Kata Bpk. Rahmat gitu. Saya ikut aja.", ["Kata Bpk. Rahmat gitu.", "Saya ikut aja."]),
    ("Rumah di Jl. Mawar, dekat pasar. Jauh sih.", ["Rumah di Jl. Mawar, dekat pasar.",
                                                     "Jauh sih."]),
    ("Bawa KTP, KK, dll. ke loket. Habis itu antre.", ["Bawa KTP, KK, dll. ke loket.",
                                                       "Habis itu antre."]),
    ("Jam 09.30 sudah penuh. Saya pulang.", ["Jam 09.30 sudah penuh.", "Saya pulang."]),
    ("Hmm, kapan ya... kayaknya 2023. Iya.", ["Hmm, kapan ya... kayaknya 2023.", "Iya."]),
    ("Saya nunggu... Terus dipanggil.", ["Saya nunggu...", "Terus dipanggil."]),
    ('Dia bilang, "Bu, daftar dari HP aja. Gak usah antre." Saya seneng.',
     ['Dia bilang, "Bu, daftar dari HP aja. Gak usah antre."', "Saya seneng."]),
    ("Bayar Rp. 35.000 di kasir. Murah.", ["Bayar Rp. 35.000 di kasir.", "Murah."]),
])
def test_sentence_rules(nlp, text, expected):
    assert split_sentences(text, nlp) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("Gak bisa, udah dicoba!", "tidak bisa, sudah dicoba!"),
    ("nggak ngerti yg mana", "tidak mengerti yang mana"),
    ("Ga jelas bangettt, seneeeng sih", "tidak jelas sekali, senang sih"),
    ("Telepon [NAMA] ya (tertawa)", "telepon [NAMA] ya"),
])
def test_normalise(text, expected):
    assert normalise(text) == expected


def test_segment_turns_keeps_indices_and_question(nlp):
    turns = pd.DataFrame([
        {"transcript_id": "A", "turn_index": 0, "role": "interviewer",
         "text": "Gimana daftarnya, Bu?", "line": 1, "timestamp": ""},
        {"transcript_id": "A", "turn_index": 1, "role": "informant",
         "text": "Susah, Mas. OTP-nya gak masuk. (tertawa)", "line": 2, "timestamp": ""},
        {"transcript_id": "A", "turn_index": 2, "role": "interviewer", "text": "Terus?",
         "line": 3, "timestamp": ""},
        {"transcript_id": "A", "turn_index": 3, "role": "informant", "text": "(tertawa)",
         "line": 4, "timestamp": ""},
    ])
    utterances = segment_turns(turns, nlp)
    assert utterances[["turn_index", "utterance_index"]].to_numpy().tolist() == [[1, 0], [1, 1]]
    # a note standing alone after the last sentence is not an utterance
    assert utterances["text"].tolist() == ["Susah, Mas.", "OTP-nya gak masuk."]
    assert utterances["text_clean"].tolist()[1] == "otp-nya tidak masuk."
    assert set(utterances["question"]) == {normalise("Gimana daftarnya, Bu?")}
