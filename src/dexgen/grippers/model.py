"""The gripper model every source becomes: rigid bodies with collision meshes, posed by the opening.

Like GraspDataGen, a hand is not modelled analytically but sampled: every body's pose in the base
frame (dexgen's convention: origin at the flange, +z approach, +x closing) at a table of openings,
index 0 fully open, the last the end of the stroke. Between table rows the driven joint's progress
``s`` (0 open, 1 closed) is found from the opening (a monotone cubic through the gaps of the
interpolated poses on a fine grid, so the pads sit at the asked opening), and each body's pose from
``s``: rotation by slerp within the row pair, which is exact where a body turns about a fixed axis at
a rate proportional to the drive (every URDF mimic linkage of parallel revolute axes), and
translation by a cubic spline over ``s``, whose error for a point on an arc of radius r swept by an
angle Θ over the stroke is about (5/384) r (Θ/(m-1))^4. Measured at the mid-points between rows
against exact forward kinematics (``tests/grippers/test_model.py``, held to
:data:`INTERPOLATION_BOUND` = 1e-6 m): on the airo-models Robotiq 2F-85 with 8 openings every mesh
vertex lies within 3.2e-7 m (worst in the end rows), with 16 openings within 1.6e-8 m.

Sources: :func:`model_from_box` (a box YAML, exact: its fingers slide), and
:func:`dexgen.grippers.articulated.model_from_articulation` (URDF, MJCF, USD).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import ClassVar

import numpy as np
import trimesh
from scipy.interpolate import CubicSpline, PchipInterpolator
from scipy.spatial.transform import Rotation

from dexgen.grippers.kinds import REAL_HAND
from dexgen.grippers.pads import PadPatch, pad_gap
from dexgen.grippers.spec import ParallelJawGripper

DEFAULT_OPENINGS = 8  # table rows, GraspDataGen's ``pinch_width_resolution`` default
MIN_OPENINGS = 2  # fewer cannot span a stroke
INTERPOLATION_BOUND = 1e-6  # metres: mesh vertices from the table vs exact kinematics at mid-points
PROGRESS_GRID = 16  # fine rows per table row for the opening -> drive map
RANGE_SLACK = 1e-9  # metres: an opening this far outside the stroke is rounding, not a mistake

ExactPoses = Callable[[float], np.ndarray]  # drive progress s in [0, 1] -> (n, 4, 4) base-frame poses


@dataclasses.dataclass(frozen=True, eq=False)
class GripperModel:
    """A two-finger gripper as bodies, an opening table and two pads (metres, newtons, base frame).

    meshes : one collision trimesh per body, in that body's frame.
    openings : (m,) float64 -- pad gap per table row, strictly decreasing (row 0 fully open).
    poses : (m, n, 4, 4) float64 -- every body's pose in the base frame at each row.
    drive : (m,) float64 -- the driven joint's value at each row (radians or metres).
    pads : the pad on the -x finger, then the one on the +x finger.
    bite : metres back from the fingertip edge to the contact point (GraspDataGen's ``bite``).
    exact : where the source has exact kinematics, drive progress s -> poses (tests, fine tables).
    description : what :func:`~dexgen.grippers.description.load_model` was given (a shipped name or an
        absolute path), so a later stage rebuilds the same hand from a record; "" if not loaded so.
    parents : per body, the index of the nearest body above it in the description's tree (-1: the base
        frame), so a simulator can rebuild the hand's joints from the table; None if the source has none.
    """

    name: str
    kind: str  # the source format: "box", "urdf", "mjcf", "usd"
    source: str  # the file read, for messages and records
    sha256: str  # of every file the model came from
    bodies: tuple[str, ...]
    meshes: tuple[trimesh.Trimesh, ...]
    openings: np.ndarray
    poses: np.ndarray
    drive: np.ndarray
    driven_joint: str
    pads: tuple[PadPatch, PadPatch]
    bite: float
    closing_force: float | None
    exact: ExactPoses | None = None
    description: str = ""
    parents: tuple[int, ...] | None = None

    gripper_kind: ClassVar[str] = REAL_HAND  # ``kind`` above is the file format it was read from
    two_finger: ClassVar[bool] = True

    @property
    def hand_model(self) -> GripperModel:
        return self

    @property
    def reach(self) -> float:
        """Base to the farthest mesh point along +z, fully open, metres."""
        return float(self.mesh_at(self.stroke).bounds[1, 2])

    def __post_init__(self) -> None:
        m, n = len(self.openings), len(self.bodies)
        if m < MIN_OPENINGS or self.poses.shape != (m, n, 4, 4) or self.drive.shape != (m,):
            raise ValueError(f"{self.source}: opening table of {m} rows does not match poses/drive")
        if len(self.meshes) != n or not np.all(np.diff(self.openings) < 0):
            raise ValueError(f"{self.source}: openings must strictly decrease, one mesh per body")
        for pad in self.pads:
            if pad.body not in self.bodies:
                raise ValueError(f"{self.source}: pad body {pad.body!r} is not one of {self.bodies}")
        if self.parents is not None and (
            len(self.parents) != n or any(not -1 <= p < n or p == i for i, p in enumerate(self.parents))
        ):
            raise ValueError(f"{self.source}: parents {self.parents} is not a tree over {n} bodies")
        if self.drive[-1] == self.drive[0]:
            raise ValueError(f"{self.source}: the driven joint does not move over the table")
        self._cache_meshes()
        self._cache_interpolation()

    def _cache_meshes(self) -> None:
        """Every body's vertices stacked once, so :meth:`mesh_at` is one array transform."""
        counts = [len(mesh.vertices) for mesh in self.meshes]
        offsets = np.repeat(np.cumsum([0, *counts[:-1]]), [len(mesh.faces) for mesh in self.meshes])
        faces = np.concatenate([mesh.faces for mesh in self.meshes]) + offsets[:, None]
        object.__setattr__(self, "_vertices", np.concatenate([mesh.vertices for mesh in self.meshes]))
        object.__setattr__(self, "_faces", faces)
        object.__setattr__(self, "_owner", np.repeat(np.arange(len(self.bodies)), counts))

    def _cache_interpolation(self) -> None:
        """Per row pair each body's turn (a rotation vector), the shift splines and opening -> s."""
        m, n = self.poses.shape[:2]
        s = (self.drive - self.drive[0]) / (self.drive[-1] - self.drive[0])
        rot = self.poses[:, :, :3, :3]
        steps = np.einsum("knji,knjl->knil", rot[:-1], rot[1:])  # R_k^T R_k+1, (m-1, n, 3, 3)
        rotvec = Rotation.from_matrix(steps.reshape(-1, 3, 3)).as_rotvec().reshape(m - 1, n, 3)
        object.__setattr__(self, "_s", s)
        object.__setattr__(self, "_rotvec", rotvec)
        object.__setattr__(self, "_shift", CubicSpline(s, self.poses[:, :, :3, 3].reshape(m, -1), axis=0))
        # the opening -> s map is read off the interpolated poses on a fine grid, so the pads of
        # body_poses(o) are o apart to ~1e-8 m (a spline through the table rows alone is off ~1e-5 m)
        fine = np.linspace(0.0, 1.0, (m - 1) * PROGRESS_GRID + 1)
        gaps = np.array([self.gap(p) for p in self._at(fine)])
        gaps[0], gaps[-1] = self.openings[0], self.openings[-1]
        if not np.all(np.diff(gaps) < 0):
            raise ValueError(f"{self.source}: the pads do not close steadily between table rows")
        object.__setattr__(self, "_progress", PchipInterpolator(gaps[::-1], fine[::-1]))

    @property
    def stroke(self) -> float:
        """Metres between the pads fully open (the largest opening)."""
        return float(self.openings[0])

    @property
    def min_opening(self) -> float:
        """Metres between the pads at the end of the stroke (0 where they meet)."""
        return float(self.openings[-1])

    def progress(self, opening: float | np.ndarray) -> np.ndarray:
        """Drive progress s (0 open, 1 closed) at ``opening`` metres; refuses one outside the stroke."""
        o = np.asarray(opening, dtype=np.float64)
        if np.any(o > self.stroke + RANGE_SLACK) or np.any(o < self.min_opening - RANGE_SLACK):
            raise ValueError(
                f"{self.name}: opening {o.min():.6g}..{o.max():.6g} m outside the stroke "
                f"[{self.min_opening:.6g}, {self.stroke:.6g}]"
            )
        return np.clip(self._progress(np.clip(o, self.min_opening, self.stroke)), 0.0, 1.0)

    def drive_at(self, opening: float) -> float:
        """The driven joint's value at ``opening`` (for an actuator target)."""
        s = float(self.progress(opening))
        return float(self.drive[0] + s * (self.drive[-1] - self.drive[0]))

    def body_poses(self, opening: float | np.ndarray) -> np.ndarray:
        """(n, 4, 4) float64 -- every body in the base frame at ``opening``; (k, n, 4, 4) for (k,)."""
        s = self.progress(opening)
        out = self._at(np.atleast_1d(s))
        return out[0] if np.ndim(s) == 0 else out

    def _at(self, s: np.ndarray) -> np.ndarray:
        """(k, n, 4, 4) the bodies at drive progress ``s`` (k,): slerp per row pair, cubic shift."""
        row = np.clip(np.searchsorted(self._s, s, side="right") - 1, 0, len(self._s) - 2)
        t = (s - self._s[row]) / (self._s[row + 1] - self._s[row])
        k, n = len(s), len(self.bodies)
        turn = Rotation.from_rotvec((self._rotvec[row] * t[:, None, None]).reshape(-1, 3)).as_matrix()
        out = np.zeros((k, n, 4, 4))
        out[:, :, :3, :3] = self.poses[row, :, :3, :3] @ turn.reshape(k, n, 3, 3)
        out[:, :, :3, 3] = self._shift(s).reshape(k, n, 3)
        out[:, :, 3, 3] = 1.0
        return out

    def mesh_at(self, opening: float) -> trimesh.Trimesh:
        """Every body merged into one mesh in the base frame at ``opening``; faces keep body order."""
        poses = self.body_poses(opening)[self._owner]  # (v, 4, 4): each vertex's body pose
        vertices = np.einsum("vij,vj->vi", poses[:, :3, :3], self._vertices) + poses[:, :3, 3]
        return trimesh.Trimesh(vertices, self._faces, process=False)

    def __getstate__(self) -> dict:
        """Pickled without ``exact``: a source's live kinematics (a parsed URDF) stay in this process."""
        return {**self.__dict__, "exact": None}

    @property
    def pad_bodies(self) -> tuple[int, int]:
        """Indices into ``bodies`` of the -x and +x pad bodies."""
        return self.bodies.index(self.pads[0].body), self.bodies.index(self.pads[1].body)

    def pad_poses(self, opening: float) -> tuple[np.ndarray, np.ndarray]:
        """The two pad bodies' (4, 4) base poses at ``opening``."""
        poses = self.body_poses(opening)
        return poses[self.pad_bodies[0]], poses[self.pad_bodies[1]]

    def gap(self, poses: np.ndarray) -> float:
        """Metres between the pads with the bodies at ``poses`` (n, 4, 4)."""
        return pad_gap(self.pads, (poses[self.pad_bodies[0]], poses[self.pad_bodies[1]]))

    def bite_points(self, opening: float | None = None) -> np.ndarray:
        """(2, 3) float64 -- the contact points on the two pads, base frame (default fully open)."""
        poses = self.pad_poses(self.stroke if opening is None else opening)
        return np.array(
            [p[:3, :3] @ pad.bite_point(self.bite) + p[:3, 3] for pad, p in zip(self.pads, poses)]
        )

    def tcp_depth(self, opening: float | None = None) -> float:
        """Metres along +z from the base to the contact points' midpoint (GraspGen's ``depth``).

        At full opening by default, where GraspDataGen takes its bite point.
        """
        return float(self.bite_points(opening)[:, 2].mean())

    def faces(self) -> dict[str, int]:
        """{body: number of triangles} of the collision meshes."""
        return {name: len(mesh.faces) for name, mesh in zip(self.bodies, self.meshes)}


