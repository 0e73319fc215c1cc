"""De-identification: many shapes of each identifier are masked; look-alikes survive."""

from __future__ import annotations

import json

import pytest

from jejak.deidentify import age_band, deidentify_persona, deidentify_text
from jejak.names import name_book


@pytest.mark.parametrize("text", [
    "hp saya 0812-3456-7890 ya", "hp saya 0812 3456 7890 ya", "hp saya 081234567890 ya",
    "hp saya +62 812-3456-7890 ya", "hp saya +6281234567890 ya", "hp saya 6281234567890 ya",
    "hp saya 0852.1122.3344 ya", "hp saya (0548) 41234 ya", "hp saya 0548-412345 ya",
    "hp saya +62 852 1122 3344 ya", "hp saya 0813-4455-66778 ya",
])
def test_phone_shapes(text):
    masked = deidentify_text(text)
    assert masked == "hp saya [TELEPON] ya"


@pytest.mark.parametrize("text", [
    "NIK 6474015203850002 ya", "NIK 6474 0152 0385 0002 ya", "NIK 6474-0152-0385-0002 ya",
    "NIK 647401.520385.0002 ya", "NIK 6474.0152.0385.0002 ya",
])
def test_nik_shapes(text):
    assert deidentify_text(text) == "NIK [NIK] ya"


@pytest.mark.parametrize("text", [
    "kartu 0001234567890 ya", "kartu 0001 2345 6789 0 ya", "kartu 0001-2345-67890 ya",
    "kartu 000 1234 567890 ya", "kartu 0002.3456.7890.1 ya",
])
def test_card_shapes(text):
    assert deidentify_text(text) == "kartu [NO_KARTU] ya"


@pytest.mark.parametrize("text", [
    "email rina.sari88@gmail.com ya", "email RINA_SARI@yahoo.co.id ya",
    "email r.sari+bpjs@pkt-mail.com ya",
])
def test_email_shapes(text):
    assert deidentify_text(text) == "email [EMAIL] ya"


@pytest.mark.parametrize("text", [
    "rumah di Jl. Ahmad Yani No. 12 RT 05 ya", "rumah di Jalan Cempaka Blok C nomor 7 ya",
    "rumah di Perumahan PKT Gunung Elai Blok F-12 ya", "rumah di Gg. Melati 3 RT 12 RW 03 ya",
    "rumah di Jln. KS Tubun no 45 ya", "rumah di Komplek Bukit Sekatup Damai Blok B2 ya",
    "rumah di RT 05 RW 02 ya", "rumah di Jl. Pupuk Raya ya",
])
def test_address_shapes(text):
    assert deidentify_text(text) == "rumah di [ALAMAT] ya"


@pytest.mark.parametrize(("text", "expected"), [
    ("Bu Endang yang bantu", "Bu [NAMA] yang bantu"),
    ("kata Pak Rahmat Hidayat tadi", "kata Pak [NAMA] tadi"),
    ("diperiksa dr. Yusuf kemarin", "diperiksa dr. [NAMA] kemarin"),
    ("ketemu Mbak Ayu di loket", "ketemu Mbak [NAMA] di loket"),
    ("Nama saya Siti Rahmawati, guru.", "Nama saya [NAMA], guru."),
    ("panggil aja Rina, Mas.", "panggil aja [NAMA], Mas."),
    ("Perkenalkan, saya Dimas dari kampus.", "Perkenalkan, saya [NAMA] dari kampus."),
    ("si Anto yang ngajarin", "si [NAMA] yang ngajarin"),
    ("Acil Emi bilang gitu", "Acil [NAMA] bilang gitu"),
    ("Daeng Baso sudah datang", "Daeng [NAMA] sudah datang"),
    ("Terus Tutik yang nyari, Mas.", "Terus [NAMA] yang nyari, Mas."),
    ("kata mas yogi tadi", "kata mas [NAMA] tadi"),
    ("dokter gunawan yang periksa", "dokter [NAMA] yang periksa"),
    ("hubungi yuliana di loket", "hubungi [NAMA] di loket"),
    ("istri saya, Melinda, yang daftar", "istri saya, [NAMA], yang daftar"),
    ("bu guru Ningsih yang ajari", "bu guru [NAMA] yang ajari"),
    ("Saya Yogi Pratama dari tim.", "Saya [NAMA] dari tim."),
    ("Saya telpon Tutik, dia minta maaf.", "Saya telpon [NAMA], dia minta maaf."),
    ('Katanya, "Gampang kok, Anggi, sepuluh menit."',
     'Katanya, "Gampang kok, [NAMA], sepuluh menit."'),
    ("Dirujuk ke drg. Melinda kemarin.", "Dirujuk ke drg. [NAMA] kemarin."),
])
def test_name_shapes(text, expected):
    assert deidentify_text(text) == expected


