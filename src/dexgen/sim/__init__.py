"""Physics verification of grasp guesses: backends by name, the MuJoCo trial, per-shard runs.

``simulate_shard`` is the stage entry point; ``make_backend(config).run(obj, gripper, poses, openings)``
simulates one object's poses in memory.
"""

from dexgen.sim.backend import PHASES, REASONS, SimBackend, Trials
from dexgen.sim.config import SimConfig
from dexgen.sim.registry import backend_names, make_backend
from dexgen.sim.shard import simulate_shard

__all__ = [
    "PHASES",
    "REASONS",
    "SimBackend",
    "SimConfig",
    "Trials",
    "backend_names",
    "make_backend",
    "simulate_shard",
]
