"""The SLURM profile plans every job of the workflow (dry run, real executor plugin)."""

from __future__ import annotations

import re
import subprocess

import pytest

from .conftest import ROOT, SNAKEFILE, make_project, snakemake_bin

RULES = ["ingest", "deidentify", "segment", "embed", "embed_examples", "train", "stages",
         "sentiment", "themes", "journey", "agreement", "provenance", "report", "export"]


def test_slurm_profile_plans_every_job(tmp_path):
    pytest.importorskip("snakemake_executor_plugin_slurm",
                        reason="snakemake-executor-plugin-slurm is not installed")
    project = make_project(tmp_path, ROOT / "transcripts", gold=True)
    run = subprocess.run([snakemake_bin(), "-s", str(SNAKEFILE), "--directory", str(project),
                          "--workflow-profile", str(ROOT / "profiles" / "slurm"), "--dry-run"],
                         capture_output=True, text=True, timeout=300, cwd=project)
    assert run.returncode == 0, run.stderr[-3000:]
    output = run.stdout + run.stderr
    counts = dict(re.findall(r"^(\w+)\s+(\d+)$", output, re.M))
    sources = len({p.name.split(".")[0] for p in (ROOT / "transcripts").iterdir()
                   if not p.name.endswith(".meta.yaml")})
    for rule in ("ingest", "deidentify", "segment", "embed"):
        assert int(counts[rule]) == sources, rule
    for rule in RULES:
        assert rule in counts, rule
    assert not (project / "results").exists()  # a dry run writes nothing
