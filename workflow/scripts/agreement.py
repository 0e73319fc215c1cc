from jejak.agreement import agreement_file
from jejak.logs import setup_logging

setup_logging(snakemake.log[0])
agreement_file(snakemake.input.utterances, snakemake.input.journey_map, snakemake.input.gold,
               snakemake.params.theme_ids, snakemake.output.agreement)