def test_persona_and_listed_names_any_case():
    names = ["Heru Prasetyo", "Wati"]
    masked = deidentify_text("heru bilang ke wati, PRASETYO juga, terus Heru Prasetyo pulang",
                             names)
    assert "heru" not in masked.lower()
    assert "wati" not in masked.lower()
    assert "prasetyo" not in masked.lower()
    # a name inside a longer word is not a name
    assert deidentify_text("dipanggil ke loket", ["Anggi"]) == "dipanggil ke loket"


@pytest.mark.parametrize("text", [
    "Iya, Bu. Jam 09.30 saya sampai.", "nomor antrean B-017, antrean 23",
    "kode booking 0548R001 muncul", "bayar Rp 35.000 atau Rp 1.500.000",
    "tanggal 12 Juni 2025, 12-06-2025, 2025-06-12", "di RS Pupuk Kaltim Bontang",
    "Poli Mata dan Poli Penyakit Dalam", "telepon care center 165", "menu Info Peserta",
    "aplikasinya gak jalan", "saya jalan kaki ke Loktuan", "Jalan ke sana jauh, Pak.",
    "Mobile JKN, Antrean Online, Pandawa", "Gitu, Pak. Nggih, Bu.", "tiga kali, 2 jam",
    "Pak RT yang kasih tahu", "Bu Dokter ramah", "Samarinda sama Bontang Utara",
])
def test_lookalikes_survive(text):
    assert deidentify_text(text) == text


def test_age_band_and_persona_whitelist():
    bands = [18, 25, 35, 45, 55, 65]
    assert age_band(34, bands) == "25–34"
    assert age_band("63", bands) == "55–64"
    assert age_band(70, bands) == "65+"
    assert age_band("", bands) == ""
    persona = {"name": "Siti Aminah", "age": 34, "phone": "0812-1111-2222", "gender": "perempuan",
               "occupation": "Guru SD", "address": "Jl. Mawar No. 3"}
    out = deidentify_persona(persona, "R01", ["gender", "occupation"], bands, ["Siti Aminah"])
    assert out == {"transcript_id": "R01", "age_band": "25–34", "gender": "perempuan",
                   "occupation": "Guru SD"}


@pytest.mark.parametrize("text", [
    "Tumben pagi-pagi sudah datang.", "Suntik dulu di puskesmas.", "Deg-degan saya, Mas.",
    "Wektu kuwi aku daftar.", "Bedane karo biyen piye, Pak?", "Relatif cepat kok.",
    "Literally semua error.", "Chatbot-nya tidak membantu.", "pak satpam suruh ke loket",
    "bu dokter ramah", "mas ojol tetangga saya", "Mbak pakai fitur lain?",
    "yang namanya kerahasiaan data", "namanya mirip-mirip semua", "Apotek Sari Husada tutup",
    "lewat perawat Poli Paru", "verifikasi Frista gagal", "Gen Z pakai TikTok",
])
def test_ordinary_words_are_never_names(text):
    assert deidentify_text(text) == text


def test_a_name_found_once_is_masked_wherever_it_comes_without_a_cue():
    book = name_book(["Nabila Aprilia", "Daniel"])
    assert deidentify_text("nabila suruh saya pasang, aprilia juga", book=book) == \
        "[NAMA] suruh saya pasang, [NAMA] juga"
    assert deidentify_text("Daniel pulang waktu libur", book=book) == "[NAMA] pulang waktu libur"
    # a person called Indah: the common word survives where it carries no cue
    indah = name_book(["Indah"])
    assert deidentify_text("pemandangannya indah sekali", book=indah) == \
        "pemandangannya indah sekali"
    assert deidentify_text("kata mbak indah tadi", book=indah) == "kata mbak [NAMA] tadi"


def test_shipped_name_tagger_finds_names_without_cues_and_carries_no_data():
    from jejak.names import TAGGER, tagged_persons, tagger
    from jejak.resources import data_path

    assert tagger() is not None
    text = "kemarin daniel pulang dari makassar naik pesawat"
    assert text.index("daniel") in tagged_persons(text)
    assert "makassar" in deidentify_text(text)
    strings = json.loads((data_path(TAGGER) / "vocab" / "strings.json").read_text())
    assert strings == ["PER"]  # no string of the news sentences it learnt from
