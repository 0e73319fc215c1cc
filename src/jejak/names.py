"""Names of people as entities of the study: found once, masked at every occurrence.

A name is found where there is evidence for it — a persona field, a speaker label, a table
column that holds names, ``privacy.names``, a self-introduction, an honorific, title or kinship
word before it, or a cue such as ``kata``, ``hubungi``, ``sama`` — in any case, since
speech-to-text gives lower case. ``scan`` decides, word by word, which words of one text are
names; ``NameBook`` holds the names found in a transcript (or a batch) so that a name said
once with a cue is masked where it comes without one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache

import pandas as pd
import yaml

from jejak import lexicon
from jejak.resources import data_path, patterns

WORD = re.compile(r"[A-Za-z][A-Za-z'’]*(?:-[A-Za-z]+)*")
PLACEHOLDER = re.compile(r"\[[A-Z_]+\]")
REDUPLICATED = re.compile(r"(\w{2,})-\1\w*")
SENTENCE_END = re.compile(r"(?:^|[.!?…:;\"“”(\n]|\s-\s)\s*$")
MIN_NAME_LETTERS = 3
# A lower-case word after a name continues it unless it is this frequent in Indonesian.
CONTINUATION_ZIPF = 4.0
# Without a cue, a capitalised word this frequent in Indonesian is taken for an ordinary word
# written with a capital (reviews capitalise freely: "Aktif", "Fasilitas"); the name tagger
# still catches the frequent names (Daniel, Budi) it reads as persons.
COMMON_NAME_ZIPF = 4.0
PERSONA_NAME_KEYS = ("name", "nama", "nama_lengkap", "full_name", "panggilan", "nickname")
# Cues after which any word but a function or role word is a name (as after an honorific).
STRONG_CUES = frozenset({"si"})
NAMED_CUES = frozenset({"namanya", "bernama", "atas nama", "a.n.", "an."})
EXPLICIT_INTRO = frozenset({"nama saya",
                            "namaku", "nama ulun", "nama aku", "nama gue",
                            "nama gw", "nama sya", "nama kulo", "panggil saja", "panggil aja",
                            "dipanggil", "perkenalkan saya", "perkenalkan, saya",
                            "kenalkan saya", "kenalin saya"})


TAGGER = "name_tagger"  # package data: a spaCy ``ner`` trained on NER-Prosa persons


@cache
def tagger():
    """The shipped person-name tagger, or ``None`` where it is absent; loaded on first use."""
    import spacy  # two seconds to import; only the de-identification steps need it

    path = data_path(TAGGER)
    return spacy.load(path) if (path / "meta.json").exists() else None


@lru_cache(maxsize=20000)
def tagged_persons(text: str) -> frozenset[int]:
    """Start offsets of the words the tagger reads as part of a person's name; it learnt
    from lower-cased news, so it reads the text lower-cased."""
    model = tagger()
    if model is None or not text.strip():
        return frozenset()
    doc = model(text.lower())
    return frozenset(t.idx for ent in doc.ents if ent.label_ == "PER" for t in ent)


@cache
def cues() -> dict:
    return yaml.safe_load(data_path("id/name_cues.yaml").read_text(encoding="utf-8"))


@cache
def honorifics() -> frozenset[str]:
    return frozenset(w.lower().rstrip(".") for w in cues()["honorifics"])


@cache
def titles() -> frozenset[str]:
    return frozenset(w.lower() for w in cues()["titles"])


@cache
def role_words() -> frozenset[str]:
    return frozenset(w.lower() for w in cues()["role_words"])


@cache
def cue_phrases() -> dict[str, str]:
    """Lower-case cue phrase → its kind: ``intro``, ``strong`` or ``weak``."""
    kinds = {c.lower(): ("intro" if c.lower() in EXPLICIT_INTRO else "self")
             for c in cues()["self_intro"]}
    for cue in cues()["name_cues"]:
        cue = cue.lower()
        kinds[cue] = ("named" if cue in NAMED_CUES else "honorific" if cue in STRONG_CUES
                      else "weak")
    for kin in cues()["kin"]:
        for owner in cues()["possessives"]:
            kinds[f"{kin} {owner}".lower()] = "kin"
            kinds[f"{kin}{owner}".lower()] = "kin"
    return kinds


@cache
def name_columns() -> frozenset[str]:
    return frozenset(c.lower() for c in cues()["name_columns"])


# --------------------------------------------------------------------------- the name book


@dataclass(frozen=True)
class NameBook:
    """Names known for a transcript, as lower-case words: ``strong`` ones are masked in any
    case wherever they stand; ``common`` ones (a person called Indah or Bagus) only where
    capitalised inside a sentence or after a cue."""

    strong: frozenset[str] = frozenset()
    common: frozenset[str] = frozenset()

    def __contains__(self, word: str) -> bool:
        return word.lower() in self.strong or word.lower() in self.common


EMPTY_BOOK = NameBook()


def name_words(name: str) -> list[str]:
    """The words of a full name that identify (three letters or more, no honorific)."""
    words = [w.lower() for w in WORD.findall(str(name))]
    return [w for w in words if len(w) >= MIN_NAME_LETTERS and w not in honorifics()
            and w not in titles() and w not in role_words()]


def name_book(names: Iterable[str]) -> NameBook:
    words = {w for name in names for w in name_words(name)}
    common = {w for w in words if lexicon.is_common_word(w)}
    return NameBook(frozenset(words - common), frozenset(common))


def merge_books(*books: NameBook) -> NameBook:
    return NameBook(frozenset().union(*(b.strong for b in books)),
                    frozenset().union(*(b.common for b in books)))


# --------------------------------------------------------------------------- scanning


@dataclass(frozen=True)
class Token:
    start: int
    end: int
    text: str
    sentence_start: bool
    cue: str  # kind of the cue right before the word: "", honorific, intro, self, strong, weak
    tagged: bool = False  # the name tagger reads it as part of a person's name


def tokens(text: str) -> list[Token]:
    """Words with what precedes them: a sentence boundary, an honorific, a cue phrase."""
    found: list[Token] = []
    previous: list[str] = []
    last_end = 0
    for match in WORD.finditer(text):
        gap = text[last_end:match.start()]
        if PLACEHOLDER.search(gap) or re.search(r"[;:()\"“”.!?]", gap.replace(".", "", 1)
                                                 if previous[-1:] in (["dr"], ["drg"]) else gap):
            previous = []
        found.append(Token(match.start(), match.end(), match.group(),
                           not found or bool(SENTENCE_END.search(text[:match.start()])),
                           _cue_before(previous, gap)))
        previous = [*previous[-1:], match.group().lower()]
        last_end = match.end()
    persons = tagged_persons(text)
    return [Token(t.start, t.end, t.text, t.sentence_start, t.cue, t.start in persons)
            for t in found if not _inside_placeholder(text, t)]


def _inside_placeholder(text: str, token: Token) -> bool:
    return text[max(0, token.start - 1):token.start] == "[" and text[token.end:token.end + 1] == "]"


def _cue_before(previous: list[str], gap: str) -> str:
    """The kind of cue the one or two words before a word make, given the gap between."""
    if not previous:
        return ""
    plain = gap.strip() == "" or (gap.strip() == "." and previous[-1] in {"dr", "drg"})
    kinds = cue_phrases()
    if gap.strip() in {"", ","} and " ".join(previous[-2:]) in kinds \
            and kinds[" ".join(previous[-2:])] == "kin":
        return "kin"
    if not plain:
        return ""
    if len(previous) == 2 and previous[0] in honorifics() | titles() \
            and previous[1] in role_words():
        return "role"  # "bu guru ningsih", but "bu dokter ramah", "perawat Poli Paru"
    if previous[-1] in lexicon.org_heads():
        return "org"
    if previous[-1] in honorifics():
        return "honorific"
    if previous[-1] in titles():
        return "honorific"
    for size in (2, 1):
        phrase = " ".join(previous[-size:])
        if len(previous) >= size and kinds.get(phrase, "kin") != "kin":
            return kinds[phrase]
    return ""


def _capitalised(word: str) -> bool:
    return word[:1].isupper() and not word.isupper()


def is_name(token: Token, book: NameBook, after_name: bool = False) -> bool:
    """Whether one word is (part of) a person's name, given its context and the name book."""
    word, lower = token.text, token.text.lower()
    if lower in book.strong:
        return True
    cued = (token.cue and token.cue != "org") or after_name
    if lower in book.common:
        return cued or (_capitalised(word) and not token.sentence_start)
    if REDUPLICATED.fullmatch(lower):
        return False  # "muji-muji", "macem-macem": reduplication makes ordinary words
    if word.split("-")[0].isupper() or len(word) < MIN_NAME_LETTERS:
        return False  # acronyms (HP, KTP, RT) and two-letter words
    if token.cue == "org":
        return False
    if token.cue in {"honorific", "kin"}:
        # "Bu Endang", "mbak nadia"; but "Mbak pakai fitur lain?" addresses the listener.
        return _not_a_common_word(lower) and (_capitalised(word) or not lexicon.in_word_lists(
            lower, proper=False))
    if token.cue == "role":
        return _not_a_common_word(lower) and not lexicon.in_word_lists(lower)
    if token.cue in {"named", "intro"}:  # "namanya Rina", not "namanya kerahasiaan data"
        if _capitalised(word):
            return _not_a_common_word(lower) and lexicon.base_form(word) not in \
                lexicon.proper_nouns()  # "namanya Mobile JKN"
        return _not_a_common_word(lower) and not lexicon.in_word_lists(lower, proper=False)
    if token.cue == "self":
        return _capitalised(word) and not token.sentence_start \
            and not lexicon.in_word_lists(word) and not lexicon.is_english_word(word)
    if token.cue == "weak":  # "hubungi yuliana", but not typed shorthand ("sama jdi", "skli")
        return _looks_like_name(word, token.sentence_start) and (
            _capitalised(word) or token.tagged or _pronounceable(lower))
    if after_name:  # "Yogi Pratama", "bapak syamsul bahri", but "Heru pengadaan"
        if _capitalised(word):
            return _not_a_common_word(lower) and lexicon.base_form(word) not in \
                lexicon.proper_nouns()
        return _not_a_common_word(lower) and not lexicon.in_word_lists(lower) \
            and lexicon.zipf(lower, "id") < CONTINUATION_ZIPF
    if token.tagged and not (token.sentence_start and _capitalised(word)):
        # a name by the tagger, unless a word list knows the word
        return _not_a_common_word(lower) and not lexicon.in_word_lists(lower) \
            and not lexicon.is_english_word(word)
    return _capitalised(word) and _unknown_capitalised(word, token.sentence_start)


