"""Exports for researchers' own tools: a REFI-QDA project, an Excel workbook, a theme matrix.

The REFI-QDA project (``.qdpx``, the open QDA-XML exchange standard of www.qdasoftware.org) is
a zip of ``project.qde`` and one plain-text file per transcript under ``sources/``. QualCoder,
ATLAS.ti, MAXQDA and NVivo import it, so a researcher can check, recode and extend the
automatic coding in the tool they already use. Every coded utterance is a text selection whose
character offsets (Unicode code points, end exclusive) point into the de-identified transcript.

Every output is byte-stable: GUIDs are uuid5 of stable names, timestamps are one fixed instant
(the real run time belongs in provenance, not here) and zip entries carry fixed dates, so a
rerun on the same tables gives the same bytes and a version-control diff shows real changes.
"""

from __future__ import annotations

import io
import logging
import re
import uuid
import xml.etree.ElementTree as ET
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.writer.excel import ExcelWriter

from jejak.facts import utterance_themes

PROJECT_NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
# The namespace of every jejak GUID; changing it changes every GUID of every export.
GUID_NAMESPACE = uuid.UUID("6f1d4b1e-3c1a-5b8e-9a57-6a656a616b00")
FIXED_TIME = datetime(2000, 1, 1, tzinfo=UTC)
FIXED_ZIP_TIME = (2000, 1, 1, 0, 0, 0)
ORIGIN = "jejak"

ROLE_LABELS = {"interviewer": "Pewawancara", "informant": "Informan"}
QUESTION_LABEL = "Pertanyaan"        # the printed question of a written survey answer
EMERGENT_GROUP = "Emergent"
POLARITY_COLOURS = {"pain": "#D9534F", "gain": "#5CB85C", "mixed": "#F0AD4E",
                    "idea": "#5B9BD5"}
EMERGENT_COLOUR = "#9E9E9E"

XLSX_MAX_WIDTH = 60
XLSX_MIN_WIDTH = 8
XLSX_CELL_LIMIT = 32767              # Excel refuses longer cell texts
# Characters XML 1.0 cannot carry at all (an export must stay parseable whatever the input).
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_PLAIN_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?")

log = logging.getLogger("jejak")


def make_guid(*parts: object) -> str:
    """A GUID from stable names: the same study gives the same GUIDs in every export.
    Upper case, as ATLAS.ti and NVivo write them; the standard accepts either case."""
    return str(uuid.uuid5(GUID_NAMESPACE, "/".join(str(p) for p in parts))).upper()


def iso_time(moment: datetime = FIXED_TIME) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def xml_safe(text: object) -> str:
    return _XML_ILLEGAL.sub("", str(text))


def tidy_spaces(text: str) -> str:
    """The whitespace rule of ``segment.tidy_spaces``: utterance quotes are found verbatim."""
    return re.sub(r"\s+", " ", text).strip()


# --------------------------------------------------------------------------- transcripts


@dataclass(frozen=True)
class Transcript:
    """One de-identified transcript as plain text, and where each turn's speech starts in it."""

    transcript_id: str
    text: str
    turn_spans: dict[int, tuple[int, int]]   # turn_index -> (start, end) of its speech

    @property
    def guid(self) -> str:
        return make_guid("source", self.transcript_id)

    @property
    def filename(self) -> str:
        return f"{self.guid}.txt"


def _turn_prefix(turn: dict, previous_question: str) -> list[str]:
    """Lines printed before a turn's speech: a written survey's question, once per question."""
    question = tidy_spaces(str(turn.get("meta_question") or ""))
    if question and question != previous_question:
        return [f"{QUESTION_LABEL}: {question}"]
    return []


