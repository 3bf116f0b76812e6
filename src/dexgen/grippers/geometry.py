"""Gripper collision bodies, the one source of gripper geometry for guessing, simulation and export.

:func:`bodies` returns plain data (name, shape, size, pose in the base frame, which finger it moves
with) so that the MuJoCo scene and the GraspGen gripper config can be built from the same numbers;
:func:`body_mesh` / :func:`gripper_mesh` turn them into trimesh meshes. Frame: gripper base,
metres, +z approach, +x closing; a finger's pad (inner face) sits at ``x = ±opening / 2``.
``margin`` inflates every body on every side (the clearance used by collision checks).
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Literal

import numpy as np
import trimesh

from dexgen.grippers.spec import Gripper, ParallelJawGripper, SuctionGripper

FINGERS = ("finger_neg", "finger_pos")  # pads at x = -opening/2 and x = +opening/2


@dataclasses.dataclass(frozen=True)
class Body:
    """One rigid collision body of a gripper, as plain data.

    ``size``: box -> full extents (x, y, z); cylinder -> (radius, height along local z), metres.
    ``pose``: (4, 4) float64 -- body frame (the solid's centre) in the gripper base frame.
    ``moves_with``: "base" for bodies fixed to the base, else the finger ("finger_neg"/"finger_pos")
    whose prismatic joint carries it; ``joint_axis`` is the unit direction it moves as the gripper
    opens (base frame), zero for base bodies.
    """

    name: str
    role: Literal["palm", "finger", "tube", "cup"]
    shape: Literal["box", "cylinder"]
    size: tuple[float, ...]
    pose: np.ndarray
    moves_with: Literal["base", "finger_neg", "finger_pos"]
    joint_axis: tuple[float, float, float] = (0.0, 0.0, 0.0)

    @property
    def centre(self) -> np.ndarray:
        """(3,) float64 -- body centre in the base frame, metres."""
        return self.pose[:3, 3].copy()


def _at(x: float, y: float, z: float) -> np.ndarray:
    pose = np.eye(4)
    pose[:3, 3] = (x, y, z)
    return pose


def _palm(g: ParallelJawGripper, margin: float) -> Body:
    sx, sy, sz = g.palm.size
    size = (sx + 2 * margin, sy + 2 * margin, sz + 2 * margin)
    return Body("palm", "palm", "box", size, _at(0.0, 0.0, sz / 2), "base")


def _finger(g: ParallelJawGripper, side: int, inner: float, outer: float, margin: float) -> Body:
    """Finger box whose pad face is at |x| = ``inner`` and whose back is at |x| = ``outer``."""
    f = g.finger
    lo, hi = inner - margin, outer + margin
    size = (hi - lo, f.width + 2 * margin, f.length + 2 * margin)
    pose = _at(side * (lo + hi) / 2, 0.0, g.fingertip_depth - f.length / 2)
    name = FINGERS[side > 0]
    return Body(name, "finger", "box", size, pose, name, (float(side), 0.0, 0.0))


@functools.singledispatch
def bodies(gripper: Gripper, opening: float | None = None, *, margin: float = 0.0) -> list[Body]:
    """The gripper's collision bodies at pad ``opening`` (metres, default fully open).

    Parallel jaw: palm, finger_neg, finger_pos. Suction: tube, cup.
    """
    raise TypeError(f"{gripper.name}: a {gripper.gripper_kind} gripper is not built of boxes and cylinders")


@bodies.register
def _jaw_bodies(
    gripper: ParallelJawGripper, opening: float | None = None, *, margin: float = 0.0
) -> list[Body]:
    opening = gripper.max_opening if opening is None else float(opening)
    if not gripper.min_opening - 1e-9 <= opening <= gripper.max_opening + 1e-9:
        raise ValueError(
            f"{gripper.name}: opening {opening} outside [{gripper.min_opening}, {gripper.max_opening}]"
        )
    t = gripper.finger.thickness
    half = opening / 2
    return [
        _palm(gripper, margin),
        _finger(gripper, -1, half, half + t, margin),
        _finger(gripper, +1, half, half + t, margin),
    ]


def swept_bodies(
    gripper: ParallelJawGripper, *, closed: float, opened: float, margin: float = 0.0
) -> list[Body]:
    """Palm plus the volume each finger sweeps while the pads close from ``opened`` to ``closed``.

    The swept volume of a translating box is a longer box, so one solid per finger covers every
    opening in between: the pad face at ``closed / 2`` and the back at ``opened / 2 + thickness``.
    """
    if closed > opened:
        raise ValueError(f"closed opening {closed} exceeds opened opening {opened}")
    t = gripper.finger.thickness
    return [
        _palm(gripper, margin),
        _finger(gripper, -1, closed / 2, opened / 2 + t, margin),
        _finger(gripper, +1, closed / 2, opened / 2 + t, margin),
    ]


@bodies.register
def _suction_bodies(g: SuctionGripper, opening: float | None = None, *, margin: float = 0.0) -> list[Body]:
    tube = Body(
        "tube",
        "tube",
        "cylinder",
        (g.tube_radius + margin, g.tube_length + 2 * margin),
        _at(0.0, 0.0, g.tube_length / 2),
        "base",
    )
    cup = Body(
        "cup",
        "cup",
        "cylinder",
        (g.cup_radius + margin, g.cup_height + 2 * margin),
        _at(0.0, 0.0, g.tube_length + g.cup_height / 2),
        "base",
    )
    return [tube, cup]


def body_mesh(body: Body, *, sections: int = 32) -> trimesh.Trimesh:
    """A watertight trimesh of ``body`` in the base frame (cylinders with ``sections`` facets)."""
    if body.shape == "box":
        return trimesh.creation.box(extents=body.size, transform=body.pose)
    radius, height = body.size
    return trimesh.creation.cylinder(radius=radius, height=height, sections=sections, transform=body.pose)


def gripper_mesh(gripper: Gripper, opening: float | None = None, *, margin: float = 0.0) -> trimesh.Trimesh:
    """All bodies at ``opening`` as one mesh (base frame, metres); faces keep body order."""
    return trimesh.util.concatenate([body_mesh(b) for b in bodies(gripper, opening, margin=margin)])


def pad_points(gripper: ParallelJawGripper, opening: float, *, depth: float | None = None) -> np.ndarray:
    """(2, 3) float64 -- pad-face centre lines at ``depth`` (default the TCP), [finger_neg, finger_pos]."""
    z = gripper.tcp_depth if depth is None else depth
    return np.array([[-opening / 2, 0.0, z], [opening / 2, 0.0, z]])


def control_points(gripper: ParallelJawGripper) -> np.ndarray:
    """(4, 3) float64 -- GraspGen's canonical control points from width = max opening, depth = TCP.

    ``[w/2,0,d/2], [-w/2,0,d/2], [w/2,0,d], [-w/2,0,d]`` (graspgen-format.md §8).
    """
    w, d = gripper.max_opening, gripper.tcp_depth
    return np.array([[w / 2, 0, d / 2], [-w / 2, 0, d / 2], [w / 2, 0, d], [-w / 2, 0, d]], dtype=float)


@functools.singledispatch
def glyph(gripper: Gripper, opening: float | None = None) -> np.ndarray:
    """(k, 2, 3) float64 -- line segments of a gripper sketch (base frame) for pictures.

    Two fingers: anything with ``max_opening``, ``finger_base_depth`` and ``fingertip_depth`` (a box
    gripper, or a real hand's pads as :class:`dexgen.sim.pictures.Sketch` reads them).
    """
    half = (gripper.max_opening if opening is None else opening) / 2
    return _fork(half, gripper.finger_base_depth, gripper.fingertip_depth)


@glyph.register
def _suction_glyph(gripper: SuctionGripper, opening: float | None = None) -> np.ndarray:
    return _fork(gripper.cup_radius, gripper.tube_length, gripper.depth)


def _fork(half: float, z_base: float, z_tip: float) -> np.ndarray:
    """Every sketch's shape: a stem to ``z_base``, a bar of half-width ``half`` there, two prongs to ``z_tip``."""
    return np.array(
        [
            [[0, 0, 0], [0, 0, z_base]],
            [[-half, 0, z_base], [half, 0, z_base]],
            [[-half, 0, z_base], [-half, 0, z_tip]],
            [[half, 0, z_base], [half, 0, z_tip]],
        ],
        dtype=float,
    )
