"""Logging for rule scripts: one log file per job, progress lines a person can follow."""

from __future__ import annotations

import logging
import time
from pathlib import Path


def setup_logging(log_path: str | Path | None) -> logging.Logger:
    logger = logging.getLogger("jejak")
    logger.setLevel(logging.INFO)
    logger.handlers.clear()
    if log_path:
        Path(log_path).parent.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.FileHandler(log_path, mode="w", encoding="utf-8")
    else:
        handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    logger.addHandler(handler)
    return logger


class Progress:
    """Logs ``done/total`` at most every ``every`` seconds (and at the end)."""

    def __init__(self, what: str, total: int, every: float = 5.0):
        self.what, self.total, self.every = what, total, every
        self.start = self.last = time.monotonic()
        self.logger = logging.getLogger("jejak")

    def update(self, done: int) -> None:
        now = time.monotonic()
        if now - self.last >= self.every or done >= self.total:
            rate = done / max(now - self.start, 1e-9)
            self.logger.info("%s: %d/%d (%.1f/s)", self.what, done, self.total, rate)
            self.last = now
