# What a peer reviewer needs to reproduce the results.


rule provenance:
    input:
        digests=per_source(f"{DIGESTS}/{{source}}.sha256"),
        study=study_files(),
        thresholds=rules.themes.output.thresholds,
    output:
        provenance=f"{RESULTS}/provenance.json",
    params:
        code=CODE_DIGEST,
        config=config,
        command=command_line(),
        inputs=input_files(),
    log:
        "logs/provenance.log",
    threads: 1
    conda:
        "../envs/jejak.yaml"
    script:
        "../scripts/provenance.py"
