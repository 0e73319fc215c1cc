"""``make eval``: agreement with human coders on the demo batch, the calibration interviews,
../shared/dev and the reviews.

The calibration interviews chose the turn models' thresholds (never trained on), so their
figures are validation figures; ../shared/dev is the one set nobody on the team wrote.

Each data set runs the real workflow in its own folder under ``results/eval/<name>/`` (config
copied from ``config/config.yaml`` with the input and gold folders replaced; the embedding cache
shared), then its ``agreement.tsv`` is printed. Data in ``../shared`` is read where it lies and
never copied: the reviews folder holds a symbolic link to the CSV.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import pandas as pd
import yaml

from jejak.agreement import privacy_leaks
from jejak.resources import data_path, goals

try:  # run as ``python evaluation/evaluate.py`` or imported as ``evaluation.evaluate``
    from evaluation.privacy import ner_prosa_figures, own_set_figures
except ImportError:
    from privacy import ner_prosa_figures, own_set_figures

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
NER_PROSA = SHARED / "data" / "ner-prosa" / "test.txt"
HEADLINE = ["coverage", "stage_accuracy", "stage_macro_f1", "theme_micro_f1", "theme_macro_f1",
            "sentiment_spearman", "sentiment_macro_f1", "journey_spearman",
            "journey_max_abs_diff", "journey_same_lowest", "reviews_macro_f1", "reviews_auc"]


def datasets() -> dict[str, dict]:
    calibration = data_path("mobile_jkn/calibration")
    sets = {"demo": {"input": ROOT / "transcripts", "gold": ROOT / "gold"},
            "calibration": {"input": calibration / "transcripts",
                            "gold": calibration / "coding"}}
    if (SHARED / "dev" / "transcripts").is_dir():
        sets["dev"] = {"input": SHARED / "dev" / "transcripts", "gold": SHARED / "dev" / "coding"}
    reviews = SHARED / "data" / "mobile_jkn_reviews_dev.csv"
    if reviews.exists():
        sets["reviews"] = {"input": reviews, "gold": None}
    return sets


def prepare(name: str, spec: dict, base: Path) -> Path:
    work = base / name
    (work / "config").mkdir(parents=True, exist_ok=True)
    config = yaml.safe_load((ROOT / "config" / "config.yaml").read_text(encoding="utf-8"))
    source = Path(spec["input"])
    if source.is_file():
        folder = work / "input"
        folder.mkdir(exist_ok=True)
        link = folder / source.name
        if not link.exists():
            link.symlink_to(source)
        config["input_dir"] = str(folder)
    else:
        config["input_dir"] = str(source)
    config["gold_dir"] = str(spec["gold"]) if spec["gold"] else ""
    config["embedding"]["cache_dir"] = str(ROOT / config["embedding"]["cache_dir"])
    config["model_cache_dir"] = str(ROOT / config["model_cache_dir"])
    (work / "config" / "config.yaml").write_text(yaml.safe_dump(config, allow_unicode=True),
                                                  encoding="utf-8")
    return work


def run(work: Path, cores: int, extra: tuple[str, ...] = ()) -> None:
    snakemake = Path(sys.executable).with_name("snakemake")
    command = [str(snakemake), "-s", str(ROOT / "workflow" / "Snakefile"), "--directory",
               str(work), "--cores", str(cores), "--quiet", "progress", *extra, "--",
               "results/agreement.tsv", "results/journey_map.tsv"]
    subprocess.run(command, check=True)


def summary(agreement: pd.DataFrame) -> pd.DataFrame:
    head = agreement[(agreement["scope"] == "all") & agreement["metric"].isin(HEADLINE)]
    return head.set_index("metric").reindex([m for m in HEADLINE if m in set(head["metric"])])


def print_review_themes(results: Path, top: int = 8) -> None:
    """Share of reviews given a seed theme, and the largest emergent themes with keywords."""
    utterances = pd.read_csv(results / "utterances.tsv", sep="\t", dtype=str,
                             keep_default_na=False)
    themes = pd.read_csv(results / "themes.tsv", sep="\t", dtype=str, keep_default_na=False)
    seed = set(themes.loc[themes["kind"] == "seed", "theme_id"])
    themed = utterances.assign(seeded=utterances["theme_id"].isin(seed)).groupby(
        "transcript_id")["seeded"].any()
    print(f"reviews given a seed theme: {themed.mean():.3f} ({int(themed.sum())} of "
          f"{len(themed)})")
    counts = themes.assign(n=themes["n_utterances"].astype(int))
    print(counts[counts["kind"] == "seed"].sort_values("n", ascending=False)[
        ["theme_id", "n_utterances", "n_informants"]].to_string(index=False))
    emergent = counts[counts["kind"] == "emergent"].sort_values("n", ascending=False).head(top)
    print(f"top emergent themes ({int((counts['kind'] == 'emergent').sum())} in all):")
    for row in emergent.itertuples(index=False):
        print(f"  {row.theme_id}  n={row.n_utterances}  {row.keywords}")


def print_privacy(out: Path) -> None:
    """The privacy section: the project's de-identification test set (test split) and the
    NER-Prosa test split; figures also written to ``privacy.tsv``."""
    rows = []
    own = own_set_figures("test")
    print("\n== privacy: evaluation/privacy (test split, "
          f"{own['n_names']} name mentions, {own['n_placeholders']} [NAMA])")
    for kind, value in own["recall"].items():
        rows.append(("own", f"recall_{kind}", value, goals()["identifier_recall"]))
    rows += [("own", "name_precision", own["name_precision"], goals()["name_precision"]),
             ("own", "lookalikes_kept", own["lookalikes_kept"], 1.0)]
    if NER_PROSA.exists():
        ner = ner_prosa_figures(NER_PROSA)
        rows += [("ner-prosa", "person_recall", ner["person_recall"],
                  goals()["ner_person_recall"]),
                 ("ner-prosa", "place_org_kept", ner["place_org_kept"],
                  goals()["ner_kept_place_org"]),
                 ("ner-prosa", "name_precision", ner["name_precision"],
                  goals()["name_precision"])]
    else:
        print(f"[ner-prosa] skipped: {NER_PROSA} is absent")
    table = pd.DataFrame(rows, columns=["set", "metric", "value", "goal"])
    print(table.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    out.mkdir(parents=True, exist_ok=True)
    (out / "privacy.tsv").write_text(table.to_csv(sep="\t", index=False), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--only", nargs="*", help="demo, calibration, dev, reviews, privacy")
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "eval")
    args = parser.parse_args(argv)
    sets = datasets()
    for name in ("dev", "reviews"):
        if name not in sets:
            print(f"[{name}] skipped: ../shared/{'dev' if name == 'dev' else 'data'} is absent")
    if not args.only or "privacy" in args.only:
        print_privacy(args.out)
    figures = {}
    for name, spec in sets.items():
        if args.only and name not in args.only:
            continue
        work = prepare(name, spec, args.out)
        run(work, args.cores)
        agreement = pd.read_csv(work / "results" / "agreement.tsv", sep="\t")
        figures[name] = summary(agreement)
        print(f"\n== {name}: {spec['input']}")
        print(figures[name][["value", "n", "goal"]].to_string(float_format=lambda v: f"{v:.3f}"))
        themes = agreement[agreement["metric"].isin(["theme_f1", "theme_kappa"])]
        if len(themes):
            table = themes.pivot_table(index="scope", columns="metric", values="value")
            print(table.to_string(float_format=lambda v: f"{v:.2f}"))
        if name == "reviews":
            print_review_themes(work / "results")
        if name == "demo":
            count, leaks = privacy_leaks(work / "results", ROOT / "gold" / "planted")
            print(f"privacy_leaks (planted identifiers found under results/): {count}")
            for leak in leaks[:20]:
                print("  ", leak)
    if figures:
        table = pd.DataFrame({n: f["value"] for n, f in figures.items()})
        table = table.reindex([m for m in HEADLINE if m in table.index])
        table["goal"] = pd.concat([f["goal"] for f in figures.values()], axis=1).bfill(
            axis=1).iloc[:, 0]
        print("\n== all data sets")
        print(table.to_string(float_format=lambda v: f"{v:.3f}"))
        (args.out / "summary.tsv").write_text(table.to_csv(sep="\t"), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
