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
        journey_items=report(
            f"{RESULTS}/journey_items.tsv",
            caption="../report/journey_items.rst",
            category="Journey map",
        ),
    params:
        code=CODE_DIGEST,
        config=journey_config(),
    log:
        "logs/journey.log",
    benchmark:
        "logs/benchmarks/journey.tsv"
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
        code=CODE_DIGEST,
        config={"codebook": config["codebook"]},
    log:
        "logs/agreement.log",
    benchmark:
        "logs/benchmarks/agreement.tsv"
    threads: 1
    conda:
        "../envs/jejak.yaml"
    script:
        "../scripts/agreement.py"
