"""Exports: the REFI-QDA project (.qdpx) and codebook (.qdc), the workbook, the theme matrix."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import yaml
from lxml import etree

from jejak.export import (
    CODEBOOK_NS,
    PROJECT_NS,
    coded_selections,
    render_transcripts,
    theme_by_informant,
)
from jejak.facts import utterance_themes
from jejak.steps import export_files
from jejak.tables import read_tsv, write_tsv

P = {"q": PROJECT_NS}
GUID = re.compile(r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}")
OUTPUTS = ("qdpx", "qdc", "xlsx", "matrix")

# The part of the QDA-XML schemas (www.qdasoftware.org, Project.xsd and Codebook.xsd) that jejak
# writes, with the standard's element order, required attributes and GUID pattern, so a tool
# that validates on import accepts the files. Elements jejak never writes are left out.
_CODE_TYPES = """
  <xs:complexType name="CodeType"><xs:sequence>
    <xs:element name="Description" type="xs:string" minOccurs="0"/>
    <xs:element name="Code" type="CodeType" minOccurs="0" maxOccurs="unbounded"/>
  </xs:sequence>
    <xs:attribute name="guid" type="GUIDType" use="required"/>
    <xs:attribute name="name" type="xs:string" use="required"/>
    <xs:attribute name="isCodable" type="xs:boolean" use="required"/>
    <xs:attribute name="color" type="RGBType"/>
  </xs:complexType>
  <xs:complexType name="CodesType"><xs:sequence>
    <xs:element name="Code" type="CodeType" maxOccurs="unbounded"/>
  </xs:sequence></xs:complexType>
  <xs:simpleType name="GUIDType"><xs:restriction base="xs:token">
    <xs:pattern value="[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}"/>
  </xs:restriction></xs:simpleType>
  <xs:simpleType name="RGBType"><xs:restriction base="xs:token">
    <xs:pattern value="#([A-Fa-f0-9]{6}|[A-Fa-f0-9]{3})"/>
  </xs:restriction></xs:simpleType>
"""
_HEAD = ('<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns="{ns}" '
         'targetNamespace="{ns}" elementFormDefault="qualified">')
PROJECT_XSD = _HEAD.format(ns=PROJECT_NS) + _CODE_TYPES + """
  <xs:element name="Project"><xs:complexType><xs:sequence>
    <xs:element name="Users" minOccurs="0"><xs:complexType><xs:sequence>
      <xs:element name="User" maxOccurs="unbounded"><xs:complexType>
        <xs:attribute name="guid" type="GUIDType" use="required"/>
        <xs:attribute name="name" type="xs:string"/>
        <xs:attribute name="id" type="xs:string"/>
      </xs:complexType></xs:element>
    </xs:sequence></xs:complexType></xs:element>
    <xs:element name="CodeBook" minOccurs="0"><xs:complexType><xs:sequence>
      <xs:element name="Codes" type="CodesType"/>
    </xs:sequence></xs:complexType></xs:element>
    <xs:element name="Sources" minOccurs="0"><xs:complexType><xs:sequence>
      <xs:element name="TextSource" type="TextSourceType" maxOccurs="unbounded"/>
    </xs:sequence></xs:complexType></xs:element>
    <xs:element name="Description" type="xs:string" minOccurs="0"/>
  </xs:sequence>
    <xs:attribute name="name" type="xs:string" use="required"/>
    <xs:attribute name="origin" type="xs:string"/>
    <xs:attribute name="creatingUserGUID" type="GUIDType"/>
    <xs:attribute name="creationDateTime" type="xs:dateTime"/>
    <xs:attribute name="modifyingUserGUID" type="GUIDType"/>
    <xs:attribute name="modifiedDateTime" type="xs:dateTime"/>
  </xs:complexType></xs:element>
  <xs:complexType name="TextSourceType"><xs:sequence>
    <xs:element name="Description" type="xs:string" minOccurs="0"/>
    <xs:element name="PlainTextSelection" maxOccurs="unbounded" minOccurs="0">
      <xs:complexType><xs:sequence>
        <xs:element name="Description" type="xs:string" minOccurs="0"/>
        <xs:element name="Coding" maxOccurs="unbounded" minOccurs="0">
          <xs:complexType><xs:sequence>
            <xs:element name="CodeRef"><xs:complexType>
              <xs:attribute name="targetGUID" type="GUIDType" use="required"/>
            </xs:complexType></xs:element>
          </xs:sequence>
            <xs:attribute name="guid" type="GUIDType" use="required"/>
            <xs:attribute name="creatingUser" type="GUIDType"/>
            <xs:attribute name="creationDateTime" type="xs:dateTime"/>
          </xs:complexType>
        </xs:element>
      </xs:sequence>
        <xs:attribute name="guid" type="GUIDType" use="required"/>
        <xs:attribute name="name" type="xs:string"/>
        <xs:attribute name="startPosition" type="xs:integer" use="required"/>
        <xs:attribute name="endPosition" type="xs:integer" use="required"/>
        <xs:attribute name="creatingUser" type="GUIDType"/>
        <xs:attribute name="creationDateTime" type="xs:dateTime"/>
      </xs:complexType>
    </xs:element>
  </xs:sequence>
    <xs:attribute name="guid" type="GUIDType" use="required"/>
    <xs:attribute name="name" type="xs:string"/>
    <xs:attribute name="plainTextPath" type="xs:string"/>
    <xs:attribute name="creatingUser" type="GUIDType"/>
    <xs:attribute name="creationDateTime" type="xs:dateTime"/>
    <xs:attribute name="modifyingUser" type="GUIDType"/>
    <xs:attribute name="modifiedDateTime" type="xs:dateTime"/>
  </xs:complexType>
