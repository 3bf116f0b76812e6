"""Which physics engines can simulate which hands.

MuJoCo simulates box grippers and real hands (:mod:`dexgen.sim.hand_spec`); the Isaac Lab backend
builds box grippers only until real hands come to it (the next issue). A real hand given to it stops
before any work with one line saying so, never silently simulated as boxes.
"""

from __future__ import annotations

from typing import Any

from dexgen.errors import ConfigError

REAL_HAND_ENGINES = ("mujoco",)  # backends that build a real hand's own bodies and joints


def is_real_block(block: Any) -> bool:
    """Does a file's gripper block describe a real hand (a description, not box YAML text)?"""
    return isinstance(block, dict) and "description" in block and "yaml" not in block


def check_real_hand(backend: str, block: Any, *, key: str = "sim.backend", where: str = "") -> None:
    """Refuse ``backend`` for the real hand a gripper block names; ``where`` names the file."""
    if backend in REAL_HAND_ENGINES or not is_real_block(block):
        return
    made = f" ({where})" if where else ""
    raise ConfigError(
        f"{key}: {backend} cannot simulate the real hand {block.get('name')}{made} yet: Isaac Lab real "
        f"hands are the next issue; use {key}: mujoco, or guess with a box gripper"
    )
