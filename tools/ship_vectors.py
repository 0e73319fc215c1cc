"""Embed the package's own texts once and ship the vectors (``src/jejak/data/shipped_vectors.npz``).

    python tools/ship_vectors.py

Every text the models read (examples, their questions, prototypes, guide questions, the coded
training and calibration interviews) with the default embedder, keyed by model and SHA-256 of
the text. Run it after changing any of them: texts missing from the file are embedded on the
user's machine as before, so a stale file costs time, never correctness.
"""

from pathlib import Path

import yaml

from jejak import embed, models
from jejak.resources import data_path
from jejak.steps import SHIPPED_VECTORS

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    config = yaml.safe_load((ROOT / "config" / "config.yaml").read_text(encoding="utf-8"))
    texts = models.example_texts(config)
    embedder = embed.make_embedder(config["embedding"], threads=2)
    cache = embed.EmbeddingCache(ROOT / config["embedding"]["cache_dir"], embedder.model_key)
    vectors = embed.embed_texts(texts, embedder, cache)
    embed.write_shipped_vectors(data_path(SHIPPED_VECTORS), embedder.model_key, vectors)
    print(f"{len(texts)} texts, model {embedder.model_key}")


if __name__ == "__main__":
    main()
