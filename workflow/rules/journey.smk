# The journey map and, when gold coding is given, agreement with the human coder.


rule journey:
    input:
        utterances=rules.themes.output.utterances,
        personas=per_source(f"{INTERIM}/personas/{{source}}.json"),
    output:
        journey_map=report(
            f"{RESULTS}/journey_map.tsv",
            caption="../report/journey_map.rst",
            category="Journey map",
        ),
        by_informant=report(
            f"{RESULTS}/journey_by_informant.tsv",
            caption="../report/journey_by_informant.rst",
            category="Journey map",
        ),
    params:
        code=code_hash("journey"),
        config=journey_config(),
    log:
        "logs/journey.log",
    benchmark:
        "benchmarks/journey.tsv"
    threads: 1
    conda:
        "../envs/jejak.yaml"
    script:
        "../scripts/journey.py"


rule agreement:
    input:
        utterances=rules.themes.output.utterances,
        journey_map=rules.journey.output.journey_map,
        gold=gold_files(),
    output:
        agreement=report(
            f"{RESULTS}/agreement.tsv",
            caption="../report/agreement.rst",
            category="Agreement",
        ),
    params:
        code=code_hash("agreement"),
        theme_ids=[t["id"] for t in config["codebook"]["themes"]],
    log:
        "logs/agreement.log",
    benchmark:
        "benchmarks/agreement.tsv"
    threads: 1
    conda:
        "../envs/jejak.yaml"
    script:
        "../scripts/agreement.py"
