"""Facts about coded utterances that several outputs share, decided in one place.

Quote ids, an utterance's theme set, and a turn's stage, themes and sentiment as
``evaluation.md`` defines them. Journey map, agreement, report and export all read these,
so the definitions cannot drift apart.
"""

from __future__ import annotations

import pandas as pd

NO_THEME = "none"
THEME_SEP = ";"
TURN_KEY = ["transcript_id", "turn_index"]
UTTERANCE_KEY = [*TURN_KEY, "utterance_index"]
TURN_COLUMNS = [*TURN_KEY, "stage", "themes", "sentiment"]


def quote_id(transcript_id: str, turn_index: int) -> str:
    """``TID:TURN``: finds a quote in its source (inputs.md, "Turn index")."""
    return f"{transcript_id}:{int(turn_index)}"


def split_themes(theme_ids: object) -> list[str]:
    """``"a;b"`` → ``["a", "b"]``; empty cells and ``none`` give no theme."""
    return [t.strip() for t in str(theme_ids).split(THEME_SEP)
            if t.strip() not in {"", NO_THEME, "nan"}]


def join_themes(themes: list[str]) -> str:
    return THEME_SEP.join(themes)


def utterance_themes(theme_id: str, theme_ids: object) -> list[str]:
    """Every theme of an utterance: its primary theme first, then the other above-threshold
    ones of ``theme_ids``, without repeats."""
    return list(dict.fromkeys([*split_themes(theme_id), *split_themes(theme_ids)]))


def utterance_theme_sets(utterances: pd.DataFrame) -> list[list[str]]:
    """``utterance_themes`` of every row, in row order."""
    return [utterance_themes(primary, others) for primary, others
            in zip(utterances["theme_id"], utterances["theme_ids"], strict=True)]


def majority_stage(stages: list[str]) -> str:
    """The most frequent stage; a tie goes to the tied stage said first (evaluation.md)."""
    return max(dict.fromkeys(stages), key=stages.count)


def turn_facts(utterances: pd.DataFrame) -> pd.DataFrame:
    """One row per coded turn: its stage (majority), its themes (the set of its utterances'
    primary themes, in first-seen order, as evaluation.md counts them) and its sentiment
    (the mean of its utterances')."""
    if utterances.empty:
        return pd.DataFrame(columns=TURN_COLUMNS)
    frame = utterances.sort_values([*TURN_KEY, "utterance_index"], kind="stable")
    rows = []
    for (tid, turn), group in frame.groupby(TURN_KEY, sort=True):
        rows.append({
            "transcript_id": tid,
            "turn_index": int(turn),
            "stage": majority_stage(group["stage"].astype(str).tolist()),
            "themes": list(dict.fromkeys(t for t in group["theme_id"].astype(str)
                                         if t != NO_THEME)),
            "sentiment": float(group["sentiment"].astype(float).mean()),
        })
    return pd.DataFrame(rows, columns=TURN_COLUMNS)


def turn_texts(utterances: pd.DataFrame) -> dict[str, str]:
    """Quote id → the turn's de-identified text (its utterances joined in order)."""
    if utterances.empty:
        return {}
    frame = utterances[[*TURN_KEY, "utterance_index", "text"]].copy()
    frame["turn_index"] = frame["turn_index"].astype(int)
    frame["utterance_index"] = frame["utterance_index"].astype(int)
    frame = frame.sort_values([*TURN_KEY, "utterance_index"], kind="stable")
    joined = frame.groupby(TURN_KEY, sort=True)["text"].agg(
        lambda texts: " ".join(str(t).strip() for t in texts if str(t).strip()))
    return {quote_id(tid, turn): text for (tid, turn), text in joined.items()}
