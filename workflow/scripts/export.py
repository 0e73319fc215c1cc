from jejak.logs import setup_logging
from jejak.steps import export_files

setup_logging(snakemake.log[0])
export_files(snakemake.input.utterances, snakemake.input.themes, snakemake.input.journey_map,
             snakemake.input.turns, snakemake.params.config, snakemake.output.qdpx,
             snakemake.output.qdc, snakemake.output.xlsx, snakemake.output.matrix)
