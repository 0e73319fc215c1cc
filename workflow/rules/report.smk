# What researchers open: the report page and exports to QDA tools and spreadsheets.


rule report:
    input:
        utterances=rules.themes.output.utterances,
        themes=rules.themes.output.themes,
        journey_map=rules.journey.output.journey_map,
        journey_items=rules.journey.output.journey_items,
        by_informant=rules.journey.output.by_informant,
        personas=per_source(f"{INTERIM}/personas/{{source}}.json"),
        agreement=agreement_if_gold(),
        provenance=rules.provenance.output.provenance,
        privacy=rules.privacy.output.audit,
    output:
        report=report(
            f"{RESULTS}/report.html",
            caption="../report/report.rst",
            category="Report",
        ),
    params:
        code=CODE_DIGEST,
        config=report_config(),
    log:
        "logs/report.log",
    benchmark:
        "logs/benchmarks/report.tsv"
    threads: 1
    conda:
        "../envs/jejak.yaml"
    script:
        "../scripts/report.py"


rule export:
    input:
        utterances=rules.themes.output.utterances,
        themes=rules.themes.output.themes,
        journey_map=rules.journey.output.journey_map,
        turns=per_source(f"{INTERIM}/turns/{{source}}.tsv"),
    output:
        qdpx=f"{RESULTS}/jejak.qdpx",
        qdc=f"{RESULTS}/codebook.qdc",
        xlsx=report(
            f"{RESULTS}/journey_map.xlsx",
            caption="../report/xlsx.rst",
            category="Exports",
        ),
        matrix=report(
            f"{RESULTS}/theme_by_informant.tsv",
            caption="../report/theme_by_informant.rst",
            category="Themes",
        ),
    params:
        code=CODE_DIGEST,
        config=export_config(),
    log:
        "logs/export.log",
    benchmark:
        "logs/benchmarks/export.tsv"
    threads: 1
    conda:
        "../envs/jejak.yaml"
    script:
        "../scripts/export.py"
