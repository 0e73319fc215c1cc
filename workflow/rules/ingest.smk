# Per-input-file steps: read, remove identifiers, split into utterances.


rule ingest:
    input:
        digest=f"{DIGESTS}/{{source}}.sha256",
    output:
        turns=temp(f"{PRIVATE}/{{source}}.turns.tsv"),
        personas=temp(f"{PRIVATE}/{{source}}.personas.json"),
    params:
        code=code_hash("ingest", "tables"),
        source=source_file,
    log:
        "logs/ingest/{source}.log",
    benchmark:
        "benchmarks/ingest/{source}.tsv"
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
    output:
        turns=f"{INTERIM}/turns/{{source}}.tsv",
        personas=f"{INTERIM}/personas/{{source}}.json",
    params:
        code=code_hash("deidentify", "tables"),
        privacy=config["privacy"],
    log:
        "logs/deidentify/{source}.log",
    benchmark:
        "benchmarks/deidentify/{source}.tsv"
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
        code=code_hash("segment", "tables"),
    log:
        "logs/segment/{source}.log",
    benchmark:
        "benchmarks/segment/{source}.tsv"
    threads: 1
    conda:
        "../envs/jejak.yaml"
    script:
        "../scripts/segment.py"
