"""The journey map: per stage its emotion, touchpoints, channels, pains, highlights and ideas.

Everything is computed from coded utterances; nothing about a stage's shape is assumed. Every
list item carries its evidence: how many informants (distinct transcripts) and a quote id
``transcript_id:turn_index`` that finds the quote in its source.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from jejak.numerics import single_threaded
from jejak.resources import journey_cues

JOURNEY_COLUMNS = [
    "stage", "label", "n_utterances", "n_informants", "emotion", "emotion_low", "emotion_high",
    "expectations", "activities", "touchpoints", "channels", "pain_points", "highlights",
    "quotes", "improvement_ideas",
]
PHRASE_WORDS = 12
ITEM_SEP = " | "


def quote_id(row) -> str:
    return f"{row['transcript_id']}:{row['turn_index']}"


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


def gazetteer_hits(frame: pd.DataFrame, entries: list[dict], n_items: int) -> str:
    """``label (informants/mentions)`` for every entry mentioned, most informants first."""
    found = []
    for entry in entries:
        pattern = re.compile("|".join(f"(?:{p})" for p in entry["patterns"]))
        hits = frame[frame["text_clean"].str.contains(pattern, regex=True)]
        if len(hits):
            found.append((-hits["transcript_id"].nunique(), -len(hits), entry["id"],
                          f"{entry['label']} ({hits['transcript_id'].nunique()}/{len(hits)})"))
    return ITEM_SEP.join(item for *_, item in sorted(found)[:n_items])


def theme_items(frame: pd.DataFrame, themes: list[str], labels: dict[str, str],
                n_items: int) -> str:
    """Themes ranked by informant coverage, each with its strongest quote's id."""
    items = []
    theme_sets = [set(filter(None, str(ids).split(";"))) | {primary}
                  for ids, primary in zip(frame["theme_ids"], frame["theme_id"], strict=True)]
    for theme in themes:
        mask = np.array([theme in s for s in theme_sets], dtype=bool)
        members = frame[mask]
        if members.empty:
            continue
        best = members.sort_values(["theme_score", "transcript_id", "turn_index",
                                    "utterance_index"], ascending=[False, True, True, True],
                                   kind="stable").iloc[0]
        n_inf = members["transcript_id"].nunique()
        items.append((-n_inf, -len(members), theme,
                      f"{labels.get(theme, theme)} ({n_inf} informants; {quote_id(best)})"))
    return ITEM_SEP.join(item for *_, item in sorted(items)[:n_items])


def short_phrase(text: str, start: int = 0) -> str:
    words = text[start:].split()
    phrase = " ".join(words[:PHRASE_WORDS]).strip(" ,.;")
    return phrase + (" …" if len(words) > PHRASE_WORDS else "")


def cue_phrases(frame: pd.DataFrame, patterns: list[str], n_items: int) -> str:
    """Short phrases starting at a cue, one per informant first, each with its quote id."""
    regex = re.compile("|".join(f"(?:{p})" for p in patterns))
    found = []
    for row in frame.itertuples(index=False):
        row = row._asdict()
        match = regex.search(row["text_clean"])
        if match:
            found.append((row["transcript_id"], row["turn_index"], row["utterance_index"],
                          f'"{short_phrase(row["text_clean"], match.start())}" ({quote_id(row)})'))
    chosen, seen = [], set()
    for pass_ in (0, 1):
        for tid, *_, item in found:
            if len(chosen) >= n_items:
                break
            if item in chosen or (pass_ == 0 and tid in seen):
                continue
            chosen.append(item)
            seen.add(tid)
    return ITEM_SEP.join(chosen)


def activity_patterns() -> list[str]:
    cues = journey_cues()
    verbs = "|".join(re.escape(v) for v in sorted(cues["activity_verbs"], key=len, reverse=True))
    return [rf"{s}\s+(?:\w+\s+){{0,2}}(?:{verbs})\b" for s in cues["activity_subjects"]]


