# Per-input-file steps: read, remove identifiers, split into utterances.


rule ingest:
    input:
        digest=f"{DIGESTS}/{{source}}.sha256",
    output:
        turns=temp(f"{PRIVATE}/{{source}}.turns.tsv"),
        personas=temp(f"{PRIVATE}/{{source}}.personas.json"),
    params:
        code=CODE_DIGEST,
        source=source_file,
    log:
        "logs/ingest/{source}.log",
    benchmark:
        "logs/benchmarks/ingest/{source}.tsv"
    threads: 1
    conda:
        "../envs/jejak.yaml"
    script:
        "../scripts/ingest.py"


rule deidentify:
    input:
        turns=rules.ingest.output.turns,
        language=language_files(),
        personas=rules.ingest.output.personas,
        names=f"{PRIVATE}/names/{{source}}.json",
    output:
        turns=f"{INTERIM}/turns/{{source}}.tsv",
        personas=f"{INTERIM}/personas/{{source}}.json",
        audit=f"{INTERIM}/privacy/{{source}}.tsv",
    params:
        code=CODE_DIGEST,
        privacy=config["privacy"],
    log:
        "logs/deidentify/{source}.log",
    benchmark:
        "logs/benchmarks/deidentify/{source}.tsv"
    threads: 1
    conda:
        "../envs/jejak.yaml"
    script:
        "../scripts/deidentify.py"


rule segment:
    input:
        turns=rules.deidentify.output.turns,
        language=language_files(),
    output:
        utterances=f"{INTERIM}/utterances/{{source}}.tsv",
    params:
        code=CODE_DIGEST,
    log:
        "logs/segment/{source}.log",
    benchmark:
        "logs/benchmarks/segment/{source}.tsv"
    threads: 1
    conda:
        "../envs/jejak.yaml"
    script:
        "../scripts/segment.py"


rule privacy:
    input:
        audits=per_source(f"{INTERIM}/privacy/{{source}}.tsv"),
    output:
        audit=report(
            f"{RESULTS}/privacy.tsv",
            caption="../report/privacy.rst",
            category="Privacy",
        ),
    params:
        code=CODE_DIGEST,
    log:
        "logs/privacy.log",
    benchmark:
        "logs/benchmarks/privacy.tsv"
    threads: 1
    conda:
        "../envs/jejak.yaml"
    script:
        "../scripts/privacy.py"
