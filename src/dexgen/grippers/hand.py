"""The parallel-jaw hand a stage works with: a box gripper as before, or a real hand from its description.

Box grippers (shipped box names and box YAMLs) stay :class:`ParallelJawGripper` so the data they make
stays byte-identical; everything else a user can name (a shipped real hand such as
``robotiq_2f_85_real``, a pointer YAML, a ``.urdf``/``.xml``/``.usd`` description) becomes a
:class:`GripperModel`. Stages ask the hand what it is (:mod:`dexgen.grippers.kinds`).
"""

from __future__ import annotations

from pathlib import Path

import yaml

from dexgen.errors import InputError
from dexgen.grippers.description import load_model, real_names
from dexgen.grippers.kinds import PARALLEL_JAW
from dexgen.grippers.loader import PLAUSIBLE, gripper_names, load_gripper
from dexgen.grippers.model import GripperModel
from dexgen.grippers.spec import GripperBounds, ParallelJawGripper

Hand = ParallelJawGripper | GripperModel


def is_box(name_or_path: str | Path) -> bool:
    """Does ``name_or_path`` name a box gripper (a shipped box name or a box YAML, not a pointer)?"""
    text = str(name_or_path)
    if text in gripper_names():
        return True
    if text in real_names() or Path(text).suffix.lower() not in (".yaml", ".yml"):
        return False
    try:
        raw = yaml.safe_load(Path(text).read_bytes())
    except (OSError, yaml.YAMLError, UnicodeDecodeError):
        return True  # the box loader reports the unreadable file, naming it
    return not (isinstance(raw, dict) and "description" in raw and "kind" not in raw)


def load_hand(name_or_path: str | Path, *, bounds: GripperBounds = PLAUSIBLE, key: str = "gripper") -> Hand:
    """The two-finger hand ``name_or_path`` names; ``key`` names the setting in errors."""
    if is_box(name_or_path):
        gripper = load_gripper(name_or_path, bounds=bounds)
        if gripper.gripper_kind != PARALLEL_JAW:
            raise InputError(
                f"{key}: {gripper.name} ({name_or_path}) is a {gripper.kind} gripper; this step needs two fingers"
            )
        return gripper
    model = load_model(name_or_path)
    b = bounds
    for what, value, lo, hi, bound in (
        ("stroke", model.stroke, b.min_length, b.max_length, "length"),
        ("TCP depth", model.tcp_depth(), b.min_length, b.max_length, "length"),
        ("closing force", model.closing_force or b.min_force, b.min_force, b.max_force, "force"),
    ):
        if not lo <= value <= hi:
            raise InputError(
                f"{model.source}: {what} {value:g} is outside the plausible [{lo:g}, {hi:g}] "
                f"(guess.gripper_bounds.min_{bound}/max_{bound}); a unit slip in the description?"
            )
    return model
