"""The thin I/O layer: one function per workflow rule (and for the bench, which calls the same).

Each step reads its inputs, calls the pure domain functions or the model fitting, and writes
its outputs atomically (``jejak.tables``). No decision is made here: thresholds, stages,
themes and the journey map are decided in their own modules; this layer only moves data.
"""

from __future__ import annotations

import hashlib
import json
import logging
import pickle
from pathlib import Path

import numpy as np
import pandas as pd

from jejak import (
    agreement,
    deidentify,
    embed,
    export,
    ingest,
    journey,
    models,
    names,
    provenance,
    report,
    segment,
    turns,
)
from jejak import stages as stage_model
from jejak import themes as theme_model
from jejak.facts import UTTERANCE_KEY
from jejak.logs import Progress
from jejak.numerics import single_threaded
from jejak.resources import data_path
from jejak.tables import (
    atomic_write,
    read_json,
    read_tsv,
    read_tsvs,
    read_utterances,
    write_json,
    write_tsv,
)

LOG = logging.getLogger("jejak")
PREDICT_CHUNK = 5000
SHIPPED_VECTORS = "shipped_vectors.npz"  # the package's own texts, embedded (embed.py)


# --------------------------------------------------------------------------- per input file


def index_source(path: Path, digest: str, index_path: Path, privacy: dict) -> dict:
    """Read and check one input file once per content: its transcript ids, the names it
    gives evidence for and its words (private: kept under ``resources/private``). Bad input
    raises ``ingest.InputError`` naming file, line and fix."""
    if index_path.exists():
        cached = read_json(index_path)
        if cached.get("digest") == digest:
            return cached
    source = ingest.read_source(path)
    found: set[str] = set()
    for tid, group in source.turns.groupby("transcript_id", sort=True):
        contacts_masked = group.assign(text=[deidentify.mask_contacts(str(t))
                                             for t in group["text"]])
        found |= set(names.transcript_names(contacts_masked, source.personas.get(tid, {}),
                                            privacy.get("names") or []))
    words = sorted({w.lower() for t in source.turns["text"] for w in names.WORD.findall(str(t))})
    index = {"digest": digest, "transcript_ids": sorted(source.personas),
             "names": sorted(found), "words": words}
    write_json(index, index_path)
    return index


def _write_if_changed(path: Path, text: str) -> None:
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def prepare_inputs(sources: dict[str, Path], private: Path, digests: Path,
                   privacy: dict) -> None:
    """Before the DAG is built (main process only): content digests, a check of every new or
    changed input, and per input file the study's names that occur in it — a name found in
    one transcript is masked in every other. Files are rewritten only when their content
    changes, so unchanged inputs rerun nothing."""
    indexes = {}
    for source, path in sorted(sources.items()):
        side = ingest.sidecar_path(path)
        digest_path = digests / f"{source}.sha256"
        refresh_digest([path, *([side] if side.exists() else [])], digest_path)
        indexes[source] = index_source(path, digest_path.read_text(encoding="utf-8").strip(),
                                       private / "index" / f"{source}.json", privacy)
    ingest.check_unique_transcripts({s: i["transcript_ids"] for s, i in indexes.items()},
                                    sources)
    study = {n for i in indexes.values() for n in i["names"]}
    for source, index in indexes.items():
        words = set(index["words"])
        relevant = sorted(n for n in study if set(names.name_words(n)) & words)
        _write_if_changed(private / "names" / f"{source}.json",
                          json.dumps(sorted(set(relevant) | set(index["names"])),
                                     ensure_ascii=False, indent=1) + "\n")