def _pronounceable(lower: str) -> bool:
    """Names are spelt out; typed shorthand drops vowels ("jdi", "sdngkan", "bgini")."""
    letters = [c for c in lower if c.isalpha()]
    return len(letters) >= 4 and sum(c in "aeiou" for c in letters) / len(letters) >= 0.4


def _not_a_common_word(lower: str) -> bool:
    """Not a role or function word: what may follow an honorific as a name. Place words are
    no exception there ("dr. Lestari", "mbak Indah")."""
    return lower not in role_words() and not lexicon.is_function_word(lower)


def _looks_like_name(word: str, sentence_start: bool) -> bool:
    if _capitalised(word) and not sentence_start:
        return not lexicon.in_word_lists(word) and not lexicon.is_english_word(word)
    return not lexicon.is_known_word(word)


def _unknown_capitalised(word: str, sentence_start: bool) -> bool:
    """A capitalised word with no cue: inside a sentence a name unless a lexicon knows it; at
    a sentence start never by itself ("Tumben", "Wektu", "Bedane": a name there needs other
    evidence, such as the name book)."""
    return not sentence_start and not lexicon.in_word_lists(word) \
        and not lexicon.is_english_word(word) \
        and lexicon.zipf(word.lower(), "id") < COMMON_NAME_ZIPF


