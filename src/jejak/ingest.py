"""Read transcripts in every input format into one table of turns.

A *source* is one input file. Text, Word and subtitle files hold one transcript; a table
(``.csv``/``.tsv``) may hold many (its ``transcript_id`` column). Every reader returns the same
shape: a frame of turns (``TURN_COLUMNS`` plus ``meta_*`` columns for tables) and a dict of
personas keyed by transcript id. Nothing here removes identifiers: the frame is private until
``jejak.deidentify`` has run over it.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import docx
import pandas as pd
import webvtt
import yaml
from charset_normalizer import from_bytes

from jejak.notes import remove_notes
from jejak.resources import patterns

TEXT_SUFFIXES = {".txt", ".md"}
TABLE_SUFFIXES = {".csv", ".tsv"}
SUBTITLE_SUFFIXES = {".vtt", ".srt"}
DOCX_SUFFIXES = {".docx"}
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | TABLE_SUFFIXES | SUBTITLE_SUFFIXES | DOCX_SUFFIXES
SIDECAR_SUFFIX = ".meta.yaml"

TURN_COLUMNS = ["transcript_id", "turn_index", "role", "text", "line", "timestamp"]
ROLES = ("interviewer", "informant")

_TIMESTAMP = r"\[?(?P<ts>\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?)\]?"
_TURN_LINE = re.compile(
    rf"^\s*(?:{_TIMESTAMP}\s*)?(?P<label>[^:\[\]()]{{1,40}}?)\s*:\s*(?P<text>.*)$"
)
_LABEL_SHAPE = re.compile(r"^[A-Z][\w.'’-]*(?:\s+[\w.'’-]+){0,2}$")
_VTT_VOICE = re.compile(r"^<v(?:\.[^\s>]+)*\s+([^>]+)>(.*?)(?:</v>)?$", re.S)
_TAG = re.compile(r"</?[a-z][^>]*>")


class InputError(ValueError):
    """A file that cannot be read as a transcript; the message says where and how to fix it."""

    def __init__(self, path: Path | str, problem: str, fix: str, line: int | None = None):
        self.path, self.line, self.problem, self.fix = str(path), line, problem, fix
        where = f"{path}, line {line}" if line else f"{path}"
        super().__init__(f"{where}: {problem} How to fix: {fix}")


@dataclass(frozen=True)
class Source:
    """What one input file holds after reading: its turns and personas (still identifying)."""

    turns: pd.DataFrame
    personas: dict[str, dict]


# --------------------------------------------------------------------------- decoding


def decode_bytes(raw: bytes, path: Path) -> str:
    """Decode a text file: BOMs, UTF-8, UTF-16 without BOM, then legacy 8-bit encodings."""
    if not raw.strip():
        raise InputError(path, "the file is empty.", "export the transcript again or remove it.")
    for bom, encoding in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"),
                          (b"\xfe\xff", "utf-16")):
        if raw.startswith(bom):
            return _normalise_newlines(raw.decode(encoding))
    if _looks_utf16(raw):
        return _normalise_newlines(raw.decode("utf-16-le" if raw[1] == 0 else "utf-16-be"))
    if b"\x00" in raw or _control_share(raw) > 0.05:
        raise InputError(
            path, "this is a binary file, not text (expected a UTF-8, UTF-16 or Latin-1 text).",
            "save the transcript as plain text (.txt), Word (.docx), .vtt, .srt or .csv.",
        )
    try:
        return _normalise_newlines(raw.decode("utf-8"))
    except UnicodeDecodeError:
        pass

    best = from_bytes(raw).best()
    encoding = best.encoding if best is not None else "cp1252"
    # Latin-1 and cp1252 agree on letters; cp1252 also maps curly quotes typed by Word.
    if encoding.lower().replace("_", "-") in {"latin-1", "iso-8859-1", "latin1"}:
        encoding = "cp1252"
    return _normalise_newlines(raw.decode(encoding, errors="replace"))


def _looks_utf16(raw: bytes) -> bool:
    sample = raw[:2000]
    if len(sample) < 4:
        return False
    even_zero = sample[1::2].count(0) / max(1, len(sample[1::2]))
    odd_zero = sample[0::2].count(0) / max(1, len(sample[0::2]))
    return even_zero > 0.4 or odd_zero > 0.4


def _control_share(raw: bytes) -> float:
    sample = raw[:4000]
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 13, 12))
    return controls / max(1, len(sample))


def _normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")


# --------------------------------------------------------------------------- personas


def split_front_matter(text: str, path: Path) -> tuple[dict, list[tuple[int, str]]]:
    """Split YAML front matter from the body; body lines keep their 1-based line numbers."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        return {}, list(enumerate(lines, start=1))
    for end in range(1, len(lines)):
        if lines[end].strip() in {"---", "..."}:
            break
    else:
        raise InputError(path, "the front matter opened with '---' on line 1 is never closed.",
                         "end the persona block with a line holding only '---'.", line=1)
    persona = parse_yaml_mapping("\n".join(lines[1:end]), path, first_line=2)
    return persona, list(enumerate(lines[end + 1 :], start=end + 2))


