"""Which physics engines can simulate which hands.

MuJoCo (:mod:`dexgen.sim.hand_spec`) and Isaac Lab (:mod:`dexgen.sim.isaaclab.hand_request`) simulate
box grippers and real hands alike. A backend not listed here (a new engine that builds box grippers
only) stops before any work when given a real hand, with one line saying so, never silently
simulating it as boxes.
"""

from __future__ import annotations

from typing import Any

from dexgen.errors import ConfigError

REAL_HAND_ENGINES = ("mujoco", "isaaclab")  # backends that build a real hand's own bodies and joints


def is_real_block(block: Any) -> bool:
    """Does a file's gripper block describe a real hand (a description, not box YAML text)?"""
    return isinstance(block, dict) and "description" in block and "yaml" not in block


def check_real_hand(backend: str, block: Any, *, key: str = "sim.backend", where: str = "") -> None:
    """Refuse ``backend`` for the real hand a gripper block names; ``where`` names the file."""
    if backend in REAL_HAND_ENGINES or not is_real_block(block):
        return
    made = f" ({where})" if where else ""
    raise ConfigError(
        f"{key}: {backend} cannot simulate the real hand {block.get('name')}{made}; use one of "
        f"{list(REAL_HAND_ENGINES)}, or guess with a box gripper"
    )
