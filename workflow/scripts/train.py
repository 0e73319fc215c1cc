from jejak.logs import setup_logging
from jejak.steps import train_file

setup_logging(snakemake.log[0])
train_file(snakemake.params.config, snakemake.input.vectors, snakemake.output.models,
           snakemake.params.code)
