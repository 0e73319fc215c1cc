# Helpers for the rules: the input files, their ids, the targets.
from pathlib import Path

from snakemake.exceptions import WorkflowError

from jejak.ingest import InputError, find_sources, read_source, refresh_digest, sidecar_path

RESULTS = config.get("results_dir", "results")
INTERIM = f"{RESULTS}/interim"
PRIVATE = "resources/private"


def _sources():
    """Input files by id. Every file is read once here, before any job runs, so bad input
    stops the run with nothing written under results/."""
    try:
        sources = find_sources(config["input_dir"])
        for path in sources.values():
            read_source(path)
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
DIGESTS = "resources/digests"


def _refresh_digests():
    """Content digests of the inputs: per-file jobs rerun on a change of content, not of
    modification time."""
    for source, path in SOURCES.items():
        side = sidecar_path(path)
        refresh_digest([path, *([side] if side.exists() else [])],
                       f"{DIGESTS}/{source}.sha256")


_refresh_digests()


def source_file(wildcards):
    return str(SOURCES[wildcards.source])


def per_source(pattern):
    return expand(pattern, source=sorted(SOURCES))


def final_outputs():
    targets = [f"{RESULTS}/utterances.tsv", f"{RESULTS}/themes.tsv",
               f"{RESULTS}/journey_map.tsv", f"{RESULTS}/journey_by_informant.tsv",
               f"{RESULTS}/provenance.json", f"{RESULTS}/report.html",
               f"{RESULTS}/jejak.qdpx", f"{RESULTS}/codebook.qdc",
               f"{RESULTS}/journey_map.xlsx", f"{RESULTS}/theme_by_informant.tsv"]
    if config.get("gold_dir"):
        targets.append(f"{RESULTS}/agreement.tsv")
    return targets


def examples_files():
    from jejak.resources import resolve_path

    folder = resolve_path(config["themes"]["examples"])
    files = sorted(str(p) for p in folder.glob("*.tsv")) if folder.is_dir() else [str(folder)]
    return [*files, str(resolve_path(config["stages"]["questions"]))]


def model_config():
    """What the fitted models depend on (a threshold change does not re-fit them)."""
    themes = {k: v for k, v in config["themes"].items()
              if k in {"examples", "regularisation", "cv_folds", "random_state"}}
    return {"themes": themes, "codebook": config["codebook"], "sentiment": config["sentiment"],
            "embedding": config["embedding"], "stages": {"questions": config["stages"]["questions"]}}


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


def code_hash(*modules):
    """Digest of the jejak modules a step runs, so that a code change re-runs it (Snakemake only
    tracks the rule's own script)."""
    import hashlib

    import jejak

    digest = hashlib.sha256()
    for module in modules:
        digest.update((Path(jejak.__file__).parent / f"{module}.py").read_bytes())
    return digest.hexdigest()[:16]


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
