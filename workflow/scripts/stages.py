from jejak.logs import setup_logging
from jejak.steps import stages_file

setup_logging(snakemake.log[0])
stages_file(snakemake.input.utterances, snakemake.input.vectors, snakemake.input.models,
            snakemake.params.config, snakemake.output.stages)
