"""Package data: word lists, patterns and study resources, read from ``jejak/data``.

Everything a rule-based step matches against lives in data files, not in code, so a study can
read and change it. Loading is cached because the files are immutable package data.
"""

from __future__ import annotations

import csv
from functools import cache
from importlib import resources
from pathlib import Path

import yaml

PACKAGE_PREFIX = "package:"


def data_path(relative: str) -> Path:
    """Path of a file or folder inside ``jejak/data``."""
    return Path(str(resources.files("jejak") / "data" / relative))


def resolve_path(spec: str, base: Path | None = None) -> Path:
    """Resolve ``package:<rel>`` to package data, anything else relative to ``base``."""
    if spec.startswith(PACKAGE_PREFIX):
        return data_path(spec[len(PACKAGE_PREFIX) :])
    path = Path(spec)
    return path if path.is_absolute() or base is None else base / path


@cache
def patterns() -> dict:
    """Honorifics, not-names, address words, abbreviations, notes and speaker labels."""
    with data_path("id/patterns.yaml").open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def _read_tsv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))


def _read_lines(path: Path) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [ln.strip() for ln in lines if ln.strip() and not ln.startswith("#")]


@cache
def slang_table() -> dict[str, str]:
    """Informal, abbreviated and regional forms mapped to standard Indonesian."""
    rows = _read_tsv(data_path("id/slang.tsv"))
    return {r["variant"].strip().lower(): r["standard"].strip().lower() for r in rows}


@cache
def stopwords() -> frozenset[str]:
    return frozenset(w.lower() for w in _read_lines(data_path("id/stopwords.txt")))


@cache
def sentiment_lexicon() -> dict[str, float]:
    rows = _read_tsv(data_path("id/sentiment_lexicon.tsv"))
    return {r["term"].strip().lower(): float(r["weight"]) for r in rows}


@cache
def negators() -> frozenset[str]:
    return frozenset(w.lower() for w in _read_lines(data_path("id/negators.txt")))


@cache
def contrast_words() -> frozenset[str]:
    return frozenset(w.lower() for w in _read_lines(data_path("id/contrast.txt")))


@cache
def intensifiers() -> dict[str, float]:
    rows = _read_tsv(data_path("id/intensifiers.tsv"))
    return {r["term"].strip().lower(): float(r["multiplier"]) for r in rows}


@cache
def sentiment_prototypes() -> tuple[tuple[str, str], ...]:
    rows = _read_tsv(data_path("id/sentiment_prototypes.tsv"))
    return tuple((r["polarity"].strip(), r["text"].strip()) for r in rows)


@cache
def journey_cues() -> dict:
    """Expectation, activity and suggestion cues of the journey map."""
    with data_path("id/journey_cues.yaml").open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


@cache
def goals() -> dict[str, float]:
    """Metric goals of evaluation.md (``data/goals.yaml``)."""
    data = yaml.safe_load(data_path("goals.yaml").read_text(encoding="utf-8"))
    return {k: float(v) for k, v in data["goals"].items()}


@cache
def lower_is_better() -> frozenset[str]:
    data = yaml.safe_load(data_path("goals.yaml").read_text(encoding="utf-8"))
    return frozenset(data["lower_is_better"])
