"""``make eval``: agreement figures of the workflow (outside the importable package)."""
