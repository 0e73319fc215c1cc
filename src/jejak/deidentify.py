"""Replace personal identifiers with typed placeholders before anything is written.

Each ``mask_*`` function does one job on a string; ``deidentify_text`` composes them in an
order where the most specific shapes go first (an e-mail holds digits, a NIK holds a card-sized
run). Personas keep only non-identifying fields, with age as a band.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from functools import cache

import pandas as pd

from jejak.names import (
    EMPTY_BOOK,
    NameBook,
    borderline,
    merge_books,
    name_book,
    scan,
    transcript_names,
)
from jejak.resources import patterns

NAME, PHONE, NIK, CARD, EMAIL, ADDRESS = (
    "[NAMA]", "[TELEPON]", "[NIK]", "[NO_KARTU]", "[EMAIL]", "[ALAMAT]",
)
PLACEHOLDERS = (NAME, PHONE, NIK, CARD, EMAIL, ADDRESS)
_ANY_PLACEHOLDER = re.compile("|".join(re.escape(p) for p in PLACEHOLDERS))

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


def _alternation(key: str) -> str:
    """A regex alternation of a word list of ``patterns.yaml``, longest first."""
    return "|".join(re.escape(w) for w in sorted(patterns()[key], key=len, reverse=True))


@cache
def _address_re() -> re.Pattern:
    heads, parts = _alternation("address_heads"), _alternation("address_parts")
    name = rf"(?!(?i:{parts})\b)[A-Z0-9][\w'’-]*"
    number = r"(?:\d+[A-Za-z]?(?:[/-]\d+[A-Za-z]?)?|[A-Z](?:[ -]?\d+)?)\b"
    part = rf"(?:,?\s*(?i:{parts})\.?\s*{number})"
    # "Jl. Ahmad Yani No. 12 RT 05", "Perumahan PKT Gunung Elai Blok F-12", "RT 05 RW 02".
    return re.compile(
        rf"(?<![\w])(?:(?:{heads})\.?\s+{name}(?:\s+{name}){{0,3}}{part}*"
        rf"|(?:RT|Rt)\.?\s*\d{{1,3}}\s*/?\s*(?:RW|Rw)\.?\s*\d{{1,3}})"
    )


@cache
def _lower_address_re() -> re.Pattern:
    """Addresses in any case ("gang kenanga no. 5 rt 03"): a head, up to four words, and at
    least one numbered part, so "jalan kaki ke loket" is no address."""
    heads, parts = _alternation("address_heads"), _alternation("address_parts")
    word = rf"(?!(?:{parts})\b)[a-z0-9][\w'’-]*"
    number = r"(?:\d+[a-z]?(?:[/-]\d+[a-z]?)?|[a-z](?:[ -]?\d+))\b"
    part = rf"(?:,?\s*(?:{parts})\.?\s*{number})"
    return re.compile(rf"(?i)(?<![\w])(?:(?:{heads})\.?\s+{word}(?:\s+{word}){{0,3}}{part}+"
                      rf"|rt\.?\s*\d{{1,3}}\s*/?\s*rw\.?\s*\d{{1,3}})")


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

    return _lower_address_re().sub(ADDRESS, _address_re().sub(address, text))


def mask_names(text: str, book: NameBook = EMPTY_BOOK) -> str:
    """Every word that ``names.scan`` finds to be a name, given the study's name book."""
    out, last = [], 0
    for token, _ in scan(text, book):
        out += [text[last:token.start], NAME]
        last = token.end
    return "".join([*out, text[last:]])


def collapse_placeholders(text: str) -> str:
    """``[NAMA] [NAMA]`` from a first and last name becomes one placeholder."""
    for placeholder in PLACEHOLDERS:
        text = re.sub(rf"{re.escape(placeholder)}(?:\s+{re.escape(placeholder)})+",
                      placeholder, text)
    return text


def mask_contacts(text: str) -> str:
    """E-mails, NIK, phones, card numbers and addresses, most specific shapes first (an e-mail
    holds digits, a NIK holds a card-sized run)."""
    text = mask_emails(text)
    text = mask_nik(text)
    text = mask_phones(text)
    text = mask_card_numbers(text)
    return mask_addresses(text)


def deidentify_text(text: str, names: Iterable[str] = (), book: NameBook | None = None) -> str:
    """All masks in order: contacts and numbers, addresses, then names (those listed, those
    in ``book``, and those the text itself gives evidence for)."""
    text = mask_contacts(text)
    known = merge_books(name_book(names), book or EMPTY_BOOK)
    return collapse_placeholders(mask_names(text, known))


