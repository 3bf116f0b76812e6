"""The runner's executor on a Ray cluster: one task per object, staged so no file system is shared.

``RayExecutor.submit(work, unit)`` has the shape of ``concurrent.futures`` (the runner cannot tell it
from a process pool). The work object goes to the object store once; each unit travels with the bytes
of the files ``work.inputs(unit)`` names; the task runs :func:`dexgen.cluster.staging.run_staged` on a
worker, and the driver writes what comes back, atomically, before the unit's future resolves.

Faults: a task whose worker process or node dies is re-run elsewhere (``max_retries``, Ray's lineage
keeps its arguments); an exception raised by the work itself is never retried and fails the stage with
the object named (the runner adds the name). Worker processes are replaced every ``max_calls`` tasks,
so a library that keeps memory cannot grow a worker without bound.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import socket
import threading
import time
from concurrent.futures import Executor, Future, InvalidStateError
from typing import Any

from dexgen.cluster.staging import absolute, read_inputs, run_staged, write_outputs
from dexgen.errors import ConfigError
from dexgen.params.cluster import ClusterConfig

log = logging.getLogger(__name__)


def _staged_task(work: Any, unit: Any, inputs: dict[str, bytes]) -> tuple[Any, dict[str, bytes]]:
    return run_staged(work, unit, inputs)


def _host_port(address: str) -> tuple[str, int]:
    """(host, port) of ``host:port`` or ``ray://host:port`` (an IPv6 host in brackets loses them)."""
    host, _, port = address.removeprefix("ray://").rpartition(":")
    return host.strip("[]"), int(port)


def _resolve(address: str) -> str:
    """``auto`` as the address of the cluster ``ray start`` recorded on this machine; others unchanged."""
    if address != "auto":
        return address
    from ray._private.services import canonicalize_bootstrap_address_or_die

    try:
        return canonicalize_bootstrap_address_or_die("auto")
    except (ConnectionError, ValueError) as exc:
        raise ConfigError(f"cluster.address 'auto': no Ray cluster on this machine ({exc})") from None


def wait_for_address(address: str, *, timeout: float) -> None:
    """Return once something accepts a TCP connection at ``address``, or raise ConfigError naming it.

    Ray retries an address where nothing listens for minutes, logging every few seconds; this bounds
    the wait. Refused connections are retried until ``timeout`` (s), so a head still starting is found.
    An open port that is not a Ray head is not detected here (Ray's own errors follow).
    """
    host, port = _host_port(address)
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection(
                (host, port), timeout=min(2.0, max(0.1, deadline - time.monotonic()))
            ):
                return
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
        left = deadline - time.monotonic()
        if left <= 0:
            raise ConfigError(
                f"cluster.address {address!r}: nothing answers at {host}:{port} ({reason}) within "
                f"cluster.connect_timeout_s = {timeout:g} s; start the head (ray start --head) or fix the address"
            )
        time.sleep(min(0.25, left))


def probe(config: ClusterConfig) -> None:
    """Fail now, naming the address, unless something answers at ``config.address`` (see :func:`connect`)."""
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    wait_for_address(_resolve(config.address), timeout=config.connect_timeout_s)


def connect(config: ClusterConfig) -> bool:
    """Join the cluster at ``config.address`` unless this process already is; returns whether we did.

    The address is probed first (:func:`wait_for_address`), so an unreachable one fails within
    ``config.connect_timeout_s`` with the address named instead of hanging in Ray's retries.
    """
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    import ray

    if ray.is_initialized():
        return False
    probe(config)
    try:
        ray.init(address=config.address, logging_level=logging.WARNING, log_to_driver=False)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        raise ConfigError(f"cluster.address {config.address!r}: cannot join the Ray cluster: {exc}") from exc
    return True


class RayExecutor(Executor):
    """Per-object work as Ray tasks holding ``cpus_per_task`` / ``gpus_per_task`` each (see module)."""

    def __init__(self, config: ClusterConfig) -> None:
        import ray

        self.config = config
        self._owns = connect(config)
        self._ray = ray
        options: dict[str, Any] = {
            "num_cpus": config.cpus_per_task,
            "max_retries": config.max_retries,
            "retry_exceptions": False,
            "max_calls": config.max_calls,
        }
        if config.gpus_per_task:
            options["num_gpus"] = config.gpus_per_task
        self._task = ray.remote(**options)(_staged_task)
        self._works: dict[int, tuple[Any, Any]] = {}  # id(work) -> (work, its object ref)
        self._pending: dict[Future, Any] = {}
        self._lock = threading.Lock()
        resources = ray.cluster_resources()
        slots = resources.get("CPU", 0.0) / config.cpus_per_task
        if config.gpus_per_task:
            slots = min(slots, resources.get("GPU", 0.0) / config.gpus_per_task)
        if slots < 1:
            raise ConfigError(
                f"cluster.address {config.address!r}: the cluster has {resources.get('CPU', 0)} CPUs and "
                f"{resources.get('GPU', 0)} GPUs, too few for one task of {config.cpus_per_task} CPUs and "
                f"{config.gpus_per_task} GPUs (cluster.cpus_per_task / gpus_per_task)"
            )
        self.slots = int(math.floor(slots))
        self.window = max(2, self.slots * config.in_flight_per_slot)
        log.info("Ray cluster: %s, %d task slots", dict(sorted(resources.items())), self.slots)

    def _work_ref(self, work: Any) -> Any:
        held = self._works.get(id(work))
        if held is None:
            held = self._works[id(work)] = (work, self._ray.put(absolute(work)))
        return held[1]

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future:
        if kwargs or len(args) != 1:
            raise TypeError("RayExecutor.submit(work, unit): one runner unit per task")
        unit = absolute(args[0])
        ref = self._task.remote(self._work_ref(fn), unit, read_inputs(fn.inputs(unit)))
        future: Future = Future()
        with self._lock:
            self._pending[future] = ref

        def finish(inner: Future) -> None:
            with self._lock:
                self._pending.pop(future, None)
            try:
                meta, files = inner.result()
                write_outputs(files, record=unit.output)
            except self._ray.exceptions.RayTaskError as exc:  # the work's own error, as raised there
                cause = exc.cause if isinstance(exc.cause, BaseException) else exc
                result, value = future.set_exception, cause
            except BaseException as exc:  # handed to the runner through the future
                result, value = future.set_exception, exc
            else:
                result, value = future.set_result, meta
            with contextlib.suppress(InvalidStateError):  # cancelled meanwhile by a failing run
                result(value)

        ref.future().add_done_callback(finish)
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        with self._lock:
            pending = list(self._pending.values())
            self._pending.clear()
        for ref in pending:
            try:
                self._ray.cancel(ref)
            except Exception as exc:  # already finished or its node is gone
                log.debug("cancel: %s", exc)
        self._works.clear()
        if self._owns and self._ray.is_initialized():
            self._ray.shutdown()
