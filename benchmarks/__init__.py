"""``make bench``: speed and memory of the workflow (outside the importable package)."""