# --------------------------------------------------------------------------- personas

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
                       names: Iterable[str] = (), book: NameBook | None = None) -> dict:
    """Only whitelisted, non-identifying fields survive; free text is masked too."""
    result = {"transcript_id": transcript_id, "age_band": age_band(persona.get("age"), bands)}
    for key in keep:
        if key in persona and persona[key] is not None:
            result[key] = deidentify_text(str(persona[key]), names, book)
    return result


AUDIT_COLUMNS = ["transcript_id", "row", "item", "n", "turn_index", "context"]
CONTEXT_WORDS = 6


def review_contexts(text: str, book: NameBook) -> list[tuple[str, str]]:
    """(decision, de-identified context) for every borderline decision in one text; the word
    decided on is marked «…» and shown only where it was kept (it is in results anyway)."""
    text = mask_contacts(text)
    spans = [(t.start, t.end) for t, _ in scan(text, book)]
    out = []
    for token, decision in borderline(text, book):
        left = text[:token.start].split()[-CONTEXT_WORDS:]
        right = text[token.end:].split()[:CONTEXT_WORDS]
        word = NAME if (token.start, token.end) in spans else token.text
        window = " ".join([*left, f"«{word}»", *right])
        out.append((decision, collapse_placeholders(_mask_spans_in(window, text, spans, token))))
    return out


def _mask_spans_in(window: str, text: str, spans: list[tuple[int, int]], token) -> str:
    """The window with every other name of the text masked too."""
    for start, end in spans:
        if (start, end) != (token.start, token.end):
            window = re.sub(rf"(?<![\w\[]){re.escape(text[start:end])}(?![\w\]])", NAME, window)
    return window


def privacy_audit(original: pd.DataFrame, masked: pd.DataFrame,
                  books: dict[str, NameBook]) -> pd.DataFrame:
    """``privacy.tsv`` rows of one input file: per transcript how many of each placeholder,
    then the borderline decisions with their de-identified contexts."""
    rows = []
    for tid, group in masked.groupby("transcript_id", sort=True):
        counts = Counter(p for text in group["text"] for p in _ANY_PLACEHOLDER.findall(text))
        rows += [{"transcript_id": tid, "row": "count", "item": p, "n": counts.get(p, 0),
                  "turn_index": "", "context": ""} for p in PLACEHOLDERS]
        source = original[original["transcript_id"] == tid]
        for turn, text in zip(source["turn_index"], source["text"], strict=True):
            rows += [{"transcript_id": tid, "row": "review", "item": decision, "n": 1,
                      "turn_index": int(turn), "context": context}
                     for decision, context in review_contexts(str(text), books[tid])]
    return pd.DataFrame(rows, columns=AUDIT_COLUMNS)


def deidentify_turns(turns: pd.DataFrame, book: NameBook) -> pd.DataFrame:
    masked = turns.copy()
    for column in ["text", *(c for c in masked.columns if c.startswith("meta_"))]:
        masked[column] = [deidentify_text(str(v), book=book) for v in masked[column]]
    return masked


def transcript_book(turns: pd.DataFrame, persona: dict, privacy: dict,
                    study: NameBook = EMPTY_BOOK) -> NameBook:
    """The names of one transcript (found in it, its persona, its table columns, the study's
    list) together with the names found elsewhere in the batch."""
    contacts_masked = turns.assign(text=[mask_contacts(str(t)) for t in turns["text"]])
    found = transcript_names(contacts_masked, persona, privacy.get("names") or [])
    return merge_books(name_book(found), study)


def deidentify_source(turns: pd.DataFrame, personas: dict[str, dict], privacy: dict,
                      study: NameBook = EMPTY_BOOK
                      ) -> tuple[pd.DataFrame, dict[str, dict], pd.DataFrame]:
    """Mask every turn and persona of one input file (its transcripts in id order); the
    third value is the file's privacy audit."""
    masked_turns, masked_personas, books = [], {}, {}
    for tid, group in turns.groupby("transcript_id", sort=True):
        persona = personas.get(tid, {})
        books[tid] = transcript_book(group, persona, privacy, study)
        masked_turns.append(deidentify_turns(group, books[tid]))
        masked_personas[tid] = deidentify_persona(persona, tid, privacy["persona_keep"],
                                                  privacy["age_bands"], book=books[tid])
    frame = pd.concat(masked_turns, ignore_index=True) if masked_turns else turns
    frame = frame.sort_values(["transcript_id", "turn_index"], kind="stable")
    return frame, masked_personas, privacy_audit(turns, frame, books)




def count_placeholders(texts: Iterable[str]) -> int:
    return sum(len(_ANY_PLACEHOLDER.findall(str(t))) for t in texts)