def parse_yaml_mapping(text: str, path: Path, first_line: int = 1) -> dict:
    try:
        data = yaml.safe_load(text) if text.strip() else {}
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = first_line + mark.line if mark is not None else first_line
        raise InputError(
            path, f"the persona block is not valid YAML ({getattr(err, 'problem', err)}).",
            "write one 'key: value' per line; quote values that contain ':' or start with '['.",
            line=line,
        ) from None
    if not isinstance(data, dict):
        raise InputError(path, "the persona block is not a mapping of keys to values.",
                         "write one 'key: value' per line.", line=first_line)
    return data


def sidecar_path(path: Path) -> Path:
    return path.with_name(path.name[: -len(path.suffix)] + SIDECAR_SUFFIX)


def read_sidecar(path: Path) -> dict:
    side = sidecar_path(path)
    if not side.exists():
        return {}
    return parse_yaml_mapping(decode_bytes(side.read_bytes(), side), side)


# --------------------------------------------------------------------------- speakers


def speaker_map(persona: dict, path: Path) -> dict[str, str]:
    """Label (lower case) → role, from the built-in labels and a ``speakers:`` mapping."""
    roles = {label.lower(): role for role, labels in patterns()["speaker_roles"].items()
             for label in labels}
    custom = persona.get("speakers") or {}
    if not isinstance(custom, dict):
        raise InputError(path, "'speakers:' must map labels to roles.",
                         "write e.g. speakers: {Peneliti: interviewer, \"Bu Sri\": informant}.")
    for label, role in custom.items():
        if str(role).lower() not in ROLES:
            raise InputError(path, f"speaker '{label}' is mapped to '{role}'.",
                             "map every label to 'interviewer' or 'informant'.")
        roles[str(label).strip().lower()] = str(role).lower()
    return roles


def _looks_like_label(candidate: str) -> bool:
    return bool(_LABEL_SHAPE.match(candidate.strip())) and not any(
        ch in candidate for ch in ",?!\"“”"
    )


# --------------------------------------------------------------------------- text turns


def parse_turn_lines(
    lines: Iterable[tuple[int, str]], roles: dict[str, str], path: Path, transcript_id: str
) -> pd.DataFrame:
    """``Speaker: text`` lines to turns; unlabelled lines continue the previous turn."""
    turns: list[dict] = []
    for number, line in lines:
        if not line.strip():
            continue
        match = _TURN_LINE.match(line)
        label = match.group("label").strip() if match else ""
        if match and label.lower() in roles:
            turns.append({
                "transcript_id": transcript_id, "turn_index": len(turns),
                "role": roles[label.lower()], "text": match.group("text").strip(),
                "line": number, "timestamp": match.group("ts") or "",
            })
            continue
        if match and _looks_like_label(label) and (match.group("ts") or not turns
                                                   or len(label.split()) <= 2):
            known = ", ".join(sorted({k for k in roles if len(k) > 1}))
            raise InputError(
                path, f"unknown speaker label '{label}' (known labels: {known}).",
                f"rename it to a known label, or map it in the front matter or sidecar: "
                f"speakers: {{\"{label}\": informant}}.", line=number,
            )
        if not turns:
            raise InputError(path, "text before any speaker label.",
                             "start the first turn with a label such as 'Pewawancara:' or "
                             "'Informan:'.", line=number)
        turns[-1]["text"] = f"{turns[-1]['text']} {line.strip()}".strip()
    return pd.DataFrame(turns, columns=TURN_COLUMNS)


