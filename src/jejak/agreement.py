"""Agreement with a human coder, exactly as ``evaluation.md`` defines it.

jejak codes utterances; a coder codes turns. Utterances are lifted to turns (majority stage with
ties to the first, union of themes, mean sentiment), then compared with the gold coding.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import spearmanr
from sklearn.metrics import cohen_kappa_score, f1_score, roc_auc_score

from jejak.facts import turn_facts
from jejak.resources import goals

LABEL_BAND = 0.1  # evaluation.md: a turn is pos above +0.1, neg below -0.1
AGREEMENT_COLUMNS = ["metric", "scope", "value", "n", "goal"]


def read_gold(folder: Path | str | list, transcript_ids: list[str]) -> pd.DataFrame:
    """Gold coding of the transcripts that have a file in ``folder`` (or in a list of files)."""
    files = ({Path(p).stem: Path(p) for p in folder} if isinstance(folder, list | tuple)
             else {p.stem: p for p in Path(folder).glob("*.csv")})
    frames = []
    for tid in sorted(transcript_ids):
        path = files.get(tid)
        if path is not None and path.exists():
            gold = pd.read_csv(path, dtype=str, keep_default_na=False)
            gold["transcript_id"] = tid
            frames.append(gold)
    if not frames:
        return pd.DataFrame(columns=["transcript_id", "turn_index", "speaker", "stage", "themes",
                                     "sentiment"])
    gold = pd.concat(frames, ignore_index=True)
    gold["turn_index"] = gold["turn_index"].astype(int)
    return gold


def turns_from_utterances(utterances: pd.DataFrame) -> pd.DataFrame:
    """One row per (transcript, turn) with jejak's stage, theme set and mean sentiment."""
    return turn_facts(utterances).rename(columns={
        "stage": "pred_stage", "themes": "pred_themes", "sentiment": "pred_sentiment"})


def joined_turns(utterances: pd.DataFrame, gold: pd.DataFrame) -> pd.DataFrame:
    informant = gold[gold["speaker"] == "informant"].copy()
    predicted = turns_from_utterances(utterances)
    merged = informant.merge(predicted, on=["transcript_id", "turn_index"], how="left")
    merged["covered"] = merged["pred_stage"].notna()
    merged["pred_stage"] = merged["pred_stage"].fillna("none")
    merged["pred_themes"] = [t if isinstance(t, list) else [] for t in merged["pred_themes"]]
    merged["pred_sentiment"] = merged["pred_sentiment"].fillna(0.0)
    merged["gold_themes"] = [[t for t in str(v).split(";") if t] for v in merged["themes"]]
    merged["gold_sentiment"] = pd.to_numeric(merged["sentiment"], errors="coerce").fillna(0)
    return merged


def _label(score: float) -> str:
    return "pos" if score > LABEL_BAND else "neg" if score < -LABEL_BAND else "neu"


def _sign(value: float) -> str:
    return "pos" if value > 0 else "neg" if value < 0 else "neu"


def agreement_figures(utterances: pd.DataFrame, gold: pd.DataFrame, theme_ids: list[str],
                      stage_ids: list[str], journey: pd.DataFrame | None = None) -> list[dict]:
    """Every figure of evaluation.md that gold coding allows, as rows."""
    rows: list[dict] = []

    def add(metric, value, scope="all", n=None):
        rows.append({"metric": metric, "scope": scope, "value": value, "n": n,
                     "goal": goals().get(metric, "")})

    turns = joined_turns(utterances, gold)
    journey_turns = turns[turns["stage"] != "none"]
    add("coverage", float(journey_turns["covered"].mean()) if len(journey_turns) else np.nan,
        n=len(journey_turns))
    if len(journey_turns):
        add("stage_accuracy", float((journey_turns["stage"] == journey_turns["pred_stage"]).mean()),
            n=len(journey_turns))
        add("stage_macro_f1", float(f1_score(journey_turns["stage"], journey_turns["pred_stage"],
                                             labels=stage_ids, average="macro",
                                             zero_division=0)), n=len(journey_turns))
    # Themes: (turn, theme) pairs over all informant turns, seed themes only.
    gold_m = np.array([[t in g for t in theme_ids] for g in turns["gold_themes"]], dtype=int)
    pred_m = np.array([[t in p for t in theme_ids] for p in turns["pred_themes"]], dtype=int)
    gold_m = gold_m.reshape(len(turns), len(theme_ids))
    pred_m = pred_m.reshape(len(turns), len(theme_ids))
    if len(turns):
        add("theme_micro_f1", float(f1_score(gold_m.ravel(), pred_m.ravel(), zero_division=0)),
            n=int(gold_m.sum()))
        per_theme = [float(f1_score(gold_m[:, j], pred_m[:, j], zero_division=0))
                     for j in range(len(theme_ids))]
        add("theme_macro_f1", float(np.mean(per_theme)), n=len(theme_ids))
        for j, theme in enumerate(theme_ids):
            add("theme_f1", per_theme[j], scope=theme, n=int(gold_m[:, j].sum()))
            both_constant = len(set(gold_m[:, j])) < 2 and len(set(pred_m[:, j])) < 2
            kappa = (1.0 if (gold_m[:, j] == pred_m[:, j]).all() else 0.0) if both_constant \
                else float(cohen_kappa_score(gold_m[:, j], pred_m[:, j]))
            add("theme_kappa", kappa, scope=theme, n=int(gold_m[:, j].sum()))
    if len(journey_turns) > 2:
        rho = spearmanr(journey_turns["pred_sentiment"], journey_turns["gold_sentiment"])
        add("sentiment_spearman", float(rho.statistic), n=len(journey_turns))
        add("sentiment_macro_f1", float(f1_score(
            [_sign(v) for v in journey_turns["gold_sentiment"]],
            [_label(v) for v in journey_turns["pred_sentiment"]],
            labels=["neg", "neu", "pos"], average="macro", zero_division=0)),
            n=len(journey_turns))
    if journey is not None and len(journey_turns):
        rows += journey_curve_figures(journey_turns, journey, stage_ids)
    return rows


