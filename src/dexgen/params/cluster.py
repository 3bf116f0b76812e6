"""The typed config of where per-object work runs (``params.yaml: cluster``), validated once at load.

``address: null`` keeps today's local process pool; ``auto`` (the cluster ``ray start`` made on this
machine) or ``ray://host:port`` (Ray Client) or ``host:port`` (a head's GCS address) fans guess,
simulate and dexnet_synth out as Ray tasks. None of these fields changes an output byte, so none is
part of any stage's params hash: a run moved to a cluster reuses every finished object.
"""

from __future__ import annotations

import dataclasses
import re

_HOST_PORT = re.compile(r"^(ray://)?[A-Za-z0-9_.\-\[\]:]+:\d{1,5}$")


@dataclasses.dataclass(frozen=True)
class ClusterConfig:
    """A Ray cluster to run per-object work on (``address: null`` = local processes, no Ray)."""

    address: str | None = None  # null | auto | ray://host:port | host:port
    cpus_per_task: float = 1.0  # Ray resources one object's task holds; physics runs this many threads
    gpus_per_task: float = 0.0  # > 0 for GPU backends (Isaac Lab); MuJoCo needs none
    # a task is re-run this often when its worker or node dies; an exception raised by the work itself
    # (a bad mesh) is never retried: it fails the stage with the object named
    max_retries: int = 3
    # tasks one worker process runs before Ray replaces it: memory stays flat over thousands of objects
    # whatever a library keeps (GraspDataGen users restart every hundred objects by hand)
    max_calls: int = 100
    # tasks in flight per task slot of the cluster: enough to hide scheduling, few enough that inputs
    # (meshes, guesses) waiting in the object store stay small
    in_flight_per_slot: int = 2
    # s to wait for something to answer at ``address`` before the stage fails naming it (Ray itself retries an
    # unreachable address for minutes); long enough for a head that is still starting
    connect_timeout_s: float = 30.0

    def __post_init__(self) -> None:
        if self.address is not None and self.address != "auto" and not _HOST_PORT.match(self.address):
            raise ValueError(
                f"address must be null, 'auto', 'ray://host:port' or 'host:port', got {self.address!r}"
            )
        if not self.cpus_per_task > 0:
            raise ValueError(f"cpus_per_task must be > 0, got {self.cpus_per_task}")
        if self.gpus_per_task < 0:
            raise ValueError(f"gpus_per_task must be >= 0, got {self.gpus_per_task}")
        if not self.connect_timeout_s > 0:
            raise ValueError(f"connect_timeout_s must be > 0, got {self.connect_timeout_s}")
        for name in ("max_retries", "max_calls", "in_flight_per_slot"):
            if getattr(self, name) < (0 if name == "max_retries" else 1):
                raise ValueError(f"{name} must be >= {0 if name == 'max_retries' else 1}")

    @property
    def enabled(self) -> bool:
        """Whether work goes to a Ray cluster."""
        return self.address is not None

    @property
    def threads_per_task(self) -> int:
        """Threads a task's physics may use: the CPUs it holds, at least one."""
        return max(1, int(self.cpus_per_task))
