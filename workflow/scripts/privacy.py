from jejak.logs import setup_logging
from jejak.steps import privacy_file

setup_logging(snakemake.log[0])
privacy_file(snakemake.input.audits, snakemake.output.audit)
