from jejak.logs import setup_logging
from jejak.steps import embed_examples_file

setup_logging(snakemake.log[0])
embed_examples_file(snakemake.params.config, snakemake.output.vectors, snakemake.threads)
