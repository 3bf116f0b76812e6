"""The parent's side of the worker: start it, hand it request folders, wait for its answers.

The worker is a persistent subprocess of the Isaac Lab interpreter (``-m dexgen.sim.isaaclab.worker``
with dexgen's ``src`` on ``PYTHONPATH``). Its answers arrive on stdout, read by a thread into a queue so
that the parent can wait with a timeout; its stderr (everything Isaac Lab prints) goes to ``worker.log``
in the client's temporary folder, whose tail is quoted when the worker dies. A worker that exits, times
out or reports an exception is a :class:`WorkerError`; the client is then dead and a new one is needed.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

from dexgen.errors import DexgenError
from dexgen.executors import worker_count
from dexgen.sim.isaaclab import wire

SRC = Path(__file__).resolve().parents[3]  # the folder holding the dexgen package


class WorkerError(DexgenError, RuntimeError):
    """The Isaac Lab worker died, hung or failed a batch (the message quotes its log)."""


class WorkerClient:
    """One running worker and its temporary folder (use as a context manager, or call :meth:`close`)."""

    def __init__(
        self,
        python: str,
        *,
        physics: str,
        device: str,
        threads: int = 0,
        startup_timeout: float,
        batch_timeout: float,
    ) -> None:
        self.batch_timeout = batch_timeout
        self.folder = Path(tempfile.mkdtemp(prefix="dexgen-isaaclab-"))
        self.log_path = self.folder / "worker.log"
        self._log = open(self.log_path, "wb")  # noqa: SIM115 -- open for the worker's lifetime
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join([str(SRC), *filter(None, [env.get("PYTHONPATH")])])
        env["DEXGEN_ISAACLAB_PHYSICS"] = physics
        env["DEXGEN_ISAACLAB_DEVICE"] = device
        env["DEXGEN_ISAACLAB_THREADS"] = str(worker_count(threads))  # 0: every core
        env["PYTHONUNBUFFERED"] = "1"
        self.proc = subprocess.Popen(
            [python, "-m", "dexgen.sim.isaaclab.worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
            cwd=self.folder,
            env=env,
            text=True,
            bufsize=1,
        )
        self._answers: queue.Queue = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self._batches = 0
        self.info = self._wait(startup_timeout, "start")
        if not self.info.get("ready"):
            self._fail(f"did not start: {self.info.get('error', self.info)}")

    def _read(self) -> None:
        for line in self.proc.stdout:
            message = wire.decode(line)
            if message is not None:
                self._answers.put(message)
        self._answers.put(None)  # end of output: the worker exited

    def log_tail(self, chars: int = 3000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def _fail(self, what: str) -> None:
        self.kill()
        raise WorkerError(
            f"Isaac Lab worker (pid {self.proc.pid}) {what}\n--- worker log tail ---\n{self.log_tail()}"
        )

    def _wait(self, timeout: float, what: str) -> dict:
        try:
            message = self._answers.get(timeout=timeout)
        except queue.Empty:
            self._fail(f"gave no answer to {what} within {timeout:.0f} s")
        if message is None:
            code = self.proc.wait()
            self._fail(f"exited (code {code}) during {what}")
        return message

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    def run(self, request: dict, arrays: dict[str, np.ndarray]) -> tuple[dict[str, np.ndarray], dict]:
        """Send one batch and wait for its results: (result arrays, the worker's answer)."""
        if not self.alive:
            self._fail("is not running")
        self._batches += 1
        batch = self.folder / f"batch-{self._batches:05d}"
        batch.mkdir()
        try:
            wire.write_json(batch / wire.REQUEST_JSON, request)
            wire.write_npz(batch / wire.REQUEST_NPZ, arrays)
            t0 = time.perf_counter()
            try:
                self.proc.stdin.write(json.dumps({"op": "run", "dir": str(batch)}) + "\n")
                self.proc.stdin.flush()
            except OSError:
                self._fail("closed its input")
            answer = self._wait(self.batch_timeout, f"batch {self._batches}")
            if not answer.get("ok"):
                self._fail(f"failed batch {self._batches}:\n{answer.get('error', answer)}")
            answer["wall_s"] = time.perf_counter() - t0
            return wire.read_npz(batch / wire.RESULT_NPZ), answer
        finally:
            shutil.rmtree(batch, ignore_errors=True)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def close(self) -> None:
        """Ask the worker to quit (kill it if it does not within 30 s) and remove the temporary folder."""
        if self.proc.poll() is None:
            try:
                self.proc.stdin.write(json.dumps({"op": "quit"}) + "\n")
                self.proc.stdin.flush()
                self.proc.wait(timeout=30)
            except (OSError, subprocess.TimeoutExpired):
                self.kill()
        self._log.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> WorkerClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