def read_text(path: Path, transcript_id: str) -> Source:
    text = decode_bytes(path.read_bytes(), path)
    persona, body = split_front_matter(text, path)
    persona = {**read_sidecar(path), **persona}
    turns = parse_turn_lines(body, speaker_map(persona, path), path, transcript_id)
    return Source(turns, {transcript_id: persona})


# --------------------------------------------------------------------------- Word


def read_docx(path: Path, transcript_id: str) -> Source:
    try:
        document = docx.Document(str(path))
    except (zipfile.BadZipFile, KeyError, ValueError) as err:
        raise InputError(path, f"this is not a readable Word document ({err}).",
                         "open it in Word or LibreOffice and save it again as .docx.") from None
    persona = read_sidecar(path)
    if document.tables:
        for row in document.tables[0].rows:
            cells = [c.text.strip() for c in row.cells]
            if len(cells) >= 2 and cells[0]:
                persona.setdefault(cells[0].rstrip(":").strip(), _yaml_scalar(cells[1]))
    paragraphs = [(i, p.text) for i, p in enumerate(document.paragraphs, start=1)]
    turns = parse_turn_lines(paragraphs, speaker_map(persona, path), path, transcript_id)
    return Source(turns, {transcript_id: persona})


def _yaml_scalar(value: str):
    try:
        parsed = yaml.safe_load(value)
    except yaml.YAMLError:
        return value
    return parsed if isinstance(parsed, int | float | str) else value


# --------------------------------------------------------------------------- subtitles


def read_subtitles(path: Path, transcript_id: str) -> Source:
    """WebVTT / SubRip: consecutive cues of one speaker form a turn."""

    text = decode_bytes(path.read_bytes(), path)
    lines = text.split("\n")
    try:
        if path.suffix.lower() == ".vtt":
            captions = webvtt.from_buffer(io.StringIO(text)).captions
        else:
            captions = webvtt.from_buffer(io.StringIO(text), format="srt").captions
    except Exception as err:  # webvtt raises its own MalformedFileError and ValueErrors
        raise InputError(path, f"this is not a valid {path.suffix[1:].upper()} file ({err}).",
                         "check the header and that every cue has 'start --> end' timings.",
                         line=_first_bad_timing_line(lines)) from None
    persona = read_sidecar(path)
    roles = speaker_map(persona, path)
    timing_lines = [i for i, ln in enumerate(lines, start=1) if "-->" in ln]
    turns: list[dict] = []
    last_speaker = None
    for caption, line_no in zip(captions, timing_lines, strict=False):
        if caption.end_in_seconds <= caption.start_in_seconds:
            raise InputError(path, f"cue {caption.start} --> {caption.end} ends before it "
                             "starts.", "fix the cue's timings so that the end comes after "
                             "the start.", line=line_no)
        speaker, body = _cue_speaker(caption.raw_text)
        if speaker is not None and speaker.lower() not in roles:
            known = ", ".join(sorted(k for k in roles if len(k) > 1))
            raise InputError(path, f"unknown speaker '{speaker}' (known labels: {known}).",
                             f"map it in the sidecar {sidecar_path(path).name}: "
                             f"speakers: {{\"{speaker}\": informant}}.", line=line_no + 1)
        if speaker is None and last_speaker is None:
            raise InputError(path, "cue text before any speaker.", "give the first cue a "
                             "speaker, as '<v Informan>' or 'Informan: '.", line=line_no + 1)
        speaker = speaker or last_speaker
        body = " ".join(body.split())
        if turns and speaker.lower() == last_speaker.lower():
            turns[-1]["text"] = f"{turns[-1]['text']} {body}".strip()
        else:
            turns.append({
                "transcript_id": transcript_id, "turn_index": len(turns),
                "role": roles[speaker.lower()], "text": body, "line": line_no + 1,
                "timestamp": caption.start,
            })
        last_speaker = speaker
    return Source(pd.DataFrame(turns, columns=TURN_COLUMNS), {transcript_id: persona})


