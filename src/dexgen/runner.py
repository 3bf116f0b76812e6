"""The resumable per-object loop every per-object stage shares: guess, simulate, dexnet_synth, graspgen.

A stage describes its work as :class:`Unit` values, one per object: the file the unit writes, the
provenance a current file carries (seed, params hash, input hashes, code version) and the plain,
picklable arguments its work function needs. :func:`run_units` then

1. asks ``reader(unit)`` for each unit's current output: a file whose recorded provenance equals
   the unit's is reused (an interrupted run resumes; a changed input redoes only its objects);
2. submits the rest to an executor (:mod:`dexgen.executors`: inline or a process pool; with
   ``cluster.address`` set, Ray tasks: :mod:`dexgen.cluster`): inline in key order, in parallel the
   costliest first (``Unit.cost``), so a run does not end on one long object while the other workers
   idle; ``work(unit)`` (a :class:`Work`) writes its output atomically and returns the file's meta;
3. shows one progress bar over all objects (with trials/s when the stage counts trials) and logs how
   many were reused, run, and how fast;
4. closes the work (its engines, pools, subprocesses), whether the run finished or failed;
5. returns every unit's meta in unit order, so summaries do not depend on the order work finished.

A unit that fails stops the run with the object named; units already finished keep their files,
so the next run starts where this one stopped. :func:`prune` removes the files of objects that left
the set, since per-object outputs persist between runs, but only files our metadata says we wrote.
"""

from __future__ import annotations

import abc
import dataclasses
import logging
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from pathlib import Path
from typing import Any, Protocol

from tqdm import tqdm

from dexgen.atomic import Owned
from dexgen.executors import InlineExecutor, make_executor, worker_count
from dexgen.params.cluster import ClusterConfig
from dexgen.records import npz

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class Unit:
    """One object's work: what it writes, what a current output carries, what the worker needs.

    ``output`` is the file whose meta records ``provenance``; ``extra_outputs`` must also exist for
    the unit to count as done (pictures); ``args`` are plain values (records, paths, flags), never
    open handles, because the unit may travel to another process. ``cost`` is the unit's expected
    work relative to the others (longest-processing-time-first order); it never changes an output.
    """

    key: str
    output: Path
    provenance: dict[str, Any]
    args: tuple = ()
    extra_outputs: tuple[Path, ...] = ()
    cost: float = 1.0


Reader = Callable[[Unit], "dict[str, Any] | None"]


class Work(Protocol):
    """One stage's per-unit work, as :func:`run_units` and the executors use it.

    ``__call__(unit)`` writes the unit's output and returns its meta; ``inputs(unit)`` names the files it
    reads, so the unit can run where our file system is not (:mod:`dexgen.cluster.staging`);
    ``close()`` releases what the work started lazily (engines, thread pools, subprocesses). It must be
    picklable unless it runs inline: start expensive things on first use, never in ``__init__``.
    """

    def __call__(self, unit: Unit) -> dict[str, Any]: ...

    def inputs(self, unit: Unit) -> tuple[Path, ...]: ...

    def close(self) -> None: ...


class UnitWork(abc.ABC):
    """A :class:`Work` that holds nothing to release and, unless it says which files it reads, runs only
    on machines that share our file system."""

    @abc.abstractmethod
    def __call__(self, unit: Unit) -> dict[str, Any]: ...

    def inputs(self, unit: Unit) -> tuple[Path, ...]:
        raise TypeError(f"{type(self).__name__} cannot run on a cluster: it declares no inputs(unit)")

    def close(self) -> None:  # noqa: B027 -- a hook, overridden by works that hold engines
        """Nothing to release."""


Count = Callable[["dict[str, Any]"], int]


def current_record(unit: Unit) -> dict[str, Any] | None:
    """The default reader: the meta of an npz record file whose provenance equals the unit's."""
    meta = npz.read_meta(unit.output)
    if meta is None or meta.get("provenance") != unit.provenance:
        return None
    if not all(path.exists() for path in unit.extra_outputs):
        return None
    return meta


@dataclasses.dataclass(frozen=True)
class RunResult:
    """What a run did: every unit's meta in unit order, which units ran and which were reused."""

    metas: dict[str, dict[str, Any]]
    ran: tuple[str, ...]
    reused: tuple[str, ...]
    seconds: float


def _failed(unit: Unit, exc: BaseException) -> BaseException:
    exc.add_note(f"while processing object {unit.key!r} (output {unit.output})")
    return exc