def journey_curve_figures(journey_turns: pd.DataFrame, journey: pd.DataFrame,
                          stage_ids: list[str]) -> list[dict]:
    gold_curve = journey_turns.groupby("stage")["gold_sentiment"].mean() / 2
    emotion = journey.set_index("stage")["emotion"].astype(float)
    stages = [s for s in stage_ids if s in gold_curve.index and not np.isnan(emotion.get(s,
                                                                                        np.nan))]
    rows = []
    if len(stages) >= 2:
        g = gold_curve[stages].to_numpy()
        e = emotion[stages].to_numpy()
        rows.append({"metric": "journey_spearman", "scope": "all",
                     "value": float(spearmanr(g, e).statistic), "n": len(stages),
                     "goal": goals()["journey_spearman"]})
        rows.append({"metric": "journey_max_abs_diff", "scope": "all",
                     "value": float(np.max(np.abs(g - e))), "n": len(stages),
                     "goal": goals()["journey_max_abs_diff"]})
        rows.append({"metric": "journey_same_lowest", "scope": "all",
                     "value": float(stages[int(np.argmin(g))] == stages[int(np.argmin(e))]),
                     "n": len(stages), "goal": goals()["journey_same_lowest"]})
        for stage, gv, ev in zip(stages, g, e, strict=True):
            rows.append({"metric": "journey_gold_emotion", "scope": stage, "value": float(gv),
                         "n": None, "goal": ""})
            rows.append({"metric": "journey_emotion", "scope": stage, "value": float(ev),
                         "n": None, "goal": ""})
    return rows


def review_figures(utterances: pd.DataFrame) -> list[dict]:
    """For a table with a star ``score``: 1–2 negative, 4–5 positive, 3 skipped; a
    transcript is positive when its mean sentiment is ≥ 0."""
    if "meta_score" not in utterances.columns:
        return []
    frame = utterances[utterances["meta_score"].astype(str).str.strip() != ""].copy()
    if frame.empty:
        return []
    frame["sentiment"] = frame["sentiment"].astype(float)
    per = frame.groupby("transcript_id").agg(score=("meta_score", "first"),
                                             sentiment=("sentiment", "mean"))
    per["score"] = pd.to_numeric(per["score"], errors="coerce")
    per = per[per["score"].isin([1, 2, 4, 5])]
    if per.empty or per["score"].isin([1, 2]).sum() == 0 or per["score"].isin([4, 5]).sum() == 0:
        return []
    truth = np.where(per["score"] >= 4, "pos", "neg")
    guess = np.where(per["sentiment"] >= 0, "pos", "neg")
    return [
        {"metric": "reviews_macro_f1", "scope": "all", "n": len(per),
         "value": float(f1_score(truth, guess, average="macro")),
         "goal": goals()["reviews_macro_f1"]},
        {"metric": "reviews_auc", "scope": "all", "n": len(per),
         "value": float(roc_auc_score(truth == "pos", per["sentiment"])),
         "goal": goals()["reviews_auc"]},
    ]


def privacy_leaks(results_dir: Path | str, planted_dir: Path | str) -> tuple[int, list[str]]:
    """Planted identifiers (``planted/*.tsv``: kind, value) found in any file under results."""
    values = set()
    for path in sorted(Path(planted_dir).glob("*.tsv")):
        table = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
        values |= {v.strip() for v in table["value"] if len(v.strip()) >= 3}
    leaks = []
    for path in sorted(Path(results_dir).rglob("*")):
        if not path.is_file() or path.suffix in {".npz", ".pkl"}:
            continue
        body = path.read_text(encoding="utf-8", errors="ignore")
        leaks += [f"{path.name}: {v}" for v in sorted(values) if _contains_word(body, v)]
    return len(leaks), leaks


def _contains_word(body: str, value: str) -> bool:
    return re.search(rf"(?<![\w]){re.escape(value)}(?![\w])", body, re.IGNORECASE) is not None


def agreement_table(utterances: pd.DataFrame, gold: pd.DataFrame, journey: pd.DataFrame,
                    codebook: dict) -> pd.DataFrame:
    """``agreement.tsv``: the gold-coding figures (when there is gold) and the reviews'."""
    theme_ids = [t["id"] for t in codebook["themes"]]
    stage_ids = [s["id"] for s in codebook["stages"]]
    rows = agreement_figures(utterances, gold, theme_ids, stage_ids, journey) if len(gold) else []
    rows += review_figures(utterances)
    table = pd.DataFrame(rows, columns=AGREEMENT_COLUMNS)
    table["n"] = table["n"].astype("Int64")
    return table