def render_transcript(transcript_id: str, turns: pd.DataFrame) -> Transcript:
    """``Pewawancara: …`` / ``Informan: …``, one line per turn in turn order. Speech keeps the
    transcript's words with whitespace tidied as the utterances were, so quotes match."""
    lines: list[str] = []
    spans: dict[int, tuple[int, int]] = {}
    offset = 0
    question = ""
    for turn in turns.sort_values("turn_index", kind="stable").to_dict("records"):
        speech = tidy_spaces(str(turn["text"]))
        if not speech:
            continue
        for line in _turn_prefix(turn, question):
            lines.append(line)
            offset += len(line) + 1
        question = tidy_spaces(str(turn.get("meta_question") or "")) or question
        label = ROLE_LABELS.get(str(turn["role"]), str(turn["role"]).capitalize())
        stamp = str(turn.get("timestamp") or "").strip()
        head = (f"[{stamp}] " if stamp else "") + f"{label}: "
        spans[int(turn["turn_index"])] = (offset + len(head), offset + len(head) + len(speech))
        lines.append(head + speech)
        offset += len(head) + len(speech) + 1
    text = "\n".join(lines) + "\n" if lines else ""
    return Transcript(transcript_id, text, spans)


def render_transcripts(turns: pd.DataFrame) -> dict[str, Transcript]:
    turns = turns.fillna("")
    return {str(tid): render_transcript(str(tid), group)
            for tid, group in turns.groupby("transcript_id", sort=True)}


def locate_utterances(utterances: pd.DataFrame,
                      transcripts: dict[str, Transcript]) -> pd.DataFrame:
    """``start``/``end`` of every utterance in its transcript's text (-1 when not found).

    Utterances of a turn are found in order, each after the previous one, so a sentence said
    twice in one turn maps to each saying in turn."""
    found: dict[object, tuple[int, int]] = {}
    cursor: dict[tuple[str, int], int] = {}
    order = utterances.sort_values(["transcript_id", "turn_index", "utterance_index"],
                                   kind="stable")
    for index, row in zip(order.index, order.to_dict("records"), strict=True):
        key = (str(row["transcript_id"]), int(row["turn_index"]))
        transcript = transcripts.get(key[0])
        span = transcript.turn_spans.get(key[1]) if transcript else None
        found[index] = _find_quote(transcript.text, str(row["text"]), cursor.get(key), span) \
            if span else (-1, -1)
        if found[index][0] >= 0:
            cursor[key] = found[index][1]
    spans = [found[index] for index in utterances.index]
    return utterances.assign(start=[s for s, _ in spans], end=[e for _, e in spans])


def _find_quote(text: str, quote: str, cursor: int | None,
                span: tuple[int, int]) -> tuple[int, int]:
    if not quote:
        return -1, -1
    start = text.find(quote, span[0] if cursor is None else cursor, span[1])
    if start < 0:   # the table lists the turn's utterances out of order: search the whole turn
        start = text.find(quote, span[0], span[1])
    return (start, start + len(quote)) if start >= 0 else (-1, -1)


# --------------------------------------------------------------------------- codes


@dataclass(frozen=True)
class Code:
    key: str                     # theme_id, or the id of a group
    name: str
    description: str
    colour: str | None = None
    codable: bool = True
    children: tuple[Code, ...] = field(default_factory=tuple)

    @property
    def guid(self) -> str:
        return make_guid("code", self.key)


def _seed_description(theme: dict) -> str:
    keywords = ", ".join(str(k) for k in theme.get("keywords", []))
    return (f"{theme.get('description', '')}\n"
            f"id={theme['id']}; polarity={theme.get('polarity', '')}; keywords={keywords}")


def _emergent_description(row: dict) -> str:
    return (f"Tema emergen (klaster ujaran yang tidak cocok dengan tema awal). "
            f"Kata kunci: {row.get('keywords', '')}.\n"
            f"id={row['theme_id']}; kind=emergent; n_utterances={row.get('n_utterances', '')}; "
            f"n_informants={row.get('n_informants', '')}")


def _unique_names(codes: list[Code]) -> list[Code]:
    """Sibling codes need distinct names in QDA tools; a clash gets its id appended."""
    counts = Counter(c.name for c in codes)
    return [Code(c.key, f"{c.name} ({c.key})", c.description, c.colour, c.codable, c.children)
            if counts[c.name] > 1 else c for c in codes]


