# What a peer reviewer needs to reproduce the results.


rule provenance:
    input:
        sources=[str(p) for p in SOURCES.values()],
        sidecars=all_sidecars(),
        study=study_files(),
        models=rules.train.output.models,
    output:
        provenance=f"{RESULTS}/provenance.json",
    params:
        code=code_hash("provenance"),
        config=config,
        command=command_line(),
    log:
        "logs/provenance.log",
    threads: 1
    conda:
        "../envs/jejak.yaml"
    script:
        "../scripts/provenance.py"