def refresh_digest(paths: list[Path], digest_path: Path | str) -> bool:
    """Write the SHA-256 of a source (and its sidecar) to ``digest_path`` only when it changed.

    The per-file rules depend on this digest, not on the file, so a transcript whose content
    is unchanged is not recomputed when only its modification time moved (a copy, a checkout).
    Returns whether the digest was (re)written.
    """
    digest = hashlib.sha256()
    for path in paths:
        digest.update(Path(path).name.encode() + b"\0" + Path(path).read_bytes() + b"\0")
    value = digest.hexdigest() + "\n"
    digest_path = Path(digest_path)
    if digest_path.exists() and digest_path.read_text(encoding="utf-8") == value:
        return False
    atomic_write(digest_path, lambda tmp: tmp.write_text(value, encoding="utf-8"))
    return True


def ingest_file(source_path, turns_path, personas_path) -> None:
    """Rule ``ingest``: read one input file into the private (not yet masked) turn table."""
    source = ingest.read_source(source_path)
    write_tsv(source.turns, turns_path)
    write_json(source.personas, personas_path)
    LOG.info("read %d turns in %d transcript(s)", len(source.turns), len(source.personas))


def deidentify_files(turns_path, personas_path, names_path, turns_out, personas_out, audit_out,
                     privacy: dict) -> None:
    """Rule ``deidentify``: mask every turn and persona of one input file, with the names
    found anywhere in the batch that occur in it; the file's privacy audit beside them."""
    study = names.name_book(read_json(names_path))
    masked, personas, audit = deidentify.deidentify_source(
        read_tsv(turns_path), read_json(personas_path), privacy, study)
    write_tsv(masked, turns_out)
    write_json(personas, personas_out)
    write_tsv(audit, audit_out)
    LOG.info("masked %d identifiers in %d turns", deidentify.count_placeholders(masked["text"]),
             len(masked))


def privacy_file(audit_paths, out) -> None:
    """Rule ``privacy``: the batch's audit, ``results/privacy.tsv`` (counts, then reviews)."""
    frames = [pd.read_csv(p, sep="\t", dtype=str, keep_default_na=False) for p in audit_paths]
    audit = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=deidentify.AUDIT_COLUMNS)
    order = pd.to_numeric(audit["turn_index"], errors="coerce").fillna(-1)
    audit = audit.assign(_order=order).sort_values(["transcript_id", "row", "_order"],
                                                   kind="stable")
    write_tsv(audit.drop(columns="_order"), out)


def segment_file(turns_path, utterances_out) -> None:
    """Rule ``segment``: utterances of one input file's informant turns."""
    utterances = segment.segment_turns(read_tsv(turns_path), segment.make_nlp())
    write_tsv(utterances, utterances_out)
    LOG.info("wrote %d utterances", len(utterances))


def _write_vectors(path, texts: list[str], vectors: dict[str, np.ndarray]) -> None:
    def write(tmp: Path) -> None:
        with open(tmp, "wb") as fh:
            np.savez(fh, texts=np.array(texts, dtype=object).astype(str),
                     vectors=embed.stack(texts, vectors))

    atomic_write(path, write)


def _embed(texts: list[str], settings: dict, threads: int) -> tuple[dict, embed.EmbedStats, str]:
    embedder = embed.make_embedder(settings, threads)
    cache = embed.EmbeddingCache(Path(settings["cache_dir"]), embedder.model_key)
    stats = embed.EmbedStats()
    shipped = embed.ShippedVectors(data_path(SHIPPED_VECTORS))
    return embed.embed_texts(texts, embedder, cache, stats, shipped), stats, embedder.model_key


def embed_file(utterances_path, vectors_out, settings: dict, threads: int) -> embed.EmbedStats:
    """Rule ``embed``: vectors of one file's utterances and the questions before them."""
    utterances = read_tsv(utterances_path)
    texts = sorted(set(utterances["text_clean"]) | (set(utterances["question"]) - {""}))
    vectors, stats, model_key = _embed(texts, settings, threads)
    _write_vectors(vectors_out, texts, vectors)
    LOG.info("embedded %d new texts, %d from cache (%d distinct, model %s)",
             stats.embedded, stats.from_cache, stats.distinct, model_key)
    return stats


# --------------------------------------------------------------------------- models


