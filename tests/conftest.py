"""Shared test helpers: the repository, real Snakemake runs in temporary folders."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SNAKEFILE = ROOT / "workflow" / "Snakefile"


def snakemake_bin() -> str:
    return str(Path(sys.executable).with_name("snakemake"))


def make_project(tmp_path: Path, transcripts: Path | None = None, gold: bool = False,
                 **overrides) -> Path:
    """A study folder: the repository's config (with ``overrides``), transcripts copied in.
    The embedding cache is shared between tests: it is content-addressed and safe to share."""
    project = tmp_path / "study"
    (project / "config").mkdir(parents=True)
    config = yaml.safe_load((ROOT / "config" / "config.yaml").read_text(encoding="utf-8"))
    config["gold_dir"] = "gold" if gold else ""
    config["embedding"]["cache_dir"] = str(ROOT / "resources" / "embedding_cache")
    config["model_cache_dir"] = str(ROOT / "resources" / "model_cache")
    for key, value in overrides.items():
        config[key] = {**config[key], **value} if isinstance(value, dict) else value
    (project / "config" / "config.yaml").write_text(yaml.safe_dump(config, allow_unicode=True),
                                                     encoding="utf-8")
    target = project / "transcripts"
    if transcripts is not None:
        shutil.copytree(transcripts, target)
    else:
        target.mkdir()
    if gold:
        shutil.copytree(ROOT / "gold", project / "gold")
    return project


def run_workflow(project: Path, *args: str, cores: int = 2, timeout: int = 900,
                 targets: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    command = [snakemake_bin(), "-s", str(SNAKEFILE), "--directory", str(project),
               "--cores", str(cores), *args, *targets]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=timeout,
                          cwd=project)


@pytest.fixture
def demo_project(tmp_path):
    return make_project(tmp_path, ROOT / "transcripts", gold=True)


def snapshot(folder: Path) -> dict[str, bytes]:
    if not folder.exists():
        return {}
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory):
    """The whole workflow on the demo batch with its gold coding, once per test session.
    Tests read its ``results/``; none may modify it."""
    project = make_project(tmp_path_factory.mktemp("demo"), ROOT / "transcripts", gold=True)
    run = run_workflow(project, cores=2)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-4000:]
    return project
