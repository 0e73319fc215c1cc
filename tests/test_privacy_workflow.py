"""Names as entities of the study, in a real run: identifiers planted in lower case, with and
without cues, in persona-named, speaker-labelled and table-named forms, across every input
format; none may reach results/ or logs/ (zip members of .xlsx and .qdpx included), and every
look-alike must survive."""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

import docx
import pandas as pd
import pytest

from .conftest import ROOT, make_project, run_workflow

pytestmark = pytest.mark.slow
# One transcript per input format (the .docx is written by the test), with a persona name, a
# custom speaker label, a table column of names, and names said again in lower case.
FIXTURES = ROOT / "tests" / "fixtures" / "privacy"


PLANTED = ["Marlina", "Safitri", "Yogi", "Pratama", "nabila", "tris", "yuliana",
           "0812 3344 5566", "Sri", "daniel", "gunawan", "nadia", "hendrik", "rusmini",
           "Ratih", "Kumalasari", "Gilang", "Pak Tris", "Bu Sri", "Haryono", "Setiawati"]
LOOKALIKES = ["Tumben", "Suntik", "Bontang Kuala", "deg-degan", "pak satpam", "mas ojol",
              "Frista", "Relatif", "wayahini", "Chatbot", "Poli mata", "anjungan"]


def write_docx(path: Path) -> None:
    document = docx.Document()
    table = document.add_table(rows=2, cols=2)
    for row, (key, value) in zip(table.rows, [("informant_id", "Q05"),
                                              ("name", "Haryono Setiawati")], strict=True):
        row.cells[0].text, row.cells[1].text = key, value
    for line in ["Pewawancara: Bapak pakai aplikasinya untuk apa?",
                 "Informan: untuk antrean poli jantung. haryono ini sudah tua, jadi pelan-pelan.",
                 "Pewawancara: Ada kendala?",
                 "Informan: pernah error terus, akhirnya pak tris bantu lagi."]:
        document.add_paragraph(line)
    document.save(str(path))


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    project = make_project(tmp_path_factory.mktemp("privacy"))
    folder = project / "transcripts"
    for path in sorted(FIXTURES.iterdir()):
        shutil.copy(path, folder / path.name)
    write_docx(folder / "Q05.docx")
    run = run_workflow(project, cores=2)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    return project


def bodies(folder: Path):
    """Every file's text, and every member of a zip (.xlsx, .qdpx) as its own body."""
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or path.suffix in {".npz", ".pkl"}:
            continue
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                for member in archive.namelist():
                    yield f"{path.name}:{member}", archive.read(member).decode("utf-8", "ignore")
        else:
            yield path.name, path.read_text(encoding="utf-8", errors="ignore")


def test_no_planted_name_survives_anywhere(study):
    leaks = []
    for folder in ("results", "logs"):
        for name, body in bodies(study / folder):
            leaks += [f"{name}: {v}" for v in PLANTED
                      if re.search(rf"(?<!\w){re.escape(v)}(?!\w)", body, re.IGNORECASE)]
    assert leaks == []


def test_every_lookalike_survives(study):
    text = (study / "results" / "utterances.tsv").read_text(encoding="utf-8")
    assert [v for v in LOOKALIKES if v not in text] == []


def test_privacy_audit_counts_and_reviews_without_identifiers(study):
    audit = pd.read_csv(study / "results" / "privacy.tsv", sep="\t", dtype=str,
                        keep_default_na=False)
    counts = audit[audit["row"] == "count"]
    names = counts[counts["item"] == "[NAMA]"].set_index("transcript_id")["n"].astype(int)
    assert names["Q01"] >= 6
    assert names["Q02"] >= 4
    assert set(counts["item"]) == {"[NAMA]", "[TELEPON]", "[NIK]", "[NO_KARTU]", "[EMAIL]",
                                   "[ALAMAT]"}
    reviews = audit[audit["row"] == "review"]
    assert (reviews["item"] == "lower-case word masked as a name").any()
    assert reviews["context"].str.contains("«").all()
