"""Process pools that are safe to start from any process.

``fork`` (Linux's default) copies a parent that may already run threads (torch's OpenMP pool,
embree's TBB workers, a dvclive or HTTP thread): the children can then deadlock on a lock that
was held at fork time. We saw exactly that when a guess shard ran after the learning tests in one
pytest process. ``forkserver`` forks from a clean single-threaded server instead; workers import
what they need, once per worker.
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor


def worker_count(requested: int) -> int:
    """``requested`` workers, or every core when it is 0."""
    return requested if requested > 0 else (os.cpu_count() or 1)


def process_pool(workers: int) -> ProcessPoolExecutor:
    """A :class:`ProcessPoolExecutor` of ``workers`` processes started by a fork server."""
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("forkserver"))
