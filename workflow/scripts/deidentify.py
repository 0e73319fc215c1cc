from jejak.logs import setup_logging
from jejak.steps import deidentify_files

setup_logging(snakemake.log[0])
deidentify_files(snakemake.input.turns, snakemake.input.personas, snakemake.input.names,
                 snakemake.output.turns, snakemake.output.personas, snakemake.output.audit,
                 snakemake.params.privacy)
