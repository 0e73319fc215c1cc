from jejak.logs import setup_logging
from jejak.steps import provenance_file

setup_logging(snakemake.log[0])
provenance_file(snakemake.params.config, snakemake.params.inputs,
                snakemake.input.study, snakemake.input.thresholds, snakemake.params.command,
                snakemake.output.provenance)
