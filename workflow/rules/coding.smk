# Embedding (per input file), model fitting and coding of the whole batch.


rule embed:
    input:
        utterances=rules.segment.output.utterances,
    output:
        vectors=f"{INTERIM}/embeddings/{{source}}.npz",
    params:
        code=CODE_DIGEST,
        embedding=config["embedding"],
    log:
        "logs/embed/{source}.log",
    benchmark:
        "logs/benchmarks/embed/{source}.tsv"
    threads: 2
    resources:
        mem_mb=1500,
    conda:
        "../envs/jejak.yaml"
    script:
        "../scripts/embed.py"


rule embed_examples:
    input:
        examples=examples_files(),
        language=language_files(),
    output:
        vectors=f"{INTERIM}/models/example_vectors.npz",
    params:
        code=CODE_DIGEST,
        config=model_config(),
    log:
        "logs/embed_examples.log",
    benchmark:
        "logs/benchmarks/embed_examples.tsv"
    threads: 2
    resources:
        mem_mb=1500,
    conda:
        "../envs/jejak.yaml"
    script:
        "../scripts/embed_examples.py"


rule train:
    input:
        vectors=rules.embed_examples.output.vectors,
    output:
        models=f"{INTERIM}/models/models.pkl",
    params:
        code=CODE_DIGEST,
        config=model_config(),
    log:
        "logs/train.log",
    benchmark:
        "logs/benchmarks/train.tsv"
    threads: 1
    conda:
        "../envs/jejak.yaml"
    script:
        "../scripts/train.py"


rule stages:
    input:
        utterances=per_source(f"{INTERIM}/utterances/{{source}}.tsv"),
        vectors=per_source(f"{INTERIM}/embeddings/{{source}}.npz"),
        models=rules.train.output.models,
    output:
        stages=f"{INTERIM}/stages.tsv",
    params:
        code=CODE_DIGEST,
        config=coding_config(),
    log:
        "logs/stages.log",
    benchmark:
        "logs/benchmarks/stages.tsv"
    threads: 1
    conda:
        "../envs/jejak.yaml"
    script:
        "../scripts/stages.py"


rule sentiment:
    input:
        utterances=per_source(f"{INTERIM}/utterances/{{source}}.tsv"),
        vectors=per_source(f"{INTERIM}/embeddings/{{source}}.npz"),
        models=rules.train.output.models,
    output:
        sentiment=f"{INTERIM}/sentiment.tsv",
    params:
        code=CODE_DIGEST,
        config=coding_config(),
    log:
        "logs/sentiment.log",
    benchmark:
        "logs/benchmarks/sentiment.tsv"
    threads: 1
    conda:
        "../envs/jejak.yaml"
    script:
        "../scripts/sentiment.py"


rule themes:
    input:
        utterances=per_source(f"{INTERIM}/utterances/{{source}}.tsv"),
        vectors=per_source(f"{INTERIM}/embeddings/{{source}}.npz"),
        stages=rules.stages.output.stages,
        sentiment=rules.sentiment.output.sentiment,
        models=rules.train.output.models,
    output:
        utterances=report(
            f"{RESULTS}/utterances.tsv",
            caption="../report/utterances.rst",
            category="Coding",
        ),
        themes=report(
            f"{RESULTS}/themes.tsv",
            caption="../report/themes.rst",
            category="Themes",
        ),
        thresholds=f"{INTERIM}/theme_thresholds.tsv",
    params:
        code=CODE_DIGEST,
        config=coding_config(),
    log:
        "logs/themes.log",
    benchmark:
        "logs/benchmarks/themes.tsv"
    threads: 1
    resources:
        mem_mb=3000,
    conda:
        "../envs/jejak.yaml"
    script:
        "../scripts/themes.py"
