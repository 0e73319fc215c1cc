from jejak.ingest import ingest_file
from jejak.logs import setup_logging

setup_logging(snakemake.log[0])
ingest_file(snakemake.params.source, snakemake.output.turns, snakemake.output.personas)