def scan(text: str, book: NameBook = EMPTY_BOOK) -> list[tuple[Token, bool]]:
    """The words of ``text`` that are names, each with whether it continues the name before
    it: a name's following capitalised or unknown words belong to it ("Bu Rahmat Hidayat")."""
    names: list[tuple[Token, bool]] = []
    previous_end, org_end = -1, -1
    for token in tokens(text):
        follows = previous_end >= 0 and bool(re.fullmatch(r"\s+", text[previous_end:token.start]))
        in_org = token.cue == "org" or (org_end >= 0 and _capitalised(token.text) and bool(
            re.fullmatch(r"\s+", text[org_end:token.start])))
        org_end = token.end if in_org else -1
        if in_org and token.text.lower() not in book.strong:
            previous_end = -1
        elif is_name(token, book, after_name=follows):
            names.append((token, follows))
            previous_end = token.end
        else:
            previous_end = -1
    return names


LOWER_MASKED = "lower-case word masked as a name"
CAPITAL_KEPT = "capitalised word kept as an ordinary word"
START_KEPT = "capitalised word at a sentence start kept (known to word frequencies only)"


def borderline(text: str, book: NameBook = EMPTY_BOOK) -> list[tuple[Token, str]]:
    """Decisions a researcher should review: lower-case words masked as names, capitalised
    words kept as ordinary words."""
    masked = {token.start for token, _ in scan(text, book)}
    points = []
    for token in tokens(text):
        word = token.text
        if token.start in masked:
            if word.islower():
                points.append((token, LOWER_MASKED))
        elif _capitalised(word) and len(word) >= MIN_NAME_LETTERS \
                and lexicon.base_form(word) not in lexicon.proper_nouns() | role_words():
            if not token.sentence_start:
                points.append((token, CAPITAL_KEPT))
            elif not lexicon.in_word_lists(word):
                points.append((token, START_KEPT))
    return points


