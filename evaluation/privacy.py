"""The privacy section of ``make eval``: identifier recall and ``[NAMA]`` precision.

Two test sets: the project's own de-identification set (``evaluation/privacy/``: interview
sentences in the study's styles, half lower-cased, every identifier and many look-alikes
annotated; its ``dev`` documents may be read while building rules, only ``test`` is scored
for the README) and the NER-Prosa test split (``../shared/data/ner-prosa/``, lower-cased news
sentences whose person, place and organisation names others annotated), read where it lies.
"""

from __future__ import annotations

import csv
import difflib
import re
from collections import Counter
from pathlib import Path

import pandas as pd

from jejak.deidentify import NAME, deidentify_source, deidentify_text

HERE = Path(__file__).resolve().parent
SET = HERE / "privacy"
WORD = re.compile(r"\[[A-Z_]+\]|[\w'’-]+|[^\w\s]")


def read_set(split: str | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    docs = pd.read_csv(SET / "documents.tsv", sep="\t", dtype=str, keep_default_na=False,
                       quoting=csv.QUOTE_NONE)
    sentences = pd.read_csv(SET / "sentences.tsv", sep="\t", dtype=str, keep_default_na=False,
                            quoting=csv.QUOTE_NONE)
    if split:
        docs = docs[docs["split"] == split]
        sentences = sentences[sentences["doc_id"].isin(docs["doc_id"])]
    return docs, sentences


def items(cell: str) -> list[tuple[str, str]]:
    return [tuple(i.split("=", 1)) for i in cell.split(";") if "=" in i]


def mask_documents(docs: pd.DataFrame, sentences: pd.DataFrame) -> dict[str, str]:
    """Each document as one transcript: its sentences as informant turns, the informant's
    name as a persona field, the interviewer's as a speaker label, other names as listed."""
    out: dict[str, str] = {}
    for doc in docs.itertuples(index=False):
        rows = sentences[sentences["doc_id"] == doc.doc_id]
        turns = pd.DataFrame({"transcript_id": doc.doc_id, "turn_index": range(len(rows)),
                              "role": "informant", "text": rows["text"].tolist()})
        persona = {"name": doc.informant_name} if doc.informant_name else {}
        if doc.interviewer_name:
            persona["speakers"] = {doc.interviewer_name: "interviewer"}
        privacy = {"names": [n for n in doc.other_names.split(";") if n],
                   "persona_keep": [], "age_bands": [18]}
        masked, _, _ = deidentify_source(turns, {doc.doc_id: persona}, privacy)
        out.update(dict(zip(rows["sentence_id"], masked["text"], strict=True)))
    return out


def replaced_spans(original: str, masked: str) -> list[tuple[str, str]]:
    """(original words, placeholder) for every stretch of words a placeholder replaced."""
    a, b = WORD.findall(original), WORD.findall(masked)
    spans = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if tag == "replace":
            for placeholder in (w for w in b[j1:j2] if w.startswith("[")):
                spans.append((" ".join(a[i1:i2]), placeholder))
    return spans


def survives(value: str, masked: str) -> bool:
    return re.search(rf"(?<![\w]){re.escape(value)}(?![\w])", masked, re.IGNORECASE) is not None


def name_mention_masked(value: str, masked: str) -> bool:
    return not any(survives(w, masked) for w in re.findall(r"[\w'’-]{2,}", value))


def score_set(sentences: pd.DataFrame, masked: dict[str, str]) -> dict:
    found, total = Counter(), Counter()
    right_names = wrong_names = kept = lookalikes = 0
    wrong: list[str] = []
    for row in sentences.itertuples(index=False):
        out = masked[row.sentence_id]
        identifiers = items(row.identifiers)
        for kind, value in identifiers:
            total[kind] += 1
            ok = name_mention_masked(value, out) if kind == "name" else not survives(value, out)
            found[kind] += ok
        names = [v.lower() for k, v in identifiers if k == "name"]
        for words, placeholder in replaced_spans(row.text, out):
            if placeholder != NAME:
                continue
            if any(w in words.lower() or words.lower() in w for w in names):
                right_names += 1
            else:
                wrong_names += 1
                wrong.append(f"{row.sentence_id}: {words}")
        for value in filter(None, row.lookalikes.split(";")):
            lookalikes += 1
            kept += survives(value, out)
    recall = {k: found[k] / total[k] for k in sorted(total)}
    return {"recall": recall, "name_precision": right_names / max(1, right_names + wrong_names),
            "lookalikes_kept": kept / max(1, lookalikes), "n_names": total["name"],
            "n_placeholders": right_names + wrong_names, "wrong": wrong}


def own_set_figures(split: str = "test") -> dict:
    docs, sentences = read_set(split)
    return score_set(sentences, mask_documents(docs, sentences))


def read_conll(path: Path) -> list[list[tuple[str, str]]]:
    sentences, current = [], []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            if current:
                sentences.append(current)
            current = []
            continue
        token, _, tag = line.partition("\t")
        current.append((token, tag.strip()))
    return sentences + ([current] if current else [])


def entities(tokens: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """(type, text) of every BIO-tagged entity."""
    found, words, kind = [], [], ""
    for token, tag in [*tokens, ("", "O")]:
        if tag.startswith("B-") or tag == "O" or (tag.startswith("I-") and tag[2:] != kind):
            if words:
                found.append((kind, " ".join(words)))
            words, kind = ([token], tag[2:]) if tag != "O" else ([], "")
        else:
            words.append(token)
    return found


def ner_prosa_figures(path: Path) -> dict:
    """Person recall, places and organisations kept, and [NAMA] precision on lower-cased news."""
    persons = masked_persons = others = kept = right = wrong = 0
    for tokens in read_conll(path):
        text = " ".join(t for t, _ in tokens)
        out = deidentify_text(text)
        ents = entities(tokens)
        people = [v for k, v in ents if k == "PPL"]
        for kind, value in ents:
            if kind == "PPL":
                persons += 1
                masked_persons += name_mention_masked(value, out)
            elif kind in {"PLC", "IND"}:
                others += 1
                kept += survives(value, out)
        for words, placeholder in replaced_spans(text, out):
            if placeholder == NAME:
                hit = any(w in p or p in w for p in people for w in [words])
                right, wrong = right + hit, wrong + (not hit)
    return {"person_recall": masked_persons / max(1, persons),
            "place_org_kept": kept / max(1, others),
            "name_precision": right / max(1, right + wrong), "n_persons": persons,
            "n_place_org": others}