def build_codes(codebook_themes: list[dict], themes: pd.DataFrame,
                used: list[str]) -> list[Code]:
    """Seed themes in codebook order, then the other themes (emergent ones from themes.tsv,
    and any theme an utterance carries that neither lists) under one ``Emergent`` parent."""
    seeds = [Code(t["id"], str(t.get("label") or t["id"]), _seed_description(t),
                  POLARITY_COLOURS.get(str(t.get("polarity", ""))))
             for t in codebook_themes]
    known = {t["id"] for t in codebook_themes}
    others = [Code(r["theme_id"], f"{r['theme_id']}: {r['label']}" if r.get("label")
                   else r["theme_id"], _emergent_description(r), EMERGENT_COLOUR)
              for r in themes.to_dict("records") if r["theme_id"] not in known]
    listed = known | {c.key for c in others}
    unlisted = [t for t in dict.fromkeys(used) if t not in listed]
    if unlisted:
        log.warning("themes coded but in neither the codebook nor themes.tsv: %s", unlisted)
    others += [Code(t, t, f"id={t}", EMERGENT_COLOUR) for t in unlisted]
    codes = _unique_names(seeds)
    if others:
        codes.append(Code("group:emergent", EMERGENT_GROUP,
                          "Tema yang ditemukan dari data (klaster), bukan dari buku kode.",
                          EMERGENT_COLOUR, codable=False, children=tuple(_unique_names(others))))
    return codes


def flatten_codes(codes: list[Code] | tuple[Code, ...]) -> list[Code]:
    return [c2 for c in codes for c2 in (c, *flatten_codes(c.children))]


# --------------------------------------------------------------------------- XML


def _root(tag: str, ns: str, **attrs: str) -> ET.Element:
    """The document element, declaring ``ns`` as the default namespace of every element in it.
    (ElementTree's own ``default_namespace`` option refuses the unqualified attributes that
    QDA-XML uses.)"""
    return ET.Element(tag, {"xmlns": ns, **{k: xml_safe(v) for k, v in attrs.items()}})


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, {k: xml_safe(v) for k, v in attrs.items()})
    if text is not None:
        element.text = xml_safe(text)
    return element


def _code_element(parent: ET.Element, code: Code) -> None:
    attrs = {"guid": code.guid, "name": code.name, "isCodable": str(code.codable).lower()}
    if code.colour:
        attrs["color"] = code.colour
    element = _sub(parent, "Code", **attrs)
    if code.description:
        _sub(element, "Description", code.description)
    for child in code.children:
        _code_element(element, child)


def _serialise(root: ET.Element) -> bytes:
    ET.indent(root, space="  ")
    return ET.tostring(root, encoding="UTF-8", xml_declaration=True) + b"\n"


def codebook_xml(codes: list[Code]) -> bytes:
    """The ``.qdc`` codebook: the same codes (same GUIDs) as the project, on their own."""
    root = _root("CodeBook", CODEBOOK_NS, origin=ORIGIN)
    codes_element = _sub(root, "Codes")
    for code in codes:
        _code_element(codes_element, code)
    return _serialise(root)


def selection_description(row: dict) -> str:
    sentiment = pd.to_numeric(row.get("sentiment"), errors="coerce")
    shown = "" if pd.isna(sentiment) else f"{float(sentiment):.2f}"
    return (f"stage={row.get('stage', '')}; sentiment={shown}; "
            f"sentiment_label={row.get('sentiment_label', '')}")


def _selection_element(source: ET.Element, row: dict, codes: dict[str, str],
                       user: str) -> None:
    tid, turn, index = row["transcript_id"], row["turn_index"], row["utterance_index"]
    stamp = iso_time()
    selection = _sub(source, "PlainTextSelection",
                     guid=make_guid("selection", tid, turn, index),
                     name=f"{tid}:{turn}.{index}", startPosition=str(row["start"]),
                     endPosition=str(row["end"]), creatingUser=user, creationDateTime=stamp)
    _sub(selection, "Description", selection_description(row))
    for theme in row["themes"]:
        coding = _sub(selection, "Coding", guid=make_guid("coding", tid, turn, index, theme),
                      creatingUser=user, creationDateTime=stamp)
        _sub(coding, "CodeRef", targetGUID=codes[theme])


