from jejak.deidentify import deidentify_files
from jejak.logs import setup_logging

setup_logging(snakemake.log[0])
deidentify_files(snakemake.input.turns, snakemake.input.personas, snakemake.output.turns,
                 snakemake.output.personas, snakemake.params.privacy)
