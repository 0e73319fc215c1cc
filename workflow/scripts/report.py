from jejak.logs import setup_logging
from jejak.steps import report_file

setup_logging(snakemake.log[0])
report_file(snakemake.input.utterances, snakemake.input.themes, snakemake.input.journey_map,
            snakemake.input.journey_items, snakemake.input.by_informant, snakemake.input.personas,
            (list(snakemake.input.agreement) or [None])[0], snakemake.input.provenance,
            snakemake.params.config, snakemake.output.report, snakemake.input.privacy)