def embed_examples_file(config: dict, vectors_out, threads: int) -> None:
    """Rule ``embed_examples``: vectors of every example, question and prototype."""
    texts = models.example_texts(config)
    vectors, _, _ = _embed(texts, config["embedding"], threads)
    _write_vectors(vectors_out, texts, vectors)
    LOG.info("example vectors: %d texts", len(texts))


def model_digest(config: dict, vectors: dict[str, np.ndarray], code: str) -> str:
    """What fitted models depend on: the code, the model settings, every file of the
    labelled material (examples, coded interviews, guide questions) and their vectors."""
    digest = hashlib.sha256(code.encode() + json.dumps(config, sort_keys=True,
                                                       default=str).encode())
    for path in models.material_files(config):
        digest.update(path.as_posix().encode() + b"\0" + path.read_bytes())
    for text in sorted(vectors):
        digest.update(text.encode() + b"\0" + vectors[text].tobytes())
    return digest.hexdigest()


@single_threaded
def train_file(config: dict, example_vectors_path, models_out, code: str = "") -> None:
    """Rule ``train``: fit and pickle the study's models, or take them from the model cache
    where the same code, settings and material were fitted before (on any batch)."""
    vectors = embed.load_vectors([example_vectors_path])
    cache_dir = Path(config.get("model_cache_dir") or "")
    cached = cache_dir / f"{model_digest(config, vectors, code)}.pkl" if code else None
    if cached is not None and cached.exists():
        atomic_write(models_out, lambda tmp: tmp.write_bytes(cached.read_bytes()))
        LOG.info("models from the cache: %s", cached)
        return
    fitted = models.fit_models(config, vectors)
    payload = pickle.dumps(fitted, protocol=5)
    atomic_write(models_out, lambda tmp: tmp.write_bytes(payload))
    if cached is not None:
        cache_dir.mkdir(parents=True, exist_ok=True)
        atomic_write(cached, lambda tmp: tmp.write_bytes(payload))
    LOG.info("trained on %d examples and %d coded turns", fitted.n_examples,
             fitted.n_coded_turns)


def load_models(path) -> models.StudyModels:
    return pickle.loads(Path(path).read_bytes())


# --------------------------------------------------------------------------- coding


def _batch(utterance_paths, vector_paths) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    return read_utterances(utterance_paths), embed.load_vectors(vector_paths)


def question_vectors(questions: list[str], lookup: dict[str, np.ndarray], dim: int) -> np.ndarray:
    """The interviewer question's vector per utterance (zeros for table rows without one)."""
    if not questions:
        return np.zeros((0, dim), np.float32)
    return np.vstack([lookup[q] if q else np.zeros(dim, np.float32) for q in questions])


def stage_frame(utterances: pd.DataFrame, lookup: dict[str, np.ndarray],
                fitted: models.StudyModels, settings: dict) -> pd.DataFrame:
    """Stages of a batch's utterances from the fitted question and answer scorers."""
    texts = utterances["text_clean"].tolist()
    answer = fitted.answer_stages.predict_proba(texts, embed.stack(texts, lookup))
    asked = utterances["question"].tolist()
    question = np.zeros_like(answer)
    idx = np.flatnonzero([q != "" for q in asked])
    if len(idx):
        qs = [asked[i] for i in idx]
        question[idx] = fitted.question_stages.predict_proba(qs, embed.stack(qs, lookup))
    return stage_model.assign_stages(utterances, answer, question,
                                     fitted.answer_stages.labels_, settings)


@single_threaded
def stages_file(utterance_paths, vector_paths, models_path, config: dict, out) -> None:
    """Rule ``stages``: the stage of every utterance of the batch."""
    utterances, lookup = _batch(utterance_paths, vector_paths)
    staged = stage_frame(utterances, lookup, load_models(models_path), config["stages"])
    write_tsv(staged[[*UTTERANCE_KEY, "stage"]], out)