def project_xml(name: str, codes: list[Code], transcripts: dict[str, Transcript],
                selections: pd.DataFrame) -> bytes:
    """``project.qde``. ``selections``: located utterances with a ``themes`` list column."""
    user = make_guid("user", ORIGIN)
    stamp = iso_time()
    root = _root("Project", PROJECT_NS, name=name, origin=ORIGIN, creatingUserGUID=user,
                 creationDateTime=stamp, modifyingUserGUID=user, modifiedDateTime=stamp)
    users = _sub(root, "Users")
    _sub(users, "User", guid=user, name=ORIGIN, id=ORIGIN)
    codebook = _sub(_sub(root, "CodeBook"), "Codes")
    for code in codes:
        _code_element(codebook, code)
    code_guids = {c.key: c.guid for c in flatten_codes(codes)}
    sources = _sub(root, "Sources")
    by_source = dict(tuple(selections.groupby("transcript_id", sort=True)))
    for tid, transcript in sorted(transcripts.items()):
        source = _sub(sources, "TextSource", guid=transcript.guid, name=tid,
                      plainTextPath=f"internal://{transcript.filename}", creatingUser=user,
                      creationDateTime=stamp, modifyingUser=user, modifiedDateTime=stamp)
        rows = by_source.get(tid)
        if rows is None:
            continue
        for row in rows.sort_values(["start", "end"], kind="stable").to_dict("records"):
            _selection_element(source, row, code_guids, user)
    _sub(root, "Description",
         "Pengodean otomatis oleh jejak dari transkrip yang sudah dianonimkan; periksa sebelum "
         "dipakai. Deskripsi setiap seleksi: tahap perjalanan dan sentimen ujaran.")
    return _serialise(root)


# --------------------------------------------------------------------------- zip


def zip_bytes(entries: list[tuple[str, bytes]]) -> bytes:
    """A deflated zip whose bytes depend on ``entries`` only (fixed dates and permissions)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=FIXED_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3                  # unix, whatever machine wrote it
            info.external_attr = 0o644 << 16
            archive.writestr(info, data, compresslevel=9)
    return buffer.getvalue()


def normalise_zip(data: bytes) -> bytes:
    """The same archive with the dates its writer put in replaced by the fixed one."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return zip_bytes([(info.filename, archive.read(info)) for info in archive.infolist()])


def qdpx_bytes(project: bytes, transcripts: dict[str, Transcript]) -> bytes:
    entries = [("project.qde", project)]
    entries += [(f"sources/{t.filename}", t.text.encode("utf-8"))
                for _, t in sorted(transcripts.items())]
    return zip_bytes(entries)


# --------------------------------------------------------------------------- selections


def coded_selections(utterances: pd.DataFrame,
                     transcripts: dict[str, Transcript]) -> pd.DataFrame:
    """Utterances with at least one theme, located in their transcript, with a ``themes``
    column. Utterances that cannot be found are logged and left out, never misplaced."""
    themes = [utterance_themes(p, o) for p, o in
              zip(utterances["theme_id"], utterances["theme_ids"], strict=True)]
    coded = utterances.assign(themes=themes)
    coded = coded[[bool(t) for t in themes]]
    located = locate_utterances(coded, transcripts)
    lost = located[located["start"] < 0]
    if len(lost):
        log.warning("%d coded utterances not found in their transcript text (first: %s:%s)",
                    len(lost), lost["transcript_id"].iloc[0], lost["turn_index"].iloc[0])
    return located[located["start"] >= 0]


# --------------------------------------------------------------------------- matrix


def theme_by_informant(utterances: pd.DataFrame, themes: pd.DataFrame) -> pd.DataFrame:
    """Utterances per theme (rows, themes.tsv order) and informant (columns, sorted ids);
    an utterance counts once for each theme it carries, the ``theme_ids`` ones included."""
    pairs = [(tid, theme) for tid, p, o in zip(utterances["transcript_id"],
                                               utterances["theme_id"], utterances["theme_ids"],
                                               strict=True)
             for theme in utterance_themes(p, o)]
    informants = sorted(utterances["transcript_id"].astype(str).unique())
    counts = pd.DataFrame(pairs, columns=["transcript_id", "theme_id"]).value_counts()
    rows = []
    for theme in themes.to_dict("records"):
        counted = {tid: int(counts.get((tid, theme["theme_id"]), 0)) for tid in informants}
        rows.append({"theme_id": theme["theme_id"], "label": theme.get("label", ""), **counted})
    return pd.DataFrame(rows, columns=["theme_id", "label", *informants])