</xs:schema>"""
CODEBOOK_XSD = _HEAD.format(ns=CODEBOOK_NS) + _CODE_TYPES + """
  <xs:element name="CodeBook"><xs:complexType><xs:sequence>
    <xs:element name="Codes" type="CodesType"/>
  </xs:sequence><xs:attribute name="origin" type="xs:string"/></xs:complexType></xs:element>
</xs:schema>"""


def schema(text: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.fromstring(text.encode("utf-8")))


def run_export(results: Path, config: dict, out: Path) -> dict[str, Path]:
    paths = {"qdpx": out / "jejak.qdpx", "qdc": out / "codebook.qdc",
             "xlsx": out / "journey_map.xlsx", "matrix": out / "theme_by_informant.tsv"}
    export_files(results / "utterances.tsv", results / "themes.tsv", results / "journey_map.tsv",
                 sorted((results / "interim" / "turns").glob("*.tsv")), config, paths["qdpx"],
                 paths["qdc"], paths["xlsx"], paths["matrix"])
    return paths


def read_qdpx(path: Path) -> tuple[etree._Element, dict[str, str]]:
    """The parsed project.qde and the zip's other files by name, as text."""
    with zipfile.ZipFile(path) as archive:
        project = etree.fromstring(archive.read("project.qde"))
        files = {n: archive.read(n).decode("utf-8") for n in archive.namelist()
                 if n != "project.qde"}
    return project, files


def source_texts(project: etree._Element, files: dict[str, str]) -> dict[str, str]:
    """Transcript id -> its source text, found through the TextSource's plainTextPath."""
    texts = {}
    for source in project.iterfind("q:Sources/q:TextSource", P):
        path = source.get("plainTextPath")
        assert path.startswith("internal://")
        texts[source.get("name")] = files["sources/" + path.removeprefix("internal://")]
    return texts


def selections(project: etree._Element) -> list[dict]:
    rows = []
    for source in project.iterfind("q:Sources/q:TextSource", P):
        for selection in source.iterfind("q:PlainTextSelection", P):
            tid, rest = selection.get("name").rsplit(":", 1)
            turn, index = rest.split(".")
            rows.append({"source": source.get("name"), "transcript_id": tid,
                         "turn_index": int(turn), "utterance_index": int(index),
                         "start": int(selection.get("startPosition")),
                         "end": int(selection.get("endPosition")),
                         "description": selection.findtext("q:Description", namespaces=P),
                         "codes": [ref.get("targetGUID")
                                   for ref in selection.iterfind("q:Coding/q:CodeRef", P)]})
    return rows


