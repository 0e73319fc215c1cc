from jejak.logs import setup_logging
from jejak.steps import sentiment_file

setup_logging(snakemake.log[0])
sentiment_file(snakemake.input.utterances, snakemake.input.vectors, snakemake.input.models,
               snakemake.params.config, snakemake.output.sentiment)