# --------------------------------------------------------------------------- workbook


def _numeric_or_text(series: pd.Series) -> pd.Series:
    """Columns of plain numbers become numbers, so Excel sorts and sums them; a column with
    any other value (or a zero-padded id such as ``0165``) stays text."""
    values = series.astype(str)
    filled = values[values != ""]
    if len(filled) and filled.str.fullmatch(_PLAIN_NUMBER.pattern).all():
        return pd.to_numeric(values.where(values != "", None))
    return series


def _cell_value(value: object) -> object:

    if value is None or (isinstance(value, float) and pd.isna(value)) or value == "":
        return None
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)[:XLSX_CELL_LIMIT]
    return value.item() if hasattr(value, "item") else value


def _column_width(header: str, values: pd.Series) -> float:
    longest = max([len(str(header)), *(len(str(v)) for v in values.head(500))])
    return float(min(max(longest + 2, XLSX_MIN_WIDTH), XLSX_MAX_WIDTH))


def _write_sheet(workbook, title: str, frame: pd.DataFrame) -> None:

    sheet = workbook.create_sheet(title)
    sheet.append(list(frame.columns))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    columns = [_numeric_or_text(frame[c]) for c in frame.columns]
    for row in zip(*columns, strict=True) if columns else []:
        sheet.append([_cell_value(v) for v in row])
    # One pass at the end (sheet.max_row rescans every cell: per row it made this quadratic).
    for cells in sheet.iter_rows(min_row=2):
        for cell in cells:
            if cell.data_type == "f":   # a quote starting with "=" is text, not a formula
                cell.data_type = "s"
    wrap = Alignment(wrap_text=True, vertical="top")
    for number, (name, values) in enumerate(zip(frame.columns, columns, strict=True), start=1):
        letter = get_column_letter(number)
        width = _column_width(name, values)
        sheet.column_dimensions[letter].width = width
        if width >= XLSX_MAX_WIDTH:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=number, max_col=number):
                cell.alignment = wrap
    sheet.freeze_panes = "A2"
    if len(frame.columns):
        sheet.auto_filter.ref = sheet.dimensions


def workbook_bytes(sheets: dict[str, pd.DataFrame]) -> bytes:
    """An .xlsx with one sheet per frame, byte-stable: fixed document dates, fixed zip dates."""

    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, frame in sheets.items():
        _write_sheet(workbook, title, frame)
    stamp = FIXED_TIME.replace(tzinfo=None)
    workbook.properties.created = stamp
    workbook.properties.modified = stamp
    workbook.properties.creator = ORIGIN
    buffer = io.BytesIO()
    # ExcelWriter, not Workbook.save: save() stamps "modified" with the current time.
    ExcelWriter(workbook, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED)).save()
    return normalise_zip(buffer.getvalue())


# --------------------------------------------------------------------------- runner


@dataclass(frozen=True)
class Exports:
    """What the ``export`` rule writes, as bytes and a frame."""

    qdpx: bytes
    qdc: bytes
    xlsx: bytes
    matrix: pd.DataFrame
    summary: str


def build_exports(utterances: pd.DataFrame, themes: pd.DataFrame, journey: pd.DataFrame,
                  turns: pd.DataFrame, config: dict) -> Exports:
    """The REFI-QDA project and codebook, the workbook, the theme matrix. ``config`` needs
    ``codebook`` (its themes); ``report.title`` names the project."""
    transcripts = render_transcripts(turns)
    selections = coded_selections(utterances, transcripts)
    used = [t for ts in selections["themes"] for t in ts]
    codes = build_codes(config["codebook"]["themes"], themes, used)
    name = (config.get("report") or {}).get("title") or ORIGIN
    matrix = theme_by_informant(utterances, themes)
    workbook = workbook_bytes({"journey_map": journey, "themes": themes,
                               "utterances": utterances, "theme_by_informant": matrix})
    summary = (f"{len(transcripts)} sources, {len(flatten_codes(codes))} codes, "
               f"{len(selections)} coded selections; matrix {len(matrix)} x "
               f"{len(matrix.columns) - 2}")
    return Exports(qdpx_bytes(project_xml(name, codes, transcripts, selections), transcripts),
                   codebook_xml(codes), workbook, matrix, summary)
