# Helpers for the rules: the input files, their ids, the targets.
import hashlib
from pathlib import Path

from snakemake.exceptions import WorkflowError

import jejak
from jejak.ingest import InputError, find_sources, sidecar_path
from jejak.steps import prepare_inputs

RESULTS = config.get("results_dir", "results")
INTERIM = f"{RESULTS}/interim"
PRIVATE = "resources/private"
DIGESTS = "resources/digests"


def _sources():
    """Input files by id (the folder is listed; files are read by ``_prepare_inputs``)."""
    try:
        sources = find_sources(config["input_dir"])
    except InputError as err:
        raise WorkflowError(f"Bad input: {err}") from None
    except FileNotFoundError as err:
        raise WorkflowError(f"Input folder not found: {err.filename}. How to fix: set "
                            "input_dir in config/config.yaml.") from None
    if not sources:
        raise WorkflowError(f"No transcripts in {config['input_dir']}. How to fix: put .txt, "
                            ".docx, .vtt, .srt or .csv files there.")
    return sources


SOURCES = _sources()


def _prepare_inputs():
    """Content digests, a check of each new or changed input, the study's names per file:
    done once per content, in the main process only, before any job runs, so bad input stops
    the run with nothing written under results/. Cluster jobs read no input here."""
    try:
        prepare_inputs(SOURCES, Path(PRIVATE), Path(DIGESTS), config["privacy"])
    except InputError as err:
        raise WorkflowError(f"Bad input: {err}") from None


if workflow.is_main_process:
    _prepare_inputs()


def _code_digest():
    """One digest of the package's code and data: a change anywhere in src/jejak reruns the
    steps (Snakemake tracks only a rule's own script)."""
    package = Path(jejak.__file__).parent
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(path.relative_to(package).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


CODE_DIGEST = _code_digest()


def source_file(wildcards):
    return str(SOURCES[wildcards.source])


def per_source(pattern):
    return expand(pattern, source=sorted(SOURCES))


def final_outputs():
    targets = [f"{RESULTS}/utterances.tsv", f"{RESULTS}/themes.tsv",
               f"{RESULTS}/journey_map.tsv", f"{RESULTS}/journey_by_informant.tsv",
               f"{RESULTS}/provenance.json", f"{RESULTS}/report.html",
               f"{RESULTS}/jejak.qdpx", f"{RESULTS}/codebook.qdc",
               f"{RESULTS}/journey_map.xlsx", f"{RESULTS}/theme_by_informant.tsv",
               f"{RESULTS}/privacy.tsv"]
    if config.get("gold_dir"):
        targets.append(f"{RESULTS}/agreement.tsv")
    return targets


def examples_files():
    from jejak.resources import resolve_path

    folder = resolve_path(config["themes"]["examples"])
    files = sorted(str(p) for p in folder.glob("*.tsv")) if folder.is_dir() else [str(folder)]
    for key in ("interviews", "calibration"):
        if config["themes"].get(key):
            coded = resolve_path(config["themes"][key])
            files += sorted(str(p) for p in coded.glob("*/*") if p.is_file())
    return [*files, str(resolve_path(config["stages"]["questions"]))]


def model_config():
    """What the fitted models depend on (a threshold change does not re-fit them)."""
    themes = {k: v for k, v in config["themes"].items()
              if k in {"examples", "interviews", "calibration", "interview_weight",
                       "regularisation", "cv_folds", "random_state"}}
    return {"themes": themes, "codebook": config["codebook"], "sentiment": config["sentiment"],
            "embedding": config["embedding"], "stages": {"questions": config["stages"]["questions"]},
            "model_cache_dir": config.get("model_cache_dir", "")}


def coding_config():
    return {k: config[k] for k in ("themes", "stages", "sentiment", "codebook")}


def journey_config():
    return {k: config[k] for k in ("codebook", "gazetteers", "journey", "report")}


def gold_files():
    folder = config.get("gold_dir") or ""
    return sorted(str(p) for p in Path(folder).glob("*.csv")) if folder else []


def language_files():
    """Word lists and patterns of the package: a change re-runs the steps that read them."""
    from jejak.resources import data_path

    return sorted(str(p) for p in data_path("id").iterdir() if p.is_file())


def source_paths():
    return {source: str(path) for source, path in sorted(SOURCES.items())}


def input_files():
    """Every input file and sidecar (hashed into the provenance; the rule itself depends on
    their content digests, so a touched file reruns nothing)."""
    sidecars = [sidecar_path(p) for p in SOURCES.values() if sidecar_path(p).exists()]
    return sorted(str(p) for p in [*SOURCES.values(), *sidecars])


def study_files():
    """Codebook examples, word lists, gold coding: hashed into the provenance."""
    return sorted({*examples_files(), *language_files(), *gold_files()})


def command_line():
    import shlex
    import sys

    return shlex.join(sys.argv)


def agreement_if_gold():
    return [f"{RESULTS}/agreement.tsv"] if config.get("gold_dir") else []


def report_config():
    keys = ("report", "codebook", "sentiment", "embedding", "themes", "stages", "journey")
    return {k: config[k] for k in keys}


def export_config():
    return {k: config[k] for k in ("codebook", "report")}
