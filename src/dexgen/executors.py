"""Where per-object work runs: in this process, or on a pool of processes. Both are ``concurrent.futures``
executors (``submit(fn, *args) -> Future``), so the code that walks objects never knows which one
runs the work, and a cluster executor with the same shape plugs in beside them.

Pools start their workers with ``forkserver``. ``fork`` (Linux's default) copies a parent that may
already run threads (torch's OpenMP pool, embree's TBB workers, a dvclive or HTTP thread): the
children can then deadlock on a lock that was held at fork time. We saw exactly that when a guess
shard ran after the learning tests in one pytest process. ``forkserver`` forks from a clean
single-threaded server instead; workers import what they need, once per worker.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from typing import Any


def worker_count(requested: int) -> int:
    """``requested`` workers, or every core when it is 0."""
    return requested if requested > 0 else (os.cpu_count() or 1)


def process_pool(workers: int) -> ProcessPoolExecutor:
    """A :class:`ProcessPoolExecutor` of ``workers`` processes started by a fork server."""
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("forkserver"))


class InlineExecutor(Executor):
    """Runs each submitted call at once, in this process: for one worker, or for work that holds a
    resource that uses every core by itself (a physics backend's thread pool)."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:
            if not isinstance(exc, Exception):  # KeyboardInterrupt, SystemExit: stop now
                raise
            future.set_exception(exc)
        return future


def make_executor(workers: int, *, jobs: int | None = None) -> Executor:
    """An executor for ``workers`` processes (0 = every core), never more than ``jobs`` units need.

    One worker (or one job) runs inline: no process start-up, and errors keep their traceback here.
    """
    count = worker_count(workers)
    if jobs is not None:
        count = min(count, max(jobs, 1))
    return InlineExecutor() if count <= 1 else process_pool(count)
