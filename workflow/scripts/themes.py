from jejak.logs import setup_logging
from jejak.steps import themes_file

setup_logging(snakemake.log[0])
themes_file(snakemake.input.utterances, snakemake.input.vectors, snakemake.input.stages,
            snakemake.input.sentiment, snakemake.input.models, snakemake.params.config,
            snakemake.output.utterances, snakemake.output.themes,
            snakemake.output.thresholds)