@single_threaded
def sentiment_file(utterance_paths, vector_paths, models_path, config: dict, out) -> None:
    """Rule ``sentiment``: score and label of every utterance of the batch."""
    utterances, lookup = _batch(utterance_paths, vector_paths)
    scored = sentiment_frame(utterances, lookup, load_models(models_path), config["sentiment"])
    write_tsv(scored[[*UTTERANCE_KEY, "sentiment", "sentiment_label"]], out)


def sentiment_frame(utterances: pd.DataFrame, lookup: dict[str, np.ndarray],
                    fitted: models.StudyModels, settings: dict) -> pd.DataFrame:
    """Sentiment of a batch's utterances, decided per turn (the rule and the bench)."""
    utterances = utterances.reset_index(drop=True)
    vectors = embed.stack(utterances["text_clean"].tolist(), lookup)
    table, _ = turns.turn_groups(utterances)
    return turns.score_turns(
        utterances, vectors, question_vectors(table["question"].tolist(), lookup,
                                              vectors.shape[1]),
        (fitted.sentiment, fitted.turn_sentiment, fitted.turn_themes), settings)


def theme_probabilities(classifier: theme_model.ThemeClassifier, texts: list[str],
                        vectors: np.ndarray, questions: np.ndarray) -> np.ndarray:
    """Seed-theme probabilities in chunks, with progress in the log."""
    progress = Progress("themes", len(texts))
    chunks = []
    for start in range(0, len(texts), PREDICT_CHUNK):
        stop = start + PREDICT_CHUNK
        chunks.append(classifier.predict_proba(texts[start:stop], vectors[start:stop],
                                               questions[start:stop]))
        progress.update(min(stop, len(texts)))
    return np.vstack(chunks) if chunks else np.zeros((0, len(classifier.theme_ids)))