def opening_table(stroke: float, closed: float, count: int) -> np.ndarray:
    """(count,) float64 -- openings evenly spaced from fully open to closed."""
    if count < MIN_OPENINGS:
        raise ValueError(f"an opening table needs at least {MIN_OPENINGS} rows, got {count}")
    return np.linspace(stroke, closed, count)


def _translate(x: float, y: float, z: float) -> np.ndarray:
    pose = np.eye(4)
    pose[:3, 3] = (x, y, z)
    return pose


def model_from_box(gripper: ParallelJawGripper, *, openings: int = DEFAULT_OPENINGS) -> GripperModel:
    """The box YAML as a model: the palm and two finger boxes of :func:`geometry.bodies`, pads on the
    fingers' inner faces over ``pad_length`` back from the tips, drive = opening (the fingers slide).

    Geometry is the same numbers as :mod:`dexgen.grippers.geometry`, so both agree to rounding.
    """
    g, f = gripper, gripper.finger
    table = opening_table(g.max_opening, g.min_opening, openings)
    palm = trimesh.creation.box(extents=g.palm.size)
    finger = trimesh.creation.box(extents=(f.thickness, f.width, f.length))
    z_finger = g.fingertip_depth - f.length / 2
    poses = np.array(
        [
            [
                _translate(0.0, 0.0, g.palm.size[2] / 2),
                _translate(-(o / 2 + f.thickness / 2), 0.0, z_finger),
                _translate(o / 2 + f.thickness / 2, 0.0, z_finger),
            ]
            for o in table
        ]
    )
    pad_centre_z = f.length / 2 - f.pad_length / 2  # pad region ends at the fingertip
    pads = tuple(
        PadPatch(
            body,
            np.array([side * f.thickness / 2, 0.0, pad_centre_z]),
            np.array([side, 0.0, 0.0]),
            np.array([0.0, 0.0, 1.0]),
            (f.pad_length, f.width),
        )
        for body, side in (("finger_neg", 1.0), ("finger_pos", -1.0))
    )
    return GripperModel(
        name=g.name,
        kind="box",
        source=g.source,
        sha256=g.sha256,
        bodies=("palm", "finger_neg", "finger_pos"),
        meshes=(palm, finger, finger.copy()),
        openings=table,
        poses=poses,
        drive=table.copy(),
        driven_joint="opening",
        pads=pads,
        bite=g.fingertip_depth - g.tcp_depth,
        closing_force=g.closing_force,
        exact=lambda s: poses[0] + (poses[-1] - poses[0]) * s,
        parents=(-1, 0, 0),  # the fingers slide on the palm
    )
