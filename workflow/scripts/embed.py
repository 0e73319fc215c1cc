from jejak.embed import embed_file
from jejak.logs import setup_logging

setup_logging(snakemake.log[0])
embed_file(snakemake.input.utterances, snakemake.output.vectors, snakemake.params.embedding,
           snakemake.threads)
