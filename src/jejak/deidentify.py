"""Replace personal identifiers with typed placeholders before anything is written.

Each ``mask_*`` function does one job on a string; ``deidentify_text`` composes them in an
order where the most specific shapes go first (an e-mail holds digits, a NIK holds a card-sized
run). Personas keep only non-identifying fields, with age as a band.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache

import pandas as pd

from jejak.resources import data_path, patterns, slang_table

NAME, PHONE, NIK, CARD, EMAIL, ADDRESS = (
    "[NAMA]", "[TELEPON]", "[NIK]", "[NO_KARTU]", "[EMAIL]", "[ALAMAT]",
)
PLACEHOLDERS = (NAME, PHONE, NIK, CARD, EMAIL, ADDRESS)

# A digit run must not touch letters or other digits: booking codes such as 0548R001 survive.
_EDGE_L, _EDGE_R = r"(?<![\w.+/-])", r"(?![\w]|[.,/-]\d)"
_SEP = r"[ .-]?"

EMAIL_RE = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
# 16 digits, plain or grouped in fours (or 6-6-4 as printed on some KTP copies).
NIK_RE = re.compile(
    _EDGE_L + r"(?:\d{16}|\d{4}(?:[ .-]\d{4}){3}|\d{6}[ .-]\d{6}[ .-]\d{4})" + _EDGE_R
)
# 13-digit BPJS card numbers, plain or grouped (4-4-4-1, 4-4-5, 3-4-6 ...).
CARD_RE = re.compile(_EDGE_L + r"(?:\d[ .-]?){12}\d" + _EDGE_R)
# Mobile numbers: 08…, 628…, +62 8…, 10–13 digits in groups; landlines (0548) 41234.
PHONE_RE = re.compile(
    r"(?:(?<![\w+])\+62|(?<![\w.+/-])62|(?<![\w.+/-])0)"
    r"[ .-]?\(?8\d{1,3}\)?(?:[ .-]?\d{2,5}){2,4}" + _EDGE_R
    + r"|\(0\d{2,3}\)[ .-]?\d{3,4}[ .-]?\d{0,4}" + _EDGE_R
    + r"|(?<![\w.+/-])0\d{2,3}[-]\d{5,8}" + _EDGE_R
)


@cache
def _honorific_re() -> re.Pattern:
    words = sorted({h.rstrip(".") for h in patterns()["honorifics"]}, key=len, reverse=True)
    # Only abbreviated titles ("dr.", "Bpk.") take a full stop; "Bu." ends a sentence.
    dotted = {a.rstrip(".") for a in patterns()["abbreviations"]}
    alternation = "|".join(re.escape(w) + (r"\.?" if w in dotted else "") for w in words)
    return re.compile(
        rf"(?<![\w])(?P<hon>{alternation})(?P<sep>\s+)"
        rf"(?P<name>[A-Z][a-zA-Z'’]+(?:\s+[A-Z][a-zA-Z'’]+){{0,2}})"
    )


@cache
def _self_intro_re() -> re.Pattern:
    heads = sorted(patterns()["self_intro"], key=len, reverse=True)
    alternation = "|".join(re.escape(h).replace(r"\ ", r"\s+") for h in heads)
    return re.compile(
        rf"(?i:(?<![\w])(?P<head>{alternation}|saya|ulun|aku))(?P<sep>[\s,]+(?:itu\s+|ini\s+)?)"
        rf"(?P<name>[A-Z][a-zA-Z'’]+(?:\s+[A-Z][a-zA-Z'’]+){{0,2}})"
    )


@cache
def _marker_re() -> re.Pattern:
    heads = sorted(patterns()["name_markers"], key=len, reverse=True)
    alternation = "|".join(re.escape(h).replace(r"\ ", r"\s+") for h in heads)
    return re.compile(
        rf"(?<![\w])(?P<head>(?i:{alternation}))(?P<sep>\s+)"
        rf"(?P<name>[A-Z][a-zA-Z'’]+(?:\s+[A-Z][a-zA-Z'’]+){{0,2}})"
    )


@cache
def _address_re() -> re.Pattern:
    heads = "|".join(re.escape(h) for h in sorted(patterns()["address_heads"], key=len,
                                                      reverse=True))
    parts = "|".join(re.escape(p) for p in sorted(patterns()["address_parts"], key=len,
                                                      reverse=True))
    name = rf"(?!(?i:{parts})\b)[A-Z0-9][\w'’-]*"
    number = r"(?:\d+[A-Za-z]?(?:[/-]\d+[A-Za-z]?)?|[A-Z](?:[ -]?\d+)?)\b"
    part = rf"(?:,?\s*(?i:{parts})\.?\s*{number})"
    # "Jl. Ahmad Yani No. 12 RT 05", "Perumahan PKT Gunung Elai Blok F-12", "RT 05 RW 02".
    return re.compile(
        rf"(?<![\w])(?:(?:{heads})\.?\s+{name}(?:\s+{name}){{0,3}}{part}*"
        rf"|(?:RT|Rt)\.?\s*\d{{1,3}}\s*/?\s*(?:RW|Rw)\.?\s*\d{{1,3}})"
    )


def _is_name(candidate: str) -> bool:
    first = candidate.split()[0]
    return first not in _not_names()


@cache
def _not_names() -> frozenset[str]:
    return frozenset(patterns()["not_names"])


def _trim_name(name: str) -> str:
    """Drop trailing capitalised words that are not names ("Rina Dari" → "Rina")."""
    words = name.split()
    while len(words) > 1 and words[-1] in _not_names():
        words.pop()
    return " ".join(words)


def mask_emails(text: str) -> str:
    return EMAIL_RE.sub(EMAIL, text)


def mask_nik(text: str) -> str:
    return NIK_RE.sub(NIK, text)


def mask_card_numbers(text: str) -> str:
    def card(match: re.Match) -> str:
        digits = re.sub(r"\D", "", match.group())
        # A 13-digit run that is a mobile number goes to the phone rule.
        return match.group() if digits.startswith(("08", "628")) else CARD

    return CARD_RE.sub(card, text)


def mask_phones(text: str) -> str:
    def phone(match: re.Match) -> str:
        digits = re.sub(r"\D", "", match.group())
        return PHONE if 8 <= len(digits) <= 15 else match.group()

    return PHONE_RE.sub(phone, text)


def mask_addresses(text: str) -> str:
    def address(match: re.Match) -> str:
        span = match.group()
        head = span.split()[0].rstrip(".")
        # "jalan" is also a verb and "Blok" alone is vague: need a number or a proper name.
        if head.lower() in {"jalan", "blok"} and not re.search(r"\d|[A-Z]\w+\s+[A-Z]", span[5:]):
            return span
        return ADDRESS

    return _address_re().sub(address, text)


def _mask_led_names(text: str, pattern: re.Pattern) -> str:
    def name(match: re.Match) -> str:
        candidate = _trim_name(match.group("name"))
        if not _is_name(candidate):
            return match.group()
        rest = match.group("name")[len(candidate) :]
        head = match.group("hon") if "hon" in match.groupdict() else match.group("head")
        return f"{head}{match.group('sep')}{NAME}{rest}"

    return pattern.sub(name, text)


def mask_honorific_names(text: str) -> str:
    return _mask_led_names(text, _honorific_re())


def mask_self_introductions(text: str) -> str:
    return _mask_led_names(text, _self_intro_re())


def mask_marked_names(text: str) -> str:
    return _mask_led_names(text, _marker_re())


def mask_known_names(text: str, names: Iterable[str]) -> str:
    """Mask every listed name (persona names, the study's list), whole words, any case."""
    tokens = sorted({t for n in names for t in _name_tokens(n)}, key=len, reverse=True)
    if not tokens:
        return text
    pattern = re.compile(r"(?<![\w\[])(?:" + "|".join(re.escape(t) for t in tokens)
                         + r")(?![\w\]])", re.IGNORECASE)
    return pattern.sub(NAME, text)


def _name_tokens(name: str) -> list[str]:
    """A full name and each of its parts of three or more letters, minus honorifics."""
    honorifics = {h.rstrip(".").lower() for h in patterns()["honorifics"]}
    words = [w.strip(".,") for w in str(name).split()]
    words = [w for w in words if w and w.lower() not in honorifics]
    parts = [w for w in words if len(w) >= 3]
    return ([" ".join(words)] if len(words) > 1 else []) + parts


@cache
def _ordinary_words() -> frozenset[str]:
    lines = data_path("id/vocabulary.txt").read_text(encoding="utf-8").splitlines()
    words = {w for w in lines if w and not w.startswith("#")}
    return frozenset(words | set(patterns().get("common_words", [])))


@cache
def _proper_nouns() -> frozenset[str]:
    return frozenset(patterns()["proper_nouns"]) | _not_names()


_TITLE_WORD = re.compile(r"(?<![\w\[@.])([A-Z][a-z]{2,})(?![\w\]@])")


def mask_unknown_capitalised(text: str) -> str:
    """A capitalised word that is no known place, institution or app and no ordinary word
    (seen in lower case in the package's texts) is taken for a name: "Aris yang nyari",
    "telpon Tutik". Privacy first: a rare ordinary word at a sentence start may be masked."""
    ordinary, proper = _ordinary_words(), _proper_nouns()

    def name(match: re.Match) -> str:
        word = match.group(1)
        return match.group() if word in proper or _is_ordinary(word.lower(), ordinary) else NAME

    return _TITLE_WORD.sub(name, text)


_SUFFIX = re.compile(r"(?:ku|mu|nya|lah|kah|an|in|e)$")
_PREFIX = re.compile(r"^(?:ke|di|me|mem|men|meng|ber|ter|ng|nge|se|pe|pen|pem)")


def _is_ordinary(word: str, ordinary: frozenset[str]) -> bool:
    """The word or its stem without a common affix ("Tetanggaku", "Kelihatannya")."""
    if word in ordinary or word in slang_table():
        return True
    stem = _SUFFIX.sub("", word)
    return any(form in ordinary for form in (stem, _PREFIX.sub("", stem), _PREFIX.sub("", word))
               if len(form) >= 3)


def collapse_placeholders(text: str) -> str:
    """``[NAMA] [NAMA]`` from a first and last name becomes one placeholder."""
    for placeholder in PLACEHOLDERS:
        text = re.sub(rf"{re.escape(placeholder)}(?:\s+{re.escape(placeholder)})+",
                      placeholder, text)
    return text


def deidentify_text(text: str, names: Iterable[str] = ()) -> str:
    """All masks in order: contacts and numbers, addresses, then names."""
    text = mask_emails(text)
    text = mask_nik(text)
    text = mask_phones(text)
    text = mask_card_numbers(text)
    text = mask_addresses(text)
    text = mask_known_names(text, names)
    text = mask_honorific_names(text)
    text = mask_self_introductions(text)
    text = mask_marked_names(text)
    text = mask_unknown_capitalised(text)
    return collapse_placeholders(text)


# --------------------------------------------------------------------------- personas

PERSONA_NAME_KEYS = ("name", "nama", "nama_lengkap", "full_name", "panggilan", "nickname")


def persona_names(persona: dict) -> list[str]:
    """Names in a persona: name fields and the labels ``speakers:`` maps to a person."""
    names = [str(persona[k]) for k in PERSONA_NAME_KEYS if persona.get(k)]
    builtin = {label.lower() for labels in patterns()["speaker_roles"].values()
               for label in labels}
    speakers = persona.get("speakers") or {}
    if isinstance(speakers, dict):
        names += [str(label) for label in speakers if str(label).lower() not in builtin]
    return names


def age_band(age, bands: list[int]) -> str:
    """``34`` → ``"25–34"`` for band edges [18, 25, 35, …]; unknown ages stay empty."""
    try:
        years = int(str(age).strip())
    except ValueError:
        return ""
    edges = sorted(bands)
    if years < edges[0]:
        return f"<{edges[0]}"
    for low, high in zip(edges, edges[1:], strict=False):
        if low <= years < high:
            return f"{low}–{high - 1}"
    return f"{edges[-1]}+"


def deidentify_persona(persona: dict, transcript_id: str, keep: list[str], bands: list[int],
                       names: Iterable[str] = ()) -> dict:
    """Only whitelisted, non-identifying fields survive; free text is masked too."""
    result = {"transcript_id": transcript_id, "age_band": age_band(persona.get("age"), bands)}
    for key in keep:
        if key in persona and persona[key] is not None:
            result[key] = deidentify_text(str(persona[key]), names)
    return result


def deidentify_turns(turns: pd.DataFrame, names: Iterable[str]) -> pd.DataFrame:
    names = list(names)
    masked = turns.copy()
    masked["text"] = [deidentify_text(t, names) for t in masked["text"]]
    meta = [c for c in masked.columns if c.startswith("meta_")]
    for column in meta:
        masked[column] = [deidentify_text(str(v), names) for v in masked[column]]
    return masked


def deidentify_files(turns_path, personas_path, turns_out, personas_out, privacy: dict) -> None:
    """Rule ``deidentify``: mask every turn and persona of one input file."""
    import logging

    from jejak.tables import read_json, read_tsv, write_json, write_tsv

    turns = read_tsv(turns_path)
    personas = read_json(personas_path)
    masked_turns, masked_personas = [], {}
    for tid, group in turns.groupby("transcript_id", sort=True):
        persona = personas.get(tid, {})
        names = [*persona_names(persona), *privacy["names"]]
        masked_turns.append(deidentify_turns(group, names))
        masked_personas[tid] = deidentify_persona(persona, tid, privacy["persona_keep"],
                                                  privacy["age_bands"], names)
    frame = pd.concat(masked_turns, ignore_index=True) if masked_turns else turns
    write_tsv(frame.sort_values(["transcript_id", "turn_index"], kind="stable"), turns_out)
    write_json(masked_personas, personas_out)
    placeholders = sum(frame["text"].str.count(r"\[(?:NAMA|TELEPON|NIK|NO_KARTU|EMAIL|ALAMAT)\]"))
    logging.getLogger("jejak").info("masked %d identifiers in %d turns", placeholders,
                                    len(frame))
