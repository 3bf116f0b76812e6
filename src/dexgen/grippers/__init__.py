"""Gripper descriptions: one YAML file per gripper, the single source of gripper geometry.

The guess stage, the simulator and the GraspGen gripper config all build their bodies from
:func:`dexgen.grippers.geometry.bodies`, so a gripper is described exactly once.
"""

from dexgen.grippers.loader import DEFAULT, gripper_names, load_gripper, parse_gripper
from dexgen.grippers.spec import Finger, Gripper, Palm, ParallelJawGripper, SuctionGripper

__all__ = [
    "DEFAULT",
    "Finger",
    "Gripper",
    "Palm",
    "ParallelJawGripper",
    "SuctionGripper",
    "gripper_names",
    "load_gripper",
    "parse_gripper",
]