def code_themes(utterances: pd.DataFrame, lookup: dict[str, np.ndarray],
                fitted: models.StudyModels, config: dict
                ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Seed themes decided per turn and attributed to utterances, then emergent themes:
    (coded utterances, theme summary, the threshold record)."""
    utterances = utterances.reset_index(drop=True)
    texts = utterances["text_clean"].tolist()
    vectors = embed.stack(texts, lookup)
    questions = question_vectors(utterances["question"].tolist(), lookup, vectors.shape[1])
    settings, classifier = config["themes"], fitted.turn_themes
    record = theme_model.decide_thresholds(classifier.theme_ids, classifier.thresholds_,
                                           classifier.calibration_f1_, settings)
    table, groups = turns.turn_groups(utterances)
    turn_proba = turns.turn_theme_proba(
        classifier, table, turns.mean_vectors(vectors, groups),
        question_vectors(table["question"].tolist(), lookup, vectors.shape[1]))
    utterance_proba = theme_probabilities(fitted.themes, texts, vectors, questions)
    coded = turns.code_turn_themes(
        utterances, groups, turn_proba, record["threshold"].to_numpy(dtype=float),
        utterance_proba, np.array([fitted.themes.thresholds_[t] for t in classifier.theme_ids]),
        classifier.theme_ids, settings["max_per_turn"])
    coded = theme_model.find_emergent(coded, vectors, settings["emergent"],
                                      settings["random_state"])
    summary = theme_model.summarise_themes(coded, vectors, config["codebook"]["themes"],
                                           settings)
    return coded, summary, record


@single_threaded
def themes_file(utterance_paths, vector_paths, stages_path, sentiment_path, models_path,
                config: dict, utterances_out, themes_out, thresholds_out) -> None:
    """Rule ``themes``: ``utterances.tsv``, ``themes.tsv`` and the threshold record."""
    utterances, lookup = _batch(utterance_paths, vector_paths)
    for path in (stages_path, sentiment_path):
        utterances = utterances.merge(read_tsv(path), on=UTTERANCE_KEY, how="left",
                                      validate="1:1")
    utterances["sentiment"] = utterances["sentiment"].astype(float)
    coded, summary, record = code_themes(utterances, lookup, load_models(models_path), config)
    extra = [c for c in coded.columns if c.startswith("meta_")]
    write_tsv(coded[theme_model.UTTERANCE_OUTPUT + extra], utterances_out)
    write_tsv(summary, themes_out)
    write_tsv(record, thresholds_out)
    LOG.info("themes: %d utterances, %d with a seed theme, %d emergent themes", len(coded),
             int(coded["theme_id"].isin(record["theme_id"]).sum()),
             int((summary["kind"] == "emergent").sum()))


# --------------------------------------------------------------------------- outputs


def read_personas(paths) -> dict:
    """Persona files (one dict of ``transcript_id`` → persona each) merged into one dict."""
    personas: dict = {}
    for path in sorted(map(str, paths)):
        personas.update(read_json(path))
    return personas


@single_threaded
def journey_files(utterances_path, persona_paths, config: dict, map_out, informant_out,
                  items_out) -> None:
    """Rule ``journey``: the item records, the map rendered from them, the per-informant
    curves."""
    utterances = read_tsv(utterances_path)
    stages, items = journey.journey_records(utterances, config["codebook"], config["gazetteers"],
                                            config["journey"], config["report"]["language"])
    write_tsv(items, items_out)
    write_tsv(journey.render_journey_map(stages, items), map_out)
    write_tsv(journey.journey_by_informant(
        utterances, [s["id"] for s in config["codebook"]["stages"]],
        read_personas(persona_paths)), informant_out)


def report_file(utterances_path, themes_path, journey_path, items_path, by_informant_path,
                persona_paths, agreement_path, provenance_path, config: dict, out_path,
                privacy_path=None) -> None:
    """Rule ``report``: read the results, write ``report.html`` atomically."""
    agreement = read_tsv(agreement_path) if agreement_path else None
    privacy = pd.read_csv(privacy_path, sep="\t", dtype=str, keep_default_na=False) \
        if privacy_path else None
    provenance = read_json(provenance_path) if provenance_path else None
    page = report.build_report(read_tsv(utterances_path), read_tsv(themes_path),
                               read_tsv(journey_path), read_tsv(items_path),
                               read_tsv(by_informant_path), read_personas(persona_paths),
                               agreement, provenance, config, privacy)
    atomic_write(out_path, lambda tmp: tmp.write_text(page, encoding="utf-8", newline="\n"))


def agreement_file(utterances_path, journey_path, gold_paths, config: dict, out) -> None:
    """Rule ``agreement``: every figure for the transcripts that have gold coding."""
    utterances = read_tsv(utterances_path)
    gold = agreement.read_gold(list(gold_paths), sorted(set(utterances["transcript_id"])))
    journey = read_tsv(journey_path)
    journey["emotion"] = pd.to_numeric(journey["emotion"], errors="coerce")
    write_tsv(agreement.agreement_table(utterances, gold, journey, config["codebook"]), out)


def export_files(utterances_path, themes_path, journey_path, turn_paths, config: dict,
                 qdpx_out, qdc_out, xlsx_out, matrix_out) -> None:
    """Rule ``export``: the REFI-QDA project and codebook, the workbook, the theme matrix."""
    utterances, themes = read_tsv(utterances_path), read_tsv(themes_path)
    bundle = export.build_exports(utterances, themes, read_tsv(journey_path),
                                  read_tsvs(list(turn_paths)), config)
    for path, data in ((qdpx_out, bundle.qdpx), (qdc_out, bundle.qdc), (xlsx_out, bundle.xlsx)):
        atomic_write(path, lambda tmp, data=data: tmp.write_bytes(data))
    write_tsv(bundle.matrix, matrix_out)
    LOG.info("exported %s", bundle.summary)


def provenance_file(config: dict, inputs, other_files, thresholds_path, command: str,
                    out) -> None:
    """Rule ``provenance``: the thresholds are read from the record the themes step wrote."""
    record = read_tsv(thresholds_path)
    thresholds = {t: float(v) for t, v in zip(record["theme_id"], record["threshold"],
                                              strict=True)}
    write_json(provenance.build_provenance(config, inputs, other_files, thresholds, command), out)
