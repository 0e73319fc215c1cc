"""Split informant turns into sentence-sized utterances and normalise their text.

spaCy's blank Indonesian tokenizer, taught the abbreviations of Indonesian transcripts, plus one
sentence-boundary component with the rules spoken Indonesian needs: an abbreviation or a number
such as ``09.30`` does not end a sentence, a hesitation ellipsis followed by lower case does
not either, and quoted speech stays inside the sentence that quotes it.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pandas as pd

from jejak.deidentify import PLACEHOLDERS
from jejak.notes import remove_notes
from jejak.resources import patterns, slang_table

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

UTTERANCE_COLUMNS = [
    "transcript_id", "turn_index", "utterance_index", "text", "text_clean", "question",
]
_SENTENCE_END = {".", "!", "?", "…", "...", "!?", "?!", "..", "....", "?!?"}
_QUOTES_OPEN_CLOSE = {"“": "”", "«": "»"}
_PLACEHOLDER_ALT = "|".join(re.escape(p) for p in PLACEHOLDERS)


def _sentence_rules(doc: Doc) -> Doc:
    abbreviations = {a.lower() for a in patterns()["abbreviations"]}
    in_quote = False
    previous_ends = False
    for i, token in enumerate(doc):
        text = token.text
        token.is_sent_start = i == 0 or (previous_ends and not in_quote
                                         and not _continues(token, doc[i - 1]))
        if text == '"':
            in_quote = not in_quote
        elif text in _QUOTES_OPEN_CLOSE:
            in_quote = True
        elif text in _QUOTES_OPEN_CLOSE.values():
            in_quote = False
        ends = (text in _SENTENCE_END or bool(re.fullmatch(r"[.!?…]+", text))) and \
            text.lower() not in abbreviations
        # A closing quote or bracket right after the end mark still belongs to the sentence.
        previous_ends = ends or (previous_ends and text in {'"', "”", ")", "'"})
    return doc


def _continues(token, previous) -> bool:
    """Lower case after an ellipsis is a hesitation, not a new sentence."""
    hesitation = previous.text in {"...", "…", "..", "...."} or previous.text.endswith("..")
    return hesitation and token.text[:1].islower()


def make_nlp() -> Language:
    """``spacy.blank("id")`` with abbreviation special cases and the sentence rules."""
    # spaCy is imported here, not at the top: importing it costs two seconds, and most
    # jobs that import this package never split a sentence.
    import spacy
    from spacy.language import Language

    if not Language.has_factory("jejak_sentences"):
        Language.component("jejak_sentences", func=_sentence_rules)
    nlp = spacy.blank("id")
    for abbreviation in patterns()["abbreviations"]:
        nlp.tokenizer.add_special_case(abbreviation, [{"ORTH": abbreviation}])
    for placeholder in PLACEHOLDERS:
        nlp.tokenizer.add_special_case(placeholder, [{"ORTH": placeholder}])
    nlp.add_pipe("jejak_sentences")
    return nlp


def split_sentences(text: str, nlp: Language) -> list[str]:
    doc = nlp(text)
    return [s.text.strip() for s in doc.sents if s.text.strip()]


# --------------------------------------------------------------------------- normalisation


def squeeze_repeats(text: str) -> str:
    """``bangettt`` → ``banget``, ``seneeeng`` → ``seneng``: three or more repeats to one."""
    return re.sub(r"([a-z])\1{2,}", r"\1", text)


def lower_keep_placeholders(text: str) -> str:
    parts = re.split(rf"({_PLACEHOLDER_ALT})", text)
    return "".join(p if p in PLACEHOLDERS else p.lower() for p in parts)


def expand_slang(text: str) -> str:
    """Replace informal and regional forms with standard Indonesian, word by word."""
    table = slang_table()

    def word(match: re.Match) -> str:
        return table.get(match.group(), match.group())

    return re.sub(r"[a-z][a-z0-9']*(?:-[a-z0-9']+)?", word, text)


def collapse_spaces(text: str) -> str:
    text = re.sub(r"\s+([,.!?;:])", r"\1", text)
    return re.sub(r"\s+", " ", text).strip(" ,;")


def normalise(text: str) -> str:
    """The ``text_clean`` of an utterance: notes out, lower case, repeats, slang, spaces."""
    text = remove_notes(text)
    text = lower_keep_placeholders(text)
    text = squeeze_repeats(text)
    text = expand_slang(text)
    return collapse_spaces(text)


# --------------------------------------------------------------------------- turns


def segment_turns(turns: pd.DataFrame, nlp: Language) -> pd.DataFrame:
    """Informant turns → utterances; each carries the interviewer question before it."""
    rows: list[dict] = []
    meta = [c for c in turns.columns if c.startswith("meta_")]
    for _tid, group in turns.groupby("transcript_id", sort=True):
        question = ""
        for turn in group.sort_values("turn_index").itertuples(index=False):
            turn = turn._asdict()
            if turn["role"] == "interviewer":
                question = normalise(turn["text"])
                continue
            index = 0
            for sentence in split_sentences(turn["text"], nlp):
                clean = normalise(sentence)
                if not re.search(r"\w", clean):
                    continue
                rows.append({
                    "transcript_id": turn["transcript_id"], "turn_index": turn["turn_index"],
                    "utterance_index": index, "text": tidy_spaces(sentence),
                    "text_clean": clean, "question": question,
                    **{c: turn[c] for c in meta},
                })
                index += 1
    return pd.DataFrame(rows, columns=UTTERANCE_COLUMNS + meta)


def tidy_spaces(sentence: str) -> str:
    """``text`` keeps the speech as spoken; only whitespace is tidied."""
    return re.sub(r"\s+", " ", sentence).strip()
