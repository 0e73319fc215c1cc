"""Train the optional person-name tagger that ships in ``src/jejak/data/name_tagger/``.

A small spaCy ``ner`` component (CPU, no vectors) learns person names (``PPL``) from the
lower-cased news sentences of NER-Prosa (IndoNLU NERP, Apache-2.0; Wilie et al., AACL 2020),
read where they lie in ``../shared/data/ner-prosa/``. Only the trained weights ship; the data
never enters the project (the spaCy training files go to a temporary folder, and the strings
spaCy would store from them are dropped). Places,
organisations and the other tags are left out on purpose: they are kept, not masked.

    python tools/train_name_tagger.py            # about ten minutes on two cores
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import spacy
from spacy.tokens import Doc, DocBin

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "ner-prosa"
TARGET = ROOT / "src" / "jejak" / "data" / "name_tagger"
LABEL = "PER"


def read_conll(path: Path) -> list[list[tuple[str, str]]]:
    sentences, current = [], []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            if current:
                sentences.append(current)
            current = []
            continue
        token, _, tag = line.partition("\t")
        current.append((token, tag.strip()))
    return sentences + ([current] if current else [])


def person_tags(tags: list[str]) -> list[str]:
    """BIO tags of persons only, in spaCy's form; other entity types become ``O``."""
    out = []
    for tag in tags:
        kind = tag[2:] if tag[:2] in {"B-", "I-"} else ""
        out.append(f"{tag[:2]}{LABEL}" if kind == "PPL" else "O")
    # an I- that follows an O (a dropped entity before it) starts a new entity
    return [("B-" + t[2:]) if t.startswith("I-") and (i == 0 or out[i - 1] == "O") else t
            for i, t in enumerate(out)]


def docbin(path: Path, nlp) -> DocBin:
    bin_ = DocBin()
    for sentence in read_conll(path):
        words = [w for w, _ in sentence]
        doc = Doc(nlp.vocab, words=words, ents=person_tags([t for _, t in sentence]))
        bin_.add(doc)
    return bin_


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--out", type=Path, default=TARGET)
    args = parser.parse_args(argv)
    if not (DATA / "train.txt").exists():
        print(f"{DATA} is absent: nothing to train on", file=sys.stderr)
        return 2
    nlp = spacy.blank("id")
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        docbin(DATA / "train.txt", nlp).to_disk(work / "train.spacy")
        docbin(DATA / "valid.txt", nlp).to_disk(work / "dev.spacy")
        spacy_cli = [sys.executable, "-m", "spacy"]
        subprocess.run([*spacy_cli, "init", "config", str(work / "config.cfg"), "--lang", "id",
                        "--pipeline", "ner", "--optimize", "efficiency", "--force"], check=True)
        subprocess.run([*spacy_cli, "train", str(work / "config.cfg"), "--output",
                        str(work / "out"), "--paths.train", str(work / "train.spacy"),
                        "--paths.dev", str(work / "dev.spacy"),
                        "--training.max_epochs", str(args.epochs),
                        "--training.seed", "13", "--system.seed", "13"], check=True)
        shutil.rmtree(args.out, ignore_errors=True)
        shutil.copytree(work / "out" / "model-best", args.out)
    # spaCy stores every string it saw in training (the news text itself); the model reads
    # hashes of the text it is given, so only the label is needed: the data stays out.
    (args.out / "vocab" / "strings.json").write_text(json.dumps([LABEL]), encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
