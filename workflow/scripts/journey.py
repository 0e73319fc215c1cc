from jejak.logs import setup_logging
from jejak.steps import journey_files

setup_logging(snakemake.log[0])
journey_files(snakemake.input.utterances, snakemake.input.personas, snakemake.params.config,
              snakemake.output.journey_map, snakemake.output.by_informant,
              snakemake.output.journey_items)
