"""jejak: Indonesian interview transcripts to customer journey maps."""

__version__ = "0.1.0"
