"""Physics backends by name (``params.yaml: sim.backend``).

Entries are ``"module:Class"`` strings imported on use, so an optional engine that is not installed
(MuJoCo Warp, Isaac Lab) fails only when chosen, with its own import error. Adding a backend is one
module implementing :class:`~dexgen.sim.backend.SimBackend` plus one line here and its name in
:data:`dexgen.params.sim.Backend`, so a bad name fails when params load (a test keeps the two equal).
"""

from __future__ import annotations

import importlib

from dexgen.errors import ConfigError
from dexgen.params.sim import SimConfig
from dexgen.sim.backend import SimBackend

BACKENDS: dict[str, str] = {
    "mujoco": "dexgen.sim.mujoco_backend:MujocoBackend",
    # "mujoco_warp": "dexgen.sim.warp_backend:WarpBackend",      # batched GPU, same model builder
    "isaaclab": "dexgen.sim.isaaclab.backend:IsaacLabBackend",  # out of process (its own Python 3.12)
}


def backend_names() -> list[str]:
    return sorted(BACKENDS)


def backend_class(name: str) -> type[SimBackend]:
    """The backend class registered as ``name``; an unknown name lists the valid ones."""
    if name not in BACKENDS:
        raise ConfigError(f"sim.backend: unknown backend {name!r}; valid backends are {backend_names()}")
    module, _, attr = BACKENDS[name].partition(":")
    return getattr(importlib.import_module(module), attr)


def make_backend(config: SimConfig) -> SimBackend:
    """An instance of ``config.backend`` (use it as a context manager)."""
    return backend_class(config.backend)(config)