def _submit_all(
    executor: Executor, work: Work, todo: Sequence[Unit], bar: tqdm, *, window: int, count: Count | None
) -> dict[str, dict[str, Any]]:
    """Run ``todo`` with at most ``window`` units in flight (1 inline: a failure stops the run at once,
    and the bar moves per object; a few per worker on a pool: memory stays flat over any number)."""
    units = iter(todo)
    pending: dict[Future, Unit] = {}
    done: dict[str, dict[str, Any]] = {}
    counted, started = 0, time.perf_counter()

    def fill() -> None:
        while len(pending) < window and (unit := next(units, None)) is not None:
            pending[executor.submit(work, unit)] = unit

    try:
        fill()
        while pending:
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in sorted(finished, key=lambda f: pending[f].key):
                unit = pending.pop(future)
                exc = future.exception()
                if exc is not None:
                    raise _failed(unit, exc)
                done[unit.key] = future.result()
                if count is not None:
                    counted += count(done[unit.key])
                    bar.set_postfix_str(f"{counted / max(time.perf_counter() - started, 1e-9):.0f} trials/s")
                bar.update()
            fill()
    except BaseException:
        for future in pending:
            future.cancel()
        raise
    return done


def _executor(workers: int, jobs: int, cluster: ClusterConfig | None) -> Executor:
    if cluster is not None and cluster.enabled:
        from dexgen.cluster.ray_executor import RayExecutor  # Ray is imported only when asked for

        return RayExecutor(cluster)
    return make_executor(workers, jobs=jobs)


def run_units(
    units: Sequence[Unit],
    work: Work,
    *,
    desc: str,
    reader: Reader = current_record,
    workers: int = 1,
    executor: Executor | None = None,
    cluster: ClusterConfig | None = None,
    count: Count | None = None,
    progress: bool = True,
) -> RunResult:
    """Bring every unit's output up to date; see the module docstring.

    ``work`` is closed on return, finished or failed (it may be used again: works start what they hold
    on first use). ``executor`` is the caller's (left open); without one, ``cluster`` (when its address
    is set) or else ``workers`` processes (0 = every core, 1 = this process) run the units that need
    work and are released at the end. ``count(meta)`` (trials of a unit) adds a rate to the bar.
    """
    keys = [u.key for u in units]
    if len(set(keys)) != len(keys):
        raise ValueError(f"{desc}: duplicate unit keys")
    metas: dict[str, dict[str, Any]] = {}
    todo = []
    for unit in units:
        meta = reader(unit)
        if meta is None:
            todo.append(unit)
        else:
            metas[unit.key] = meta
    log.info("%s: %d objects, %d up to date, %d to do", desc, len(units), len(metas), len(todo))
    started = time.perf_counter()
    bar = tqdm(
        total=len(units), initial=len(metas), desc=desc, unit="obj", disable=None if progress else True
    )
    try:
        if todo:
            own = executor is None
            pool = _executor(workers, len(todo), cluster) if own else executor
            if isinstance(pool, InlineExecutor):
                window, queue = 1, todo
            else:
                window = getattr(pool, "window", 2 * worker_count(workers) if own else len(todo))
                queue = sorted(todo, key=lambda u: -u.cost)  # stable: key order among equal costs
            try:
                metas.update(_submit_all(pool, work, queue, bar, window=window, count=count))
            finally:
                if own:
                    pool.shutdown(wait=True, cancel_futures=True)
    finally:
        bar.close()
        work.close()
    seconds = time.perf_counter() - started
    if todo:
        log.info(
            "%s: %d objects done in %.1f s (%.2f s/object)", desc, len(todo), seconds, seconds / len(todo)
        )
    ordered = {k: metas[k] for k in keys}
    ran = tuple(u.key for u in todo)
    return RunResult(ordered, ran, tuple(k for k in keys if k not in set(ran)), seconds)


def prune(
    directory: str | Path, keep: Iterable[str], *, owned: Owned, patterns: Sequence[str] = ("*.npz",)
) -> list[Path]:
    """Remove files matching ``patterns`` under ``directory`` whose stem is not in ``keep`` and that
    ``owned`` (:mod:`dexgen.atomic`'s ownership rules) says we wrote.

    Per-object outputs persist between runs (so interrupted runs resume); an object that left the set
    must not leave its old files behind for a later step to trust. Ownership is decided for every file
    before any is removed (a picture is ours through its record). A file we did not write is kept and
    named in a warning. Returns what was removed.
    """
    keep = set(keep)
    stale = [
        path
        for pattern in patterns
        for path in sorted(Path(directory).glob(pattern))
        if path.is_file() and path.stem not in keep
    ]
    ours = {path: owned(path) for path in stale}
    for path in stale:
        if not ours[path]:
            log.warning("keeping %s: dexgen did not write it, so it is not ours to remove", path)
            continue
        log.info("removing stale %s", path)
        path.unlink()
    return [path for path in stale if ours[path]]
