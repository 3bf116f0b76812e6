"""Every gripper kind, named once, and what a stage may ask of any gripper (:class:`GripperKind`).

Stages ask a gripper what it can do (``gripper.two_finger``, ``gripper.hand_model``, ``gripper.reach``)
or compare its ``gripper_kind`` with a name from here, instead of testing its class: adding a kind is
one class plus one line below. Behaviour that belongs to another layer is registered there with
:func:`functools.singledispatch` (the GraspGen config writer, the simulator's scenes).

Classes are named as ``"module:Class"`` strings and imported on first use: a real hand's model needs
trimesh, which the light record modules must not load.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, ClassVar, Protocol, runtime_checkable

if TYPE_CHECKING:
    from dexgen.grippers.model import GripperModel

PARALLEL_JAW = "parallel_jaw"  # a box parallel-jaw gripper (a ``kind: parallel_jaw`` YAML)
SUCTION = "suction"  # a suction cup or cup array (a ``kind: suction`` YAML)
REAL_HAND = "real_hand"  # a two-finger hand from its robot description: meshes and an opening table

KINDS: dict[str, str] = {
    PARALLEL_JAW: "dexgen.grippers.spec:ParallelJawGripper",
    SUCTION: "dexgen.grippers.spec:SuctionGripper",
    REAL_HAND: "dexgen.grippers.model:GripperModel",
}
FILE_KINDS = (PARALLEL_JAW, SUCTION)  # what a gripper YAML's ``kind:`` may name


@runtime_checkable
class GripperKind(Protocol):
    """What every gripper answers, whatever its kind."""

    gripper_kind: ClassVar[str]  # its name in :data:`KINDS`
    name: str
    sha256: str

    @property
    def two_finger(self) -> bool:
        """Does it grasp between two pads (so guessing, the trials and the antipodal export apply)?"""

    @property
    def hand_model(self) -> GripperModel | None:
        """A real hand's model (its meshes, posed by the opening); None for a gripper made of boxes."""

    @property
    def reach(self) -> float:
        """Base-to-tip length along +z, metres: how far the gripper sticks out of a grasped object."""


def kind_class(name: str) -> type:
    """The class of kind ``name``; an unknown name is an error listing the kinds."""
    if name not in KINDS:
        raise ValueError(f"unknown gripper kind {name!r}; the kinds are {sorted(KINDS)}")
    module, _, cls = KINDS[name].partition(":")
    return getattr(importlib.import_module(module), cls)
