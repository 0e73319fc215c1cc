"""Is this an ordinary word? Decided from lexicons, not guessed.

Three kinds of evidence, each in a data file or a real lexicon: the package's word lists
(standard, slang and regional forms, stop words, places, the study's domain terms) and word
frequencies of Indonesian and English (``wordfreq``, offline). Names are frequent words too
(Bayu, Indah, Bagus), so frequency is only one signal: callers decide how much it counts.
"""

from __future__ import annotations

import re
from functools import cache

from wordfreq import zipf_frequency

from jejak.resources import data_path, patterns, slang_table, stopwords

# Zipf 2 ≈ once per hundred million words: below it a word is unknown to both languages.
KNOWN_ZIPF = 2.0
# Indonesian words this frequent are ordinary even when a person bears them (indah, bagus).
COMMON_ZIPF = 4.8
PREFIXES = ("", "ke", "di", "me", "mem", "men", "meng", "meny", "ber", "be", "ter", "ng", "nge",
            "se", "pe", "pen", "pem", "peng", "per", "ba", "ta", "ma")
SUFFIXES = ("", "ku", "mu", "nya", "lah", "kah", "kan", "an", "in", "i", "e", "ne", "nyaa")
MIN_STEM = 4  # shorter stems make names ordinary: Di-mas, Ri-ni
STEM_ZIPF = 3.5  # a stem this frequent in Indonesian makes its affixed forms ordinary


def _lines(relative: str) -> frozenset[str]:
    text = data_path(relative).read_text(encoding="utf-8")
    return frozenset(w.strip().lower() for w in text.splitlines()
                     if w.strip() and not w.startswith("#"))


@cache
def vocabulary() -> frozenset[str]:
    """Ordinary Indonesian words of the package's texts, slang, regional forms, stop words."""
    return (_lines("id/vocabulary.txt") | _lines("id/regional_words.txt") | stopwords()
            | frozenset(slang_table()) | frozenset(w.lower() for w in
                                                 patterns().get("common_words", [])))


@cache
def places() -> frozenset[str]:
    return _lines("id/places.txt")


@cache
def domain_terms() -> frozenset[str]:
    return _lines("id/domain_terms.txt")


@cache
def org_heads() -> frozenset[str]:
    """Words after which capitalised words name a place or an organisation, not a person."""
    return frozenset(w.lower() for w in patterns()["org_heads"])


@cache
def proper_nouns() -> frozenset[str]:
    """Capitalised words that are no person: places, institutions, apps, calendar words."""
    words = set(patterns()["proper_nouns"]) | set(patterns()["not_names"])
    return frozenset(w.lower() for w in words) | places() | domain_terms()


def zipf(word: str, language: str) -> float:
    return zipf_frequency(_REPEATS.sub(r"\1", word), language)


_CLITIC = re.compile(r"-(?:e|ne|nya|ku|mu|an|in|lah|kah|pun|ji|mi|ki|ta)$")


_REPEATS = re.compile(r"([a-z])\1{2,}")
_FINAL_DOUBLE = re.compile(r"([a-z])\1$")


def _squeeze(word: str) -> str:
    """Elongations of typed speech: "ribettt" → "ribet", "sayaa" → "saya"."""
    word = _REPEATS.sub(r"\1", word)
    return word if word in vocabulary() else _FINAL_DOUBLE.sub(r"\1", word)


def base_form(word: str) -> str:
    """Without a hyphenated clitic or reduplication: "obgyn-e" → "obgyn", "mirip-mirip" →
    "mirip"."""
    word = _squeeze(_CLITIC.sub("", word.lower()))
    first, _, second = word.partition("-")
    return first if second and (second == first or second.startswith(first[:3])) else word


def in_word_lists(word: str, proper: bool = True) -> bool:
    """The word is in the package's word lists (``proper``: places and domain terms too), or
    is an affixed or reduplicated form of a word they or the Indonesian frequencies know
    ("kerahasiaan", "mirip-mirip")."""
    lower = word.lower()
    base = base_form(lower)
    known = vocabulary() | proper_nouns() if proper else vocabulary()
    if base in known:
        return True
    if base != lower and zipf(base, "id") >= STEM_ZIPF:
        return True  # "obgyn-e", "mirip-mirip": a clitic or reduplication on a known word
    return any(stem in known or zipf(stem, "id") >= STEM_ZIPF for stem in stems(base))


def stems(word: str) -> set[str]:
    """The word without each common prefix and suffix, stems of four letters or more."""
    found = set()
    for prefix in PREFIXES:
        for suffix in SUFFIXES:
            if word.startswith(prefix) and word.endswith(suffix) and (prefix or suffix):
                stem = word[len(prefix):len(word) - len(suffix)]
                if len(stem) >= MIN_STEM:
                    found.add(stem)
    return found


def is_derived_word(word: str) -> bool:
    """An ordinary word with an affix on a known stem ("layarnya", "diurus"): never a name."""
    return any(stem in vocabulary() | proper_nouns() or zipf(stem, "id") >= STEM_ZIPF
               for stem in stems(base_form(word)))


def is_known_word(word: str) -> bool:
    """Known to a lexicon at all: the word lists, or Indonesian or English frequency."""
    lower = word.lower()
    return in_word_lists(lower) or max(zipf(lower, "id"), zipf(lower, "en")) >= KNOWN_ZIPF


def is_english_word(word: str) -> bool:
    """Frequent in English and rarer in Indonesian: "Literally", "Reels", "Drive"."""
    lower = word.lower()
    return zipf(lower, "en") >= 3.0 and zipf(lower, "en") > zipf(lower, "id") + 1.0


def is_common_word(word: str) -> bool:
    """An ordinary word even where a person bears it: in the word lists or very frequent."""
    lower = word.lower()
    return in_word_lists(lower) or zipf(lower, "id") >= COMMON_ZIPF


@cache
def function_words() -> frozenset[str]:
    return stopwords() | frozenset(slang_table()) | _lines("id/regional_words.txt")


def is_function_word(word: str) -> bool:
    return base_form(word) in function_words()
