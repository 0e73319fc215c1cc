"""Reading and writing the pipeline's tables and JSON, atomically and byte-stably.

Every file is written to a temporary name in its destination folder and renamed, so a
failed step never leaves a half-written file in ``results/``. Tables are UTF-8 TSV with
``\\n`` line ends and fixed float formatting, so equal frames give equal bytes.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from jejak.facts import UTTERANCE_KEY


def atomic_write(path: Path | str, write: Callable[[Path], None]) -> None:
    """Call ``write(tmp)`` for a temporary file next to ``path``, then rename it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(handle)
    try:
        write(Path(tmp))
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; outputs are shared files
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def write_tsv(frame: pd.DataFrame, path: Path | str, float_digits: int = 4) -> None:
    def write(tmp: Path) -> None:
        frame.to_csv(tmp, sep="\t", index=False, lineterminator="\n",
                     float_format=f"%.{float_digits}f", encoding="utf-8")

    atomic_write(path, write)


def read_tsv(path: Path | str) -> pd.DataFrame:
    """Read a table written by ``write_tsv``; text stays text ("" not NaN)."""
    frame = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False,
                        na_values=[], encoding="utf-8")
    for column in ("turn_index", "utterance_index", "line"):
        if column in frame.columns:
            frame[column] = frame[column].astype(int)
    return frame


def read_tsvs(paths) -> pd.DataFrame:
    frames = [read_tsv(p) for p in paths]
    frames = [f for f in frames if not f.empty] or frames[:1]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def read_utterances(paths) -> pd.DataFrame:
    """The batch's utterance tables in canonical order (the order every output is sorted by)."""
    frame = read_tsvs(paths).sort_values(UTTERANCE_KEY, kind="stable")
    return frame.reset_index(drop=True)


def write_json(data, path: Path | str) -> None:
    def write(tmp: Path) -> None:
        tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True,
                                  default=str) + "\n", encoding="utf-8")

    atomic_write(path, write)


def read_json(path: Path | str):
    return json.loads(Path(path).read_text(encoding="utf-8"))
