from jejak.logs import setup_logging
from jejak.steps import ingest_file

setup_logging(snakemake.log[0])
ingest_file(snakemake.params.source, snakemake.output.turns, snakemake.output.personas)
