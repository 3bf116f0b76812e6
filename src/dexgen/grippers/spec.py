"""Typed gripper descriptions: what one ``grippers/<name>.yaml`` file holds, validated on load.

All lengths are metres in the gripper **base frame** (GraspGen convention, see
``graspgen-format.md`` §3): origin at the mounting flange, +z = approach (palm towards fingertips),
+x = closing axis, y completes a right-handed frame. A parallel-jaw gripper is a palm box plus two
finger boxes whose inner (pad) faces sit at ``x = ±opening / 2``; the fingers translate along x.
Ranges are checked in ``__post_init__`` (raising ``ValueError``), so a bad file is refused with the
file name and the offending field (see :mod:`dexgen.grippers.loader`); :func:`check_bounds` refuses
a consistent but implausible one (an 8.5 m stroke) against configurable ``GripperBounds``.
"""

from __future__ import annotations

import dataclasses
import math
from typing import ClassVar, Literal

from dexgen.grippers.kinds import PARALLEL_JAW, SUCTION
from dexgen.params.guess import GripperBounds  # declared with the params that configure it


def _positive(prefix: str, **values: float) -> None:
    for name, value in values.items():
        if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
            raise ValueError(f"{prefix}{name} must be positive, got {value!r}")


@dataclasses.dataclass(frozen=True)
class Palm:
    """The gripper body below the fingers, a box spanning z in [0, size[2]] centred on the z axis."""

    size: tuple[float, float, float]  # full extents (x, y, z), metres

    def __post_init__(self) -> None:
        _positive("palm.size.", x=self.size[0], y=self.size[1], z=self.size[2])


@dataclasses.dataclass(frozen=True)
class Finger:
    """One finger, a box whose tip is at ``fingertip_depth`` and whose inner face is the pad."""

    length: float  # along z (approach), metres
    thickness: float  # along x (closing), metres
    width: float  # along y, metres: the pad width
    pad_length: float  # along z, metres: the contact region measured back from the fingertip

    def __post_init__(self) -> None:
        _positive(
            "finger.",
            length=self.length,
            thickness=self.thickness,
            width=self.width,
            pad_length=self.pad_length,
        )
        if self.pad_length > self.length:
            raise ValueError(f"finger.pad_length {self.pad_length} exceeds finger.length {self.length}")


