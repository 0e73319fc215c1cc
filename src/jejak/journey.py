"""The journey map: per stage its emotion, touchpoints, channels, pains, highlights and ideas.

Everything is computed from coded utterances; nothing about a stage's shape is assumed. The
map's list cells are computed as records, one per item (``ITEM_COLUMNS``): what it is (a
theme, a cue phrase, a gazetteer entry or a quote), how many informants (distinct transcripts)
and mentions back it, and the ids ``transcript_id:turn_index`` of its quotes. The readable
``journey_map.tsv`` is rendered from those records and the per-stage numbers; the report reads
the records, never the rendered text.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from jejak import facts
from jejak.resources import journey_cues

STAGE_COLUMNS = ["stage", "label", "n_utterances", "n_informants", "emotion", "emotion_low",
                 "emotion_high"]
LIST_ROWS = ["expectations", "activities", "touchpoints", "channels", "pain_points",
             "highlights", "quotes", "improvement_ideas"]
JOURNEY_COLUMNS = [*STAGE_COLUMNS, *LIST_ROWS]
ITEM_COLUMNS = ["stage", "row", "rank", "kind", "item_id", "label", "n_informants",
                "n_mentions", "quote_ids"]
ITEM_KINDS = ("theme", "phrase", "gazetteer", "quote")
PHRASE_WORDS = 12
ITEM_SEP = " | "
QUOTE_ID_SEP = ";"
STRONGEST_FIRST = (["theme_score", "transcript_id", "turn_index", "utterance_index"],
                   [False, True, True, True])


def item_record(kind: str, label: str, item_id: str = "", n_informants: int = 1,
                n_mentions: int = 1, quote_ids: list[str] | tuple[str, ...] = ()) -> dict:
    """One list item of a cell, without its place (stage, row, rank)."""
    return {"kind": kind, "item_id": item_id, "label": label, "n_informants": int(n_informants),
            "n_mentions": int(n_mentions), "quote_ids": QUOTE_ID_SEP.join(quote_ids)}


def row_quote_id(row) -> str:
    return facts.quote_id(row["transcript_id"], row["turn_index"])


def matches(texts: pd.Series, pattern: re.Pattern) -> pd.Series:
    """Which texts the pattern finds something in (``re.search``, as ``str.contains`` does,
    without its warning about groups in the study's patterns)."""
    return texts.map(lambda text: pattern.search(text) is not None).astype(bool)


def bootstrap_interval(values: np.ndarray, groups: np.ndarray, samples: int,
                       random_state: int) -> tuple[float, float]:
    """95% interval of the mean, resampling informants (groups), not utterances."""
    if len(values) == 0:
        return float("nan"), float("nan")
    labels, inverse = np.unique(groups, return_inverse=True)
    sums = np.bincount(inverse, weights=values, minlength=len(labels))
    counts = np.bincount(inverse, minlength=len(labels)).astype(float)
    rng = np.random.default_rng(random_state)
    picks = rng.integers(0, len(labels), size=(samples, len(labels)))
    means = sums[picks].sum(axis=1) / counts[picks].sum(axis=1)
    low, high = np.percentile(means, [2.5, 97.5])
    return float(low), float(high)


def gazetteer_hits(frame: pd.DataFrame, entries: list[dict], n_items: int) -> list[dict]:
    """Every entry mentioned, with its informants and mentions, most informants first."""
    found = []
    for entry in entries:
        pattern = re.compile("|".join(f"(?:{p})" for p in entry["patterns"]))
        hits = frame[matches(frame["text_clean"], pattern)]
        if len(hits):
            n_informants = hits["transcript_id"].nunique()
            found.append(((-n_informants, -len(hits), entry["id"]), item_record(
                "gazetteer", entry["label"], entry["id"], n_informants, len(hits))))
    found.sort(key=lambda pair: pair[0])
    return [record for _, record in found[:n_items]]


def theme_items(frame: pd.DataFrame, themes: list[str], labels: dict[str, str],
                n_items: int) -> list[dict]:
    """Themes ranked by informant coverage, each with its strongest quote's id."""
    theme_sets = facts.utterance_theme_sets(frame)
    found = []
    for theme in themes:
        members = frame[np.array([theme in s for s in theme_sets], dtype=bool)]
        if members.empty:
            continue
        best = members.sort_values(STRONGEST_FIRST[0], ascending=STRONGEST_FIRST[1],
                                   kind="stable").iloc[0]
        n_informants = members["transcript_id"].nunique()
        found.append(((-n_informants, -len(members), theme), item_record(
            "theme", labels.get(theme, theme), theme, n_informants, len(members),
            [row_quote_id(best)])))
    found.sort(key=lambda pair: pair[0])
    return [record for _, record in found[:n_items]]


def short_phrase(text: str, start: int = 0) -> str:
    words = text[start:].split()
    phrase = " ".join(words[:PHRASE_WORDS]).strip(" ,.;")
    return phrase + (" …" if len(words) > PHRASE_WORDS else "")


def cue_phrases(frame: pd.DataFrame, patterns: list[str], n_items: int) -> list[dict]:
    """Short phrases starting at a cue, one per informant first, each with its quote id."""
    regex = re.compile("|".join(f"(?:{p})" for p in patterns))
    found = []
    for row in frame.itertuples(index=False):
        row = row._asdict()
        match = regex.search(row["text_clean"])
        if match:
            found.append((row["transcript_id"], row_quote_id(row),
                          short_phrase(row["text_clean"], match.start())))
    chosen, taken, seen = [], set(), set()
    for pass_ in (0, 1):
        for tid, qid, phrase in found:
            if len(chosen) >= n_items:
                break
            if (phrase, qid) in taken or (pass_ == 0 and tid in seen):
                continue
            chosen.append(item_record("phrase", phrase, quote_ids=[qid]))
            taken.add((phrase, qid))
            seen.add(tid)
    return chosen


def activity_patterns() -> list[str]:
    cues = journey_cues()
    verbs = "|".join(re.escape(v) for v in sorted(cues["activity_verbs"], key=len, reverse=True))
    return [rf"{s}\s+(?:\w+\s+){{0,2}}(?:{verbs})\b" for s in cues["activity_subjects"]]


def representative_quotes(frame: pd.DataFrame, n_quotes: int) -> list[dict]:
    """The strongest themed quotes of the stage, from different informants."""
    themed = frame[(frame["theme_id"] != "none") & (frame["text"].str.split().str.len() >= 6)]
    ranked = themed.sort_values(STRONGEST_FIRST[0], ascending=STRONGEST_FIRST[1], kind="stable")
    chosen, seen = [], set()
    for row in ranked.itertuples(index=False):
        row = row._asdict()
        if row["transcript_id"] in seen:
            continue
        chosen.append(item_record("quote", row["text"], quote_ids=[row_quote_id(row)]))
        seen.add(row["transcript_id"])
        if len(chosen) >= n_quotes:
            break
    return chosen


def stage_numbers(part: pd.DataFrame, stage: dict, settings: dict, language: str) -> dict:
    """A stage's label, counts, and mean emotion with its bootstrap interval."""
    low, high = bootstrap_interval(part["sentiment"].to_numpy(), part["transcript_id"].to_numpy(),
                                   settings["bootstrap_samples"], settings["random_state"])
    return {
        "stage": stage["id"],
        "label": stage.get("label_en", stage["label"]) if language == "en" else stage["label"],
        "n_utterances": len(part),
        "n_informants": part["transcript_id"].nunique(),
        "emotion": round(float(part["sentiment"].mean()), 4) if len(part) else float("nan"),
        "emotion_low": round(low, 4), "emotion_high": round(high, 4),
    }


def stage_cells(part: pd.DataFrame, gazetteers: dict, settings: dict, lookups: dict
                ) -> dict[str, list[dict]]:
    """A stage's list cells as item records, in the order each cell lists them."""
    n, cues, themes, labels = (settings["n_items"], lookups["cues"], lookups["by_polarity"],
                               lookups["labels"])
    negative, positive = part[part["sentiment"] < 0], part[part["sentiment"] > 0]
    wants_change = (part["theme_id"].isin(themes["idea"])
                    | matches(part["text_clean"], re.compile("|".join(cues["suggestions"]))))
    return {
        "expectations": cue_phrases(part, cues["expectations"], n),
        "activities": cue_phrases(part, lookups["activities"], n),
        "touchpoints": gazetteer_hits(part, gazetteers["touchpoints"], n),
        "channels": gazetteer_hits(part, gazetteers["channels"], n),
        "pain_points": (theme_items(part, themes["pain"], labels, n)
                        + theme_items(negative, themes["mixed"], labels, n)),
        "highlights": (theme_items(part, themes["gain"], labels, n)
                       + theme_items(positive, themes["mixed"], labels, n)),
        "quotes": representative_quotes(part, settings["n_quotes"]),
        "improvement_ideas": (theme_items(part, themes["idea"], labels, n)
                              + cue_phrases(part[wants_change],
                                            cues["suggestions"] + cues["expectations"], n)),
    }


def journey_records(utterances: pd.DataFrame, codebook: dict, gazetteers: dict,
                    settings: dict, language: str = "id") -> tuple[pd.DataFrame, pd.DataFrame]:
    """The map as data: one row of numbers per stage (journey order), one record per item."""
    frame = utterances.copy()
    frame["sentiment"] = frame["sentiment"].astype(float)
    frame["theme_score"] = frame["theme_score"].astype(float)
    themes = codebook["themes"]
    lookups = {
        "labels": {t["id"]: t["label"] for t in themes},
        "by_polarity": {p: [t["id"] for t in themes if t["polarity"] == p]
                        for p in ("pain", "gain", "mixed", "idea")},
        "cues": journey_cues(),
        "activities": activity_patterns(),
    }
    stages, items = [], []
    for stage in codebook["stages"]:
        part = frame[frame["stage"] == stage["id"]]
        stages.append(stage_numbers(part, stage, settings, language))
        for row, records in stage_cells(part, gazetteers, settings, lookups).items():
            items += [{"stage": stage["id"], "row": row, "rank": rank, **record}
                      for rank, record in enumerate(records)]
    return pd.DataFrame(stages, columns=STAGE_COLUMNS), pd.DataFrame(items, columns=ITEM_COLUMNS)


def render_item(record: dict) -> str:
    """An item as ``journey_map.tsv`` shows it, its evidence in brackets."""
    kind, label, quote_ids = record["kind"], record["label"], record["quote_ids"]
    if kind == "theme":
        return f"{label} ({record['n_informants']} informants; {quote_ids})"
    if kind == "gazetteer":
        return f"{label} ({record['n_informants']}/{record['n_mentions']})"
    if kind == "phrase":
        return f'"{label}" ({quote_ids})'
    if kind == "quote":
        return f'{quote_ids} "{label}"'
    raise ValueError(f"unknown journey item kind {kind!r}; expected one of {ITEM_KINDS}")


def items_by_cell(items: pd.DataFrame) -> dict[tuple[str, str], list[dict]]:
    """``(stage, row)`` → the cell's item records in rank order (also for records read back
    from ``journey_items.tsv``, where every value is text)."""
    cells: dict[tuple[str, str], list[dict]] = {}
    if items.empty:
        return cells
    ordered = items.assign(_rank=pd.to_numeric(items["rank"])).sort_values("_rank", kind="stable")
    for record in ordered.drop(columns="_rank").to_dict("records"):
        cells.setdefault((str(record["stage"]), str(record["row"])), []).append(record)
    return cells


def render_journey_map(stages: pd.DataFrame, items: pd.DataFrame) -> pd.DataFrame:
    """``journey_map.tsv``: the per-stage numbers and every list cell as readable text."""
    cells = items_by_cell(items)
    out = stages.copy()
    for row in LIST_ROWS:
        out[row] = [ITEM_SEP.join(render_item(r) for r in cells.get((str(stage), row), []))
                    for stage in out["stage"]]
    return out[JOURNEY_COLUMNS]


def journey_map(utterances: pd.DataFrame, codebook: dict, gazetteers: dict,
                settings: dict, language: str = "id") -> pd.DataFrame:
    """One row per journey stage, in journey order, its list cells rendered as text."""
    return render_journey_map(*journey_records(utterances, codebook, gazetteers, settings,
                                               language))


def journey_by_informant(utterances: pd.DataFrame, stages: list[str],
                         personas: dict[str, dict]) -> pd.DataFrame:
    """Each informant's mean sentiment per stage (empty where they said nothing there)."""
    frame = utterances[utterances["stage"].isin(stages)].copy()
    frame["sentiment"] = frame["sentiment"].astype(float)
    table = frame.pivot_table(index="transcript_id", columns="stage", values="sentiment",
                              aggfunc="mean")
    counts = frame.groupby("transcript_id").size()
    ids = sorted(set(utterances["transcript_id"]))
    table = table.reindex(index=ids, columns=stages).round(4)
    out = pd.DataFrame({"transcript_id": ids})
    for key in ("age_band", "gender", "occupation", "polyclinic"):
        out[key] = [str(personas.get(t, {}).get(key, "")) for t in ids]
    out["n_utterances"] = [int(counts.get(t, 0)) for t in ids]
    for stage in stages:
        out[stage] = table[stage].to_numpy()
    return out
