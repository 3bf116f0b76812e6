"""A throwaway multi-node Ray cluster on 127.0.0.1, for tests, benchmarks and trying a recipe out.

Ray advertises the machine's network address even when told 127.0.0.1 (``reference/ray.md``), so a
loopback cluster only stays on loopback inside a private network namespace: :func:`in_private_network`
re-runs a command under ``unshare -n`` with ``lo`` up, where Ray finds no external address and every
node registers as 127.0.0.1. :class:`LocalCluster` then starts a head (no CPUs: it only schedules) and
worker nodes with ``ray start --block``, each in its own process group, and stops them by process
group, never with ``ray stop`` (which kills every Ray process on the machine by name). Health checks
are tightened so a killed node is declared dead in a few seconds instead of ~30.

    python -m dexgen.cli.loopback --workers 2 -- python stages/simulate.py ... --params p.yaml

runs the command against ``127.0.0.1:6379`` (set ``cluster.address`` to it) and stops the cluster.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PORT = 6379
ADDRESS = f"127.0.0.1:{PORT}"
PRIVATE_NETWORK_ENV = "DEXGEN_PRIVATE_NETWORK"
HEALTH = {  # GCS health checks every 0.5 s, dead after 4 misses (defaults: ~30 s)
    "RAY_health_check_initial_delay_ms": "500",
    "RAY_health_check_period_ms": "500",
    "RAY_health_check_timeout_ms": "500",
    "RAY_health_check_failure_threshold": "4",
    "RAY_USAGE_STATS_ENABLED": "0",
}


def in_private_network() -> bool:
    """Whether this process runs where :func:`private_network_command` put it."""
    return os.environ.get(PRIVATE_NETWORK_ENV) == "1"


def private_network_command(argv: list[str]) -> list[str]:
    """``argv`` run in a new network namespace with only ``lo`` (up): needs root or user namespaces."""
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        raise RuntimeError("a loopback cluster needs `unshare` (util-linux) and `ip` (iproute2)")
    script = 'ip link set lo up && exec "$@"'
    return ["unshare", "--net", "--", "sh", "-c", script, "sh", *argv]


def _ray_bin() -> str:
    ray = Path(sys.executable).with_name("ray")
    return str(ray) if ray.exists() else "ray"


class LocalCluster:
    """A head and ``workers`` nodes of ``cpus`` CPUs each on 127.0.0.1 (inside a private network)."""

    def __init__(self, workers: int = 2, *, cpus: int = 1, env: dict[str, str] | None = None) -> None:
        if not in_private_network():
            raise RuntimeError(
                "LocalCluster must run inside a private network namespace "
                "(the `dexgen.cli.loopback` command, or private_network_command)"
            )
        self.workers, self.cpus = workers, cpus
        self.temp = Path(tempfile.mkdtemp(prefix="dxray-"))
        self.env = {**os.environ, **HEALTH, **(env or {})}
        self.head: subprocess.Popen | None = None
        self.nodes: list[subprocess.Popen] = []

    def _start(self, args: list[str], log_name: str) -> subprocess.Popen:
        log = open(self.temp / log_name, "wb")  # noqa: SIM115 -- lives as long as the node
        cmd = [_ray_bin(), "start", "--block", "--disable-usage-stats", *args]
        return subprocess.Popen(
            cmd, stdout=log, stderr=subprocess.STDOUT, env=self.env, start_new_session=True
        )

    def start(self, timeout: float = 120.0) -> LocalCluster:
        self.head = self._start(
            [
                "--head",
                f"--port={PORT}",
                "--node-ip-address=127.0.0.1",
                "--num-cpus=0",
                "--include-dashboard=false",
                f"--temp-dir={self.temp / 'ray'}",
            ],
            "head.log",
        )
        try:
            _wait_port(PORT, timeout=timeout, what=f"the head (logs in {self.temp})")
            for i in range(
                self.workers
            ):  # one at a time: nodes that join a starting GCS together can time out
                self.add_node(log_name=f"worker{i}.log")
                self.wait_for((i + 1) * self.cpus, timeout=timeout)
        except BaseException:
            self.stop(keep_logs=True)
            raise
        return self

    def add_node(self, *, log_name: str | None = None) -> subprocess.Popen:
        node = self._start(
            [f"--address={ADDRESS}", "--node-ip-address=127.0.0.1", f"--num-cpus={self.cpus}"],
            log_name or f"worker{len(self.nodes)}.log",
        )
        self.nodes.append(node)
        return node

    def wait_for(self, cpus: float, *, timeout: float) -> None:
        """Block until the cluster offers ``cpus`` CPUs (a probe driver, disconnected afterwards)."""
        probe = (
            "import ray,sys,time\n"
            f"ray.init(address='{ADDRESS}', logging_level='ERROR', log_to_driver=False)\n"
            f"while ray.cluster_resources().get('CPU', 0) < {cpus}: time.sleep(0.2)\n"
            "print(' '.join(sorted({n['NodeManagerAddress'] for n in ray.nodes() if n['Alive']})))\n"
        )
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(
                    f"loopback cluster: {cpus} CPUs not up in {timeout:.0f} s; logs in {self.temp}"
                )
            run = subprocess.run(
                [sys.executable, "-c", probe], env=self.env, capture_output=True, text=True, timeout=left
            )
            if run.returncode == 0:
                self.addresses = run.stdout.split()
                return
            time.sleep(0.5)

    def kill_node(self, index: int) -> None:
        """``kill -9`` worker node ``index``: its ``ray start``, raylet and worker processes."""
        _kill_group(self.nodes[index])

    def stop(self, *, keep_logs: bool = False) -> None:
        for proc in [*self.nodes, self.head]:
            if proc is not None:
                _kill_group(proc)
        if not keep_logs:
            shutil.rmtree(self.temp, ignore_errors=True)

    def __enter__(self) -> LocalCluster:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _wait_port(port: int, *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while True:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        if time.monotonic() > deadline:
            raise TimeoutError(f"loopback cluster: {what} did not listen on port {port} in {timeout:.0f} s")
        time.sleep(0.2)


def _kill_group(proc: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