@dataclasses.dataclass(frozen=True)
class ParallelJawGripper:
    """A two-finger parallel-jaw gripper (symmetric fingers, opening measured between the pads)."""

    name: str
    kind: Literal["parallel_jaw"]
    max_opening: float  # metres between the pads, fully open (the stroke)
    min_opening: float  # metres between the pads, fully closed
    fingertip_depth: float  # metres from base origin to the fingertips along +z
    tcp_depth: float  # metres from base origin to the TCP (GraspGen ``depth``), on the pads
    closing_force: float  # newtons, the datasheet maximum grip force
    palm: Palm
    finger: Finger
    description: str = ""
    source: str = ""  # set by the loader: the file's name (``grippers/<name>.yaml`` when shipped)
    sha256: str = ""  # set by the loader: hash of the file's bytes (provenance)
    document: str = ""  # set by the loader: the file's text, embedded in every output made with it

    gripper_kind: ClassVar[str] = PARALLEL_JAW
    two_finger: ClassVar[bool] = True
    hand_model: ClassVar[None] = None  # boxes, no meshes to pose

    @property
    def reach(self) -> float:
        return self.fingertip_depth

    @property
    def stroke(self) -> float:
        """Metres between the pads fully open (``max_opening``), as a real hand's model names it."""
        return self.max_opening

    def __post_init__(self) -> None:
        _positive(
            "",
            max_opening=self.max_opening,
            fingertip_depth=self.fingertip_depth,
            tcp_depth=self.tcp_depth,
            closing_force=self.closing_force,
        )
        if not (math.isfinite(self.min_opening) and self.min_opening >= 0):
            raise ValueError(f"min_opening must be >= 0, got {self.min_opening}")
        if self.max_opening <= self.min_opening:
            raise ValueError(
                f"fingers cannot close: max_opening {self.max_opening} must exceed min_opening "
                f"{self.min_opening} (the stroke is max - min)"
            )
        if self.palm.size[2] >= self.fingertip_depth:
            raise ValueError(
                f"fingers cannot reach past the palm: fingertip_depth {self.fingertip_depth} must exceed "
                f"palm.size[2] {self.palm.size[2]}"
            )
        if self.finger.length > self.fingertip_depth:
            raise ValueError(
                f"finger.length {self.finger.length} exceeds fingertip_depth {self.fingertip_depth}"
            )
        pad_lo = self.fingertip_depth - self.finger.pad_length
        if not pad_lo <= self.tcp_depth <= self.fingertip_depth:
            raise ValueError(
                f"tcp_depth {self.tcp_depth} is off the finger pads, which span z in "
                f"[{pad_lo:.4f}, {self.fingertip_depth:.4f}]"
            )

    @property
    def finger_base_depth(self) -> float:
        """z of the finger's palm-side end, metres."""
        return self.fingertip_depth - self.finger.length

    def measures(self) -> tuple[dict[str, float], dict[str, float], dict[str, float]]:
        """({length field: metres}, {force field: newtons}, {friction field: coefficient}), named as in
        its file, for :func:`check_bounds`."""
        f = self.finger
        lengths = {
            "max_opening": self.max_opening,
            "min_opening": self.min_opening,
            "fingertip_depth": self.fingertip_depth,
            "tcp_depth": self.tcp_depth,
            **{f"palm.size[{i}]": v for i, v in enumerate(self.palm.size)},
            "finger.length": f.length,
            "finger.thickness": f.thickness,
            "finger.width": f.width,
            "finger.pad_length": f.pad_length,
        }
        return lengths, {"closing_force": self.closing_force}, {}


