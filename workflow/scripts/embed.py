from jejak.logs import setup_logging
from jejak.steps import embed_file

setup_logging(snakemake.log[0])
embed_file(snakemake.input.utterances, snakemake.output.vectors, snakemake.params.embedding,
           snakemake.threads)