# --------------------------------------------------------------------------- the demo run


@pytest.fixture(scope="module")
def demo(demo_run, tmp_path_factory):
    results = demo_run / "results"
    config = yaml.safe_load((demo_run / "config" / "config.yaml").read_text(encoding="utf-8"))
    first = run_export(results, config, tmp_path_factory.mktemp("export_a"))
    second = run_export(results, config, tmp_path_factory.mktemp("export_b"))
    utterances = read_tsv(results / "utterances.tsv")
    turns = pd.concat([read_tsv(p) for p in sorted((results / "interim" / "turns").glob("*.tsv"))])
    project, files = read_qdpx(first["qdpx"])
    return {"paths": first, "again": second, "config": config, "utterances": utterances,
            "themes": read_tsv(results / "themes.tsv"),
            "journey": read_tsv(results / "journey_map.tsv"), "turns": turns,
            "project": project, "files": files}


def coded(utterances: pd.DataFrame) -> pd.DataFrame:
    themes = [utterance_themes(p, o) for p, o in
              zip(utterances["theme_id"], utterances["theme_ids"], strict=True)]
    return utterances.assign(themes=themes)[[bool(t) for t in themes]]


@pytest.mark.slow
def test_qdpx_holds_project_and_every_source(demo):
    with zipfile.ZipFile(demo["paths"]["qdpx"]) as archive:
        names = archive.namelist()
        assert archive.testzip() is None
    assert names[0] == "project.qde"
    referenced = {"sources/" + s.get("plainTextPath").removeprefix("internal://")
                  for s in demo["project"].iterfind("q:Sources/q:TextSource", P)}
    assert referenced == set(names) - {"project.qde"}
    assert all(re.fullmatch(rf"sources/{GUID.pattern}\.txt", n) for n in referenced)


@pytest.mark.slow
def test_project_is_qda_xml(demo):
    project = demo["project"]
    assert project.tag == f"{{{PROJECT_NS}}}Project"
    schema(PROJECT_XSD).assertValid(project)
    assert project.findall("q:CodeBook/q:Codes/q:Code", P)
    sources = project.findall("q:Sources/q:TextSource", P)
    assert sorted(s.get("name") for s in sources) == sorted(demo["turns"]["transcript_id"].unique())
    assert len(selections(project)) == len(coded(demo["utterances"]))


@pytest.mark.slow
def test_guids_are_unique_and_well_formed(demo):
    guids = [e.get("guid") for e in demo["project"].iter() if e.get("guid") is not None]
    assert len(guids) > len(demo["utterances"]) // 2
    assert len(guids) == len(set(guids))
    assert all(GUID.fullmatch(g) for g in guids)


@pytest.mark.slow
def test_selections_quote_their_utterances_exactly(demo):
    texts = source_texts(demo["project"], demo["files"])
    quotes = coded(demo["utterances"]).set_index(["transcript_id", "turn_index",
                                                  "utterance_index"])
    codes = {c.get("guid"): c for c in demo["project"].iter(f"{{{PROJECT_NS}}}Code")}
    for row in selections(demo["project"]):
        expected = quotes.loc[(row["transcript_id"], row["turn_index"], row["utterance_index"])]
        assert row["source"] == row["transcript_id"]
        assert texts[row["source"]][row["start"]:row["end"]] == expected["text"]
        assert row["description"].startswith(f"stage={expected['stage']}; sentiment=")
        ids = [re.search(r"^id=(\S+?);", codes[g].findtext("q:Description", namespaces=P),
                         re.MULTILINE).group(1) for g in row["codes"]]
        assert ids == expected["themes"]


@pytest.mark.slow
def test_sources_are_deidentified_transcripts(demo):
    texts = source_texts(demo["project"], demo["files"])
    for tid, turns in demo["turns"].groupby("transcript_id"):
        lines = texts[tid].splitlines()
        speech = [line.split(": ", 1)[1] for line in lines if not line.startswith("Pertanyaan")]
        assert speech == [re.sub(r"\s+", " ", t).strip() for t in turns["text"] if t.strip()]
        roles = {re.sub(r"^\[[^\]]*\] ", "", line).split(":", 1)[0] for line in lines}
        assert roles <= {"Pewawancara", "Informan", "Pertanyaan"}
    assert not re.search(r"\b\d{13,16}\b", "".join(texts.values()))   # NIK, card numbers


