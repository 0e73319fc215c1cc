"""``results/provenance.json``: everything a peer reviewer needs to rerun and get the same numbers.

Code (jejak's version and git commit), Python and every installed package's version, the
embedding backend and model with a hash of its weights, the full resolved config with the
codebook, the fitted thresholds, a SHA-256 of every input file, and the command line.
"""

from __future__ import annotations

import platform
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import jejak
from jejak.embed import file_sha256, make_embedder

ROOT = Path(jejak.__file__).resolve().parents[2]


def git_commit(folder: Path = ROOT) -> dict:
    def git(*args: str) -> str:
        try:
            done = subprocess.run(["git", *args], cwd=folder, capture_output=True, text=True,
                                  timeout=10, check=False)
        except (OSError, subprocess.TimeoutExpired):
            return ""
        return done.stdout.strip() if done.returncode == 0 else ""

    commit = git("rev-parse", "HEAD")
    dirty = bool(git("status", "--porcelain", "--untracked-files=no")) if commit else None
    return {"commit": commit, "dirty": dirty}


def package_versions() -> dict[str, str]:
    versions = {}
    for dist in metadata.distributions():
        name = dist.metadata["Name"]
        if name:
            versions[name.lower()] = dist.version
    return dict(sorted(versions.items()))


def input_hashes(paths) -> dict[str, str]:
    return {str(p): file_sha256(p) for p in sorted(set(map(str, paths)))}


def build_provenance(config: dict, inputs, other_files, thresholds: dict, command: str,
                     threads: int = 1) -> dict:
    embedder = make_embedder(config["embedding"], threads)
    return {
        "jejak": {"version": jejak.__version__, **git_commit()},
        "python": {"version": platform.python_version(), "implementation":
                   platform.python_implementation(), "platform": platform.platform()},
        "packages": package_versions(),
        "embedding": embedder.describe(),
        "config": config,
        "codebook": config["codebook"],
        "theme_thresholds": dict(sorted(thresholds.items())),
        "inputs": input_hashes(inputs),
        "study_files": input_hashes(other_files),
        "command": command,
        "executable": sys.executable,
    }