def representative_quotes(frame: pd.DataFrame, n_quotes: int) -> str:
    """The strongest themed quotes of the stage, from different informants."""
    themed = frame[(frame["theme_id"] != "none") & (frame["text"].str.split().str.len() >= 6)]
    ranked = themed.sort_values(["theme_score", "transcript_id", "turn_index", "utterance_index"],
                                ascending=[False, True, True, True], kind="stable")
    chosen, seen = [], set()
    for row in ranked.itertuples(index=False):
        row = row._asdict()
        if row["transcript_id"] in seen:
            continue
        chosen.append(f'{quote_id(row)} "{row["text"]}"')
        seen.add(row["transcript_id"])
        if len(chosen) >= n_quotes:
            break
    return ITEM_SEP.join(chosen)


def journey_map(utterances: pd.DataFrame, codebook: dict, gazetteers: dict,
                settings: dict, language: str = "id") -> pd.DataFrame:
    """One row per journey stage, in journey order."""
    frame = utterances.copy()
    frame["sentiment"] = frame["sentiment"].astype(float)
    frame["theme_score"] = frame["theme_score"].astype(float)
    themes = codebook["themes"]
    labels = {t["id"]: t["label"] for t in themes}
    by_polarity = {p: [t["id"] for t in themes if t["polarity"] == p]
                   for p in ("pain", "gain", "mixed", "idea")}
    cues = journey_cues()
    rows = []
    for stage in codebook["stages"]:
        part = frame[frame["stage"] == stage["id"]]
        low, high = bootstrap_interval(part["sentiment"].to_numpy(),
                                       part["transcript_id"].to_numpy(),
                                       settings["bootstrap_samples"], settings["random_state"])
        negative, positive = part[part["sentiment"] < 0], part[part["sentiment"] > 0]
        n = settings["n_items"]
        ideas = theme_items(part, by_polarity["idea"], labels, n)
        suggestions = cue_phrases(part[part["theme_id"].isin(by_polarity["idea"])
                                       | part["text_clean"].str.contains(
                                           "|".join(cues["suggestions"]), regex=True)],
                                  cues["suggestions"] + cues["expectations"], n)
        rows.append({
            "stage": stage["id"],
            "label": stage.get("label_en", stage["label"]) if language == "en" else stage["label"],
            "n_utterances": len(part),
            "n_informants": part["transcript_id"].nunique(),
            "emotion": round(float(part["sentiment"].mean()), 4) if len(part) else float("nan"),
            "emotion_low": round(low, 4), "emotion_high": round(high, 4),
            "expectations": cue_phrases(part, cues["expectations"], n),
            "activities": cue_phrases(part, activity_patterns(), n),
            "touchpoints": gazetteer_hits(part, gazetteers["touchpoints"], n),
            "channels": gazetteer_hits(part, gazetteers["channels"], n),
            "pain_points": ITEM_SEP.join(filter(None, [
                theme_items(part, by_polarity["pain"], labels, n),
                theme_items(negative, by_polarity["mixed"], labels, n)])),
            "highlights": ITEM_SEP.join(filter(None, [
                theme_items(part, by_polarity["gain"], labels, n),
                theme_items(positive, by_polarity["mixed"], labels, n)])),
            "quotes": representative_quotes(part, settings["n_quotes"]),
            "improvement_ideas": ITEM_SEP.join(filter(None, [ideas, suggestions])),
        })
    return pd.DataFrame(rows, columns=JOURNEY_COLUMNS)


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


@single_threaded
def journey_files(utterances_path, persona_paths, config: dict, map_out, informant_out) -> None:
    """Rule ``journey``."""
    from jejak.tables import read_json, read_tsv, write_tsv

    utterances = read_tsv(utterances_path)
    personas: dict[str, dict] = {}
    for path in persona_paths:
        personas.update(read_json(path))
    stages = [s["id"] for s in config["codebook"]["stages"]]
    write_tsv(journey_map(utterances, config["codebook"], config["gazetteers"],
                          config["journey"], config["report"]["language"]), map_out)
    write_tsv(journey_by_informant(utterances, stages, personas), informant_out)
