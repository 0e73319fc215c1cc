from jejak.logs import setup_logging
from jejak.steps import agreement_file

setup_logging(snakemake.log[0])
agreement_file(snakemake.input.utterances, snakemake.input.journey_map, snakemake.input.gold,
               snakemake.params.config, snakemake.output.agreement)
