from jejak.logs import setup_logging
from jejak.steps import segment_file

setup_logging(snakemake.log[0])
segment_file(snakemake.input.turns, snakemake.output.utterances)