@pytest.mark.slow
def test_every_code_reference_resolves_and_every_theme_is_a_code(demo):
    codes = demo["project"].findall(".//q:Code", P)
    guids = {c.get("guid") for c in codes}
    refs = [r.get("targetGUID") for r in demo["project"].iterfind(".//q:CodeRef", P)]
    assert refs
    assert set(refs) <= guids
    described = "".join(c.findtext("q:Description", default="", namespaces=P) for c in codes)
    for theme in [t["id"] for t in demo["config"]["codebook"]["themes"]] + \
            demo["themes"]["theme_id"].tolist():
        assert f"id={theme};" in described


@pytest.mark.slow
def test_codebook_file_has_the_project_codes(demo):
    codebook = etree.parse(str(demo["paths"]["qdc"])).getroot()
    assert codebook.tag == f"{{{CODEBOOK_NS}}}CodeBook"
    schema(CODEBOOK_XSD).assertValid(codebook)
    in_codebook = [(c.get("guid"), c.get("name"))
                   for c in codebook.iter(f"{{{CODEBOOK_NS}}}Code")]
    in_project = [(c.get("guid"), c.get("name"))
                  for c in demo["project"].iterfind(".//q:Code", P)]
    assert in_codebook == in_project


@pytest.mark.slow
def test_workbook_sheets_and_rows(demo):
    workbook = openpyxl.load_workbook(demo["paths"]["xlsx"])
    expected = {"journey_map": demo["journey"], "themes": demo["themes"],
                "utterances": demo["utterances"]}
    assert list(expected) == workbook.sheetnames[:3]
    for name, frame in expected.items():
        sheet = workbook[name]
        assert sheet.max_row == len(frame) + 1
        assert [c.value for c in sheet[1]] == list(frame.columns)
        assert all(c.font.bold for c in sheet[1])
        assert sheet.column_dimensions["A"].width >= 8
    first = workbook["utterances"]
    assert first.cell(2, list(demo["utterances"].columns).index("text") + 1).value == \
        demo["utterances"]["text"].iloc[0]
    assert workbook.properties.created == workbook.properties.modified


@pytest.mark.slow
def test_matrix_counts_every_theme_of_every_utterance(demo):
    matrix = read_tsv(demo["paths"]["matrix"])
    themes, utterances = demo["themes"], demo["utterances"]
    informants = sorted(utterances["transcript_id"].unique())
    assert matrix["theme_id"].tolist() == themes["theme_id"].tolist()
    assert list(matrix.columns) == ["theme_id", "label", *informants]
    counts = matrix[informants].astype(int)
    assert counts.sum(axis=1).tolist() == themes["n_utterances"].astype(int).tolist()
    assert int(counts.to_numpy().sum()) == sum(len(t) for t in coded(utterances)["themes"])
    assert (counts > 0).sum(axis=1).tolist() == themes["n_informants"].astype(int).tolist()


@pytest.mark.slow
def test_exports_are_byte_identical_on_rerun(demo):
    for output in OUTPUTS:
        assert demo["paths"][output].read_bytes() == demo["again"][output].read_bytes(), output


# --------------------------------------------------------------------------- hand-made tables


def two_turns() -> tuple[pd.DataFrame, pd.DataFrame]:
    turns = pd.DataFrame({
        "transcript_id": ["T1", "T1"], "turn_index": [0, 1],
        "role": ["interviewer", "informant"],
        "text": ["Gimana  daftarnya, Bu?",
                 "Susah 😩 banget.\nOTP gak masuk.  Susah 😩 banget. Ya sudah."],
        "line": [1, 2], "timestamp": ["", ""]})
    utterances = pd.DataFrame({
        "transcript_id": ["T1"] * 4, "turn_index": [1] * 4, "utterance_index": [0, 1, 2, 3],
        "text": ["Susah 😩 banget.", "OTP gak masuk.", "Susah 😩 banget.", "Ya sudah."],
        "stage": ["registration"] * 4, "theme_id": ["otp_verification", "otp_verification",
                                                    "none", "none"],
        "theme_ids": ["registration_failure", "", "registration_failure", ""],
        "sentiment": [-0.61, -0.4, -0.55, 0.0], "sentiment_label": ["neg", "neg", "neg", "neu"]})
    return turns, utterances