def _cue_speaker(raw: str) -> tuple[str | None, str]:
    raw = raw.strip()
    voice = _VTT_VOICE.match(raw)
    if voice:
        return voice.group(1).strip(), _TAG.sub("", voice.group(2))
    raw = _TAG.sub("", raw)
    match = _TURN_LINE.match(raw.split("\n", 1)[0])
    if match and _looks_like_label(match.group("label")):
        rest = raw.split("\n", 1)[1] if "\n" in raw else ""
        return match.group("label").strip(), f"{match.group('text')} {rest}".strip()
    return None, raw


def _first_bad_timing_line(lines: list[str]) -> int | None:
    for number, line in enumerate(lines, start=1):
        if "-->" in line and not re.match(
            r"^\s*[\d:.,]+\s*-->\s*[\d:.,]+(\s|$)", line
        ):
            return number
    return None


# --------------------------------------------------------------------------- tables


def read_table(path: Path, default_id: str) -> Source:
    """One row per turn; rows sharing a ``transcript_id`` form one transcript, in file order."""
    text = decode_bytes(path.read_bytes(), path)
    delimiter = "\t" if path.suffix.lower() == ".tsv" else _sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise InputError(path, "the table is empty.", "add a header row with a 'text' column.",
                         line=1) from None
    lowered = [h.lower() for h in header]
    if "text" not in lowered:
        raise InputError(path, f"the table has no 'text' column (found: {', '.join(header)}).",
                         "name the column of responses 'text'.", line=1)
    rows: list[dict] = []
    positions: dict[str, int] = {}
    for record in reader:
        if not any(cell.strip() for cell in record):
            continue
        if len(record) != len(header):
            raise InputError(path, f"expected {len(header)} fields, found {len(record)}.",
                             "quote fields that contain the delimiter or line breaks.",
                             line=reader.line_num)
        row = dict(zip(lowered, record, strict=True))
        tid = row.get("transcript_id", "").strip() or default_id
        role = _table_role(row, path, reader.line_num)
        index = positions.get(tid, 0)
        positions[tid] = index + 1
        turn = {"transcript_id": tid, "turn_index": index, "role": role,
                "text": row["text"].strip(), "line": reader.line_num,
                "timestamp": row.get("timestamp", "").strip()}
        for key, value in row.items():
            if key not in {"transcript_id", "text", "speaker", "role", "timestamp"}:
                turn[f"meta_{key}"] = value.strip()
        rows.append(turn)
    if not rows:
        raise InputError(path, "the table has a header but no rows.", "add one row per "
                         "response.", line=2)
    frame = pd.DataFrame(rows)
    meta = sorted(c for c in frame.columns if c.startswith("meta_"))
    return Source(frame[TURN_COLUMNS + meta], {tid: {} for tid in positions})


def _sniff_delimiter(text: str) -> str:
    first = text.split("\n", 1)[0]
    return max([",", ";", "\t"], key=first.count)


def _table_role(row: dict, path: Path, line: int) -> str:
    value = (row.get("role") or row.get("speaker") or "informant").strip().lower()
    labels = {label.lower(): role for role, labels in patterns()["speaker_roles"].items()
              for label in labels}
    role = value if value in ROLES else labels.get(value)
    if role is None:
        raise InputError(path, f"unknown speaker/role '{value}'.",
                         "use 'interviewer' or 'informant' in the role column.", line=line)
    return role