@dataclasses.dataclass(frozen=True)
class SuctionGripper:
    """A single suction cup on a tube along +z; the cup lip is at ``depth`` (the TCP)."""

    name: str
    kind: Literal["suction"]
    cup_radius: float  # metres
    cup_height: float  # metres along z
    tube_radius: float  # metres
    depth: float  # metres from base origin to the cup lip (GraspGen ``depth``)
    suction_force: float  # newtons
    friction: float  # cup-object friction coefficient
    description: str = ""
    # GraspGen's SuctionCupArray fields (grippers.md §3); the defaults are its single_suction_cup_30mm values.
    # cups: each cup's lip frame on the plate, 4x4 row lists in GraspGen's contact frame (+z out of
    # the object); None = one cup at the identity
    cups: tuple[tuple[tuple[float, float, float, float], ...], ...] | None = None
    num_sides: int = 15  # perimeter vertices of the spring cone
    material_kappa: float = 0.005  # elastic limit of the cup material (wrench model)
    spring_max_length_change: float = 0.1  # +-10 % spring stretch (Provot), seal test
    standoff_distance: float = 0.001  # m; the lip frame sits this far off the surface along the normal
    num_suction_points_for_hole_check: int = 50  # sunflower rays inside the lip that must hit the object
    # GraspGen's training control points, its frame (+z away from the object), metres; None = lip, cup top, flange
    control_points: tuple[tuple[float, float, float], ...] | None = None
    source: str = ""  # set by the loader
    sha256: str = ""  # set by the loader
    document: str = ""  # set by the loader

    gripper_kind: ClassVar[str] = SUCTION
    two_finger: ClassVar[bool] = False
    hand_model: ClassVar[None] = None

    @property
    def reach(self) -> float:
        return self.depth

    def __post_init__(self) -> None:
        if self.cups is not None:
            if not self.cups:
                raise ValueError("cups must list at least one 4x4 pose (or be left out: one cup)")
            for i, pose in enumerate(self.cups):
                if len(pose) != 4 or list(pose[3]) != [0.0, 0.0, 0.0, 1.0]:
                    raise ValueError(f"cups[{i}] is not a 4x4 rigid pose (last row must be [0, 0, 0, 1])")
        if self.num_sides < 3 or self.num_suction_points_for_hole_check < 1:
            raise ValueError(
                f"num_sides must be >= 3 and num_suction_points_for_hole_check >= 1, got "
                f"{self.num_sides} and {self.num_suction_points_for_hole_check}"
            )
        if not 0.0 < self.spring_max_length_change < 1.0 or not self.standoff_distance >= 0:
            raise ValueError(
                "spring_max_length_change must be in (0, 1) and standoff_distance >= 0, got "
                f"{self.spring_max_length_change} and {self.standoff_distance}"
            )
        _positive("", material_kappa=self.material_kappa)
        _positive(
            "",
            cup_radius=self.cup_radius,
            cup_height=self.cup_height,
            tube_radius=self.tube_radius,
            depth=self.depth,
            suction_force=self.suction_force,
            friction=self.friction,
        )
        if self.cup_height >= self.depth:
            raise ValueError(
                f"cup_height {self.cup_height} must be less than depth {self.depth} (tube length > 0)"
            )
        if self.tube_radius > self.cup_radius:
            raise ValueError(f"tube_radius {self.tube_radius} exceeds cup_radius {self.cup_radius}")

    @property
    def tube_length(self) -> float:
        return self.depth - self.cup_height

    @property
    def cup_poses(self) -> tuple[tuple[tuple[float, ...], ...], ...]:
        """Every cup's lip frame on the plate (one identity cup when ``cups`` is not given)."""
        identity = tuple(tuple(1.0 if i == j else 0.0 for j in range(4)) for i in range(4))
        return self.cups if self.cups is not None else (identity,)

    @property
    def graspgen_control_points(self) -> tuple[tuple[float, float, float], ...]:
        if self.control_points is not None:
            return self.control_points
        return ((0.0, 0.0, 0.0), (0.0, 0.0, self.cup_height), (0.0, 0.0, self.depth))

    def measures(self) -> tuple[dict[str, float], dict[str, float], dict[str, float]]:
        """As :meth:`ParallelJawGripper.measures`: the cup and tube, the suction force, the friction."""
        lengths = {
            "cup_radius": self.cup_radius,
            "cup_height": self.cup_height,
            "tube_radius": self.tube_radius,
            "depth": self.depth,
        }
        return lengths, {"suction_force": self.suction_force}, {"friction": self.friction}


Gripper = ParallelJawGripper | SuctionGripper
# the kinds a gripper YAML may name (kinds.FILE_KINDS), by that name
KINDS: dict[str, type] = {g.gripper_kind: g for g in (ParallelJawGripper, SuctionGripper)}


def check_bounds(gripper: Gripper, bounds: GripperBounds) -> None:
    """Refuse a gripper with a length, force or friction outside ``bounds`` (a ``ValueError`` naming
    the field, its value and the bound it breaks)."""
    lengths, forces, frictions = gripper.measures()
    b = bounds
    for name, value in lengths.items():
        lo = 0.0 if name == "min_opening" else b.min_length  # fully closed pads touch: 0 is real
        _within(name, value, lo, b.max_length, "m", "min_length" if value < lo else "max_length")
    for name, value in forces.items():
        _within(
            name, value, b.min_force, b.max_force, "N", "min_force" if value < b.min_force else "max_force"
        )
    for name, value in frictions.items():
        _within(name, value, 0.0, b.max_friction, "", "max_friction")


def _within(name: str, value: float, lo: float, hi: float, unit: str, bound: str) -> None:
    if not lo <= value <= hi:
        units = f" {unit}" if unit else ""
        slip = "; a unit slip? lengths are metres, forces newtons" if unit else ""
        raise ValueError(
            f"{name} {value:g}{units} is outside the plausible [{lo:g}, {hi:g}]{units} "
            f"(guess.gripper_bounds.{bound}){slip}"
        )
