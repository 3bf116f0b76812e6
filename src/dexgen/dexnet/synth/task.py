"""What one Dex-Net synthesis task is: its gripper kind, how it makes one object's datapoints, its
label and the fields it adds beside the published ones. One module per task implements it
(:mod:`.parallel_jaw`, :mod:`.suction`) and one line in :mod:`.registry` names it.

Every task follows Dex-Net's generator (``dexnet.md`` §4): rest the object in each stable pose, draw
grasps on it (their labels depend on the pose, not the camera), then render ``images_per_pose``
depth images and cut one thumbnail per grasp per image. A task's ``datapoints`` returns, for the n
datapoints of one object: ``depth_ims_tf_table`` (n, 32, 32, 1) float32 metres, ``hand_poses`` (n, 7)
float32, the task's metric fields (n,) float32 and ``pose_index`` / ``image_index`` (n,) uint32 --
local stable-pose and image ids. Physics, when a task needs it, comes in as a ``simulate`` callable,
so task code never owns a backend; the object's resting poses come in as ``rests``
(:func:`.poses.cached_rests`), computed once per mesh for every task.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import numpy as np
import trimesh

from dexgen.dexnet.fields import FieldSpec, TaskSpec
from dexgen.dexnet.synth.camera import Intrinsics
from dexgen.params.synth import SynthConfig
from dexgen.portable import matmul

# simulate(T_obj_base (n, 4, 4), openings (n,)) -> (success (n,) bool, score (n,) float64)
Simulate = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


@dataclasses.dataclass(frozen=True)
class SynthTask:
    """One synthesis task.

    ``spec``: the published Dex-Net fields it writes (:mod:`dexgen.dexnet.fields`); ``extra_fields``:
    ours beside them; ``gripper_kind``: the gripper kind it needs (:mod:`dexgen.grippers.kinds`); ``uses_physics``: its
    ``datapoints`` takes a ``simulate`` callable; ``label(cfg) -> (field, threshold)``: label =
    field > threshold; ``summary(data, cfg) -> dict``: task-specific figures for the metrics.
    """

    spec: TaskSpec
    gripper_kind: str
    extra_fields: dict[str, FieldSpec]
    uses_physics: bool
    datapoints: Callable[..., dict[str, np.ndarray]]
    label: Callable[[SynthConfig], tuple[str, float]]
    summary: Callable[[dict[str, np.ndarray], SynthConfig], dict[str, Any]]

    @property
    def name(self) -> str:
        return self.spec.name

    def output_fields(self) -> dict[str, FieldSpec]:
        """The fields written: the published ones plus ours."""
        return {**self.spec.fields, **self.extra_fields}


def centre_of_mass(mesh: trimesh.Trimesh) -> np.ndarray:
    """(3,) float64 -- centre of mass of the solid (its hull when the mesh is not watertight), metres."""
    solid = mesh if mesh.is_watertight and mesh.volume > 0 else mesh.convex_hull
    return np.asarray(solid.center_mass, dtype=np.float64)


def to_camera(points: np.ndarray, T_table_cam: np.ndarray) -> np.ndarray:
    """(n, 3) points from the table frame into the camera frame, metres."""
    return matmul(points - T_table_cam[:3, 3], T_table_cam[:3, :3])  # not @: BLAS bits vary by CPU


def object_centre_px(mesh_t: trimesh.Trimesh, T_table_cam: np.ndarray, intr: Intrinsics) -> np.ndarray:
    """(2,) pixel (u, v) of the resting object's bounding-box centre."""
    return intr.project(to_camera(mesh_t.bounds.mean(axis=0)[None], T_table_cam))[0]


def stack(parts: list[dict]) -> dict[str, np.ndarray]:
    """Concatenate per-view field dicts into one object's arrays."""
    return {name: np.concatenate([p[name] for p in parts]) for name in parts[0]}