def test_two_turn_offsets_are_code_points_and_follow_turn_order():
    turns, utterances = two_turns()
    transcripts = render_transcripts(turns)
    text = transcripts["T1"].text
    assert text == ("Pewawancara: Gimana daftarnya, Bu?\n"
                    "Informan: Susah 😩 banget. OTP gak masuk. Susah 😩 banget. Ya sudah.\n")
    located = coded_selections(utterances, transcripts)
    assert located["utterance_index"].tolist() == [0, 1, 2]       # "Ya sudah." has no theme
    for row in located.itertuples():
        assert text[row.start:row.end] == row.text
    first, _, repeated = located["start"].tolist()
    assert repeated > first                                      # the second saying, not the first
    assert located["themes"].tolist() == [["otp_verification", "registration_failure"],
                                          ["otp_verification"], ["registration_failure"]]


def test_matrix_counts_primary_and_other_themes_never_none():
    _, utterances = two_turns()
    themes = pd.DataFrame({"theme_id": ["registration_failure", "otp_verification", "x"],
                           "label": ["a", "b", "c"]})
    matrix = theme_by_informant(utterances.assign(transcript_id=["T2", "T1", "T1", "T1"]),
                                themes)
    assert list(matrix.columns) == ["theme_id", "label", "T1", "T2"]
    assert matrix[["T1", "T2"]].to_numpy().tolist() == [[1, 1], [1, 1], [0, 0]]


def test_two_turn_export_files(tmp_path):
    turns, utterances = two_turns()
    themes = pd.DataFrame({"theme_id": ["registration_failure", "otp_verification",
                                        "emergent_01"],
                           "label": ["Pendaftaran akun gagal", "OTP dan verifikasi", "a / b"],
                           "kind": ["seed", "seed", "emergent"], "keywords": ["", "", "a, b"],
                           "n_utterances": [2, 2, 0], "n_informants": [1, 1, 0]})
    journey = pd.DataFrame({"stage": ["registration"], "n_utterances": [4]})
    for name, frame in {"utterances": utterances, "themes": themes, "journey": journey,
                        "turns": turns}.items():
        write_tsv(frame, tmp_path / f"{name}.tsv")
    config = {"codebook": {"themes": [
        {"id": "registration_failure", "label": "Pendaftaran akun gagal", "polarity": "pain",
         "description": "gagal daftar", "keywords": ["gagal daftar"]},
        {"id": "otp_verification", "label": "OTP dan verifikasi", "polarity": "pain",
         "description": "OTP", "keywords": ["otp"]}]}}
    out = tmp_path / "out"
    export_files(tmp_path / "utterances.tsv", tmp_path / "themes.tsv", tmp_path / "journey.tsv",
                 [tmp_path / "turns.tsv"], config, out / "p.qdpx", out / "c.qdc",
                 out / "j.xlsx", out / "m.tsv")
    project, files = read_qdpx(out / "p.qdpx")
    schema(PROJECT_XSD).assertValid(project)
    schema(CODEBOOK_XSD).assertValid(etree.parse(str(out / "c.qdc")).getroot())
    emergent = project.find("q:CodeBook/q:Codes/q:Code[@name='Emergent']", P)
    assert emergent.get("isCodable") == "false"
    assert [c.get("name") for c in emergent.findall("q:Code", P)] == ["emergent_01: a / b"]
    rows = selections(project)
    assert [len(r["codes"]) for r in rows] == [2, 1, 1]
    assert rows[0]["description"] == "stage=registration; sentiment=-0.61; sentiment_label=neg"
    matrix = read_tsv(out / "m.tsv")
    assert matrix["T1"].astype(int).tolist() == [2, 2, 0]
    assert openpyxl.load_workbook(out / "j.xlsx")["utterances"].max_row == 5