def cued_names(text: str) -> list[str]:
    """Names a text itself gives evidence for (a cue, a self-introduction, an honorific),
    with the words that continue them."""
    found, in_run = [], False
    for token, follows in scan(text):
        evidence = bool(token.cue)
        in_run = evidence or (follows and in_run)
        if in_run:
            found.append(token.text)
    return found


# --------------------------------------------------------------------------- sources


def persona_names(persona: dict) -> list[str]:
    """Names in a persona: name fields and the labels ``speakers:`` maps to a person."""
    names = [str(persona[k]) for k in PERSONA_NAME_KEYS if persona.get(k)]
    builtin = {label.lower() for labels in patterns()["speaker_roles"].values()
               for label in labels}
    speakers = persona.get("speakers") or {}
    if isinstance(speakers, dict):
        names += [str(label) for label in speakers if str(label).lower() not in builtin]
    return names


def table_names(turns: pd.DataFrame) -> list[str]:
    """Values of table columns that hold names (``meta_nama``, ``meta_responden`` …)."""
    columns = [c for c in turns.columns
               if c.startswith("meta_") and c[len("meta_"):].lower() in name_columns()]
    return sorted({str(v) for c in columns for v in turns[c] if str(v).strip()})


def transcript_names(turns: pd.DataFrame, persona: dict, listed: Iterable[str]) -> list[str]:
    """Every name one transcript gives evidence for, in any of its forms."""
    names = [*persona_names(persona), *listed, *table_names(turns)]
    for text in turns["text"]:
        names += cued_names(str(text))
    return sorted(set(names))