# --------------------------------------------------------------------------- entry point


def read_source(path: Path | str) -> Source:
    """Read any supported file; check that each transcript has informant speech."""
    path = Path(path)
    suffix = path.suffix.lower()
    transcript_id = path.name[: -len(path.suffix)]
    if suffix in TEXT_SUFFIXES:
        source = read_text(path, transcript_id)
    elif suffix in DOCX_SUFFIXES:
        source = read_docx(path, transcript_id)
    elif suffix in SUBTITLE_SUFFIXES:
        source = read_subtitles(path, transcript_id)
    elif suffix in TABLE_SUFFIXES:
        source = read_table(path, transcript_id)
    else:
        raise InputError(path, f"unsupported file type '{suffix}'.",
                         f"use one of {', '.join(sorted(SUPPORTED_SUFFIXES))}.")
    check_has_informant(source, path)
    personas = {tid: plain_persona(p) for tid, p in source.personas.items()}
    return Source(source.turns, personas)


def plain_persona(persona: dict) -> dict:
    """Persona values as YAML scalars (dates as ISO text), whatever the format gave."""

    def plain(value):
        if isinstance(value, datetime.date):
            return value.isoformat()
        if isinstance(value, dict):
            return {str(k): plain(v) for k, v in value.items()}
        return value

    return {str(k): plain(v) for k, v in persona.items()}


def check_has_informant(source: Source, path: Path) -> None:
    if source.turns.empty:
        raise InputError(path, "no turns found (expected lines like 'Informan: ...').",
                         "write one turn per line as 'Speaker: text'.")
    for tid, group in source.turns.groupby("transcript_id", sort=True):
        informant = group[group["role"] == "informant"]
        if not (informant["text"].str.strip() != "").any():
            raise InputError(path, f"transcript '{tid}' has no informant speech (only "
                             "interviewer turns).", "label the informant's turns 'Informan:' "
                             "or map their label with 'speakers:'.")
        speech = informant["text"].map(remove_notes).str.strip()
        if not (speech != "").any():
            raise InputError(path, f"transcript '{tid}' has informant turns that hold only "
                             "transcriber's notes such as '(tertawa)' or '[tidak jelas]', no "
                             "speech.", "add the informant's words, or leave this transcript "
                             "out of the input folder.", line=_first_line(informant))


def _first_line(turns: pd.DataFrame) -> int | None:
    if "line" not in turns.columns or turns.empty:
        return None
    value = pd.to_numeric(turns["line"], errors="coerce").iloc[0]
    return int(value) if pd.notna(value) else None


def find_sources(folder: Path | str) -> dict[str, Path]:
    """Input files of a folder keyed by source id; a clash of ids names both files."""
    found: dict[str, Path] = {}
    for path in sorted(Path(folder).iterdir()):
        if not path.is_file() or path.name.startswith(".") or path.name.endswith(SIDECAR_SUFFIX):
            continue
        if path.suffix.lower() not in SUPPORTED_SUFFIXES:
            continue
        stem = path.name[: -len(path.suffix)]
        if stem in found:
            raise InputError(path, f"transcript id '{stem}' is also the id of {found[stem]}.",
                             "rename one of the two files; ids are file names without the "
                             "extension and must be unique.")
        found[stem] = path
    return found


def check_unique_transcripts(ids_by_source: dict[str, Iterable[str]],
                             paths: dict[str, Path]) -> None:
    """Transcript ids from tables must not clash with each other or with file ids."""
    owner: dict[str, str] = {}
    for source in sorted(ids_by_source):
        for tid in ids_by_source[source]:
            if tid in owner and owner[tid] != source:
                raise InputError(paths[source], f"transcript id '{tid}' also occurs in "
                                 f"{paths[owner[tid]]}.", "make transcript ids unique across "
                                 "the input folder.")
            owner[tid] = source
