"""Per-object guess files: ``<out>/<mesh stem>.npz``, byte-identical for the same inputs.

Members (all little-endian ``.npy`` plus one JSON):

- ``poses.npy`` (n, 4, 4) float64 -- gripper base in the scaled object frame, metres; +z approach,
  +x closing (GraspGen convention)
- ``widths.npy`` (n,) float64 -- contact separation, metres (NaN for random poses)
- ``openings.npy`` (n,) float64 -- pre-grasp pad opening, metres
- ``contacts.npy``, ``normals.npy`` (n, 2, 3) float64 -- [finger_neg, finger_pos] contact points and
  outward normals, object frame (NaN for random poses)
- ``labels.npy`` (n,) int8 -- index into ``meta.labels``; ``reasons.npy`` (n,) int8 -- index into ``meta.reasons``
- ``samplers.npy`` (n,) int8 -- which sampler proposed each guess, index into ``meta.samplers`` (-1: none,
  the random poses and grasps loaded from elsewhere)
- ``meta.json`` -- object key, the gripper block (:mod:`dexgen.records.grippers`), label/reason names,
  provenance, stats (counts, shortfall)

``np.load(path)`` reads the arrays. The zip is written with a fixed timestamp and no compression so
equal content gives equal bytes.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np

from dexgen.errors import InputError
from dexgen.grippers.spec import Gripper
from dexgen.params.guess import SAMPLER_NAMES
from dexgen.provenance import provenance
from dexgen.records import npz
from dexgen.records.grippers import gripper_record
from dexgen.records.objects import ObjectRecord, check_made_for

FORMAT_VERSION = 3  # 2: the gripper block replaced the bare gripper name; 3: samplers.npy
LABELS = ("collision_free", "colliding", "random")  # label codes stored as int8 indices
FREE, COLLIDING, RANDOM = 0, 1, 2
REASONS = ("none", "finger", "palm")  # collision reason codes stored as int8 indices
NONE, FINGER, PALM = 0, 1, 2
SAMPLERS = SAMPLER_NAMES  # sampler codes stored as int8 indices
NO_SAMPLER = -1
ARRAYS = ("poses", "widths", "openings", "contacts", "normals", "labels", "reasons", "samplers")


@dataclasses.dataclass
class ObjectGuesses:
    """All guesses of one object, collision-free first, then colliding, then random poses.

    poses : (n, 4, 4) float64 -- gripper base in the scaled object frame, metres (+z approach, +x closing)
    widths : (n,) float64 -- contact separation, metres (NaN for random poses)
    openings : (n,) float64 -- pre-grasp pad opening, metres (the narrowest tested one if colliding)
    contacts, normals : (n, 2, 3) float64 -- [finger_neg, finger_pos] contact points / outward normals (NaN for random)
    labels : (n,) int8 -- index into LABELS; reasons : (n,) int8 -- index into REASONS
    samplers : (n,) int8 -- index into SAMPLERS, NO_SAMPLER for random poses and loaded grasps
    stats : attempts, rejections, per-sampler yield, requested/found/shortfall per label
    """

    poses: np.ndarray
    widths: np.ndarray
    openings: np.ndarray
    contacts: np.ndarray
    normals: np.ndarray
    labels: np.ndarray
    reasons: np.ndarray
    samplers: np.ndarray
    stats: dict


def guess_provenance(
    record: ObjectRecord, gripper: Gripper, *, seed: int, params: Any, code: str
) -> dict[str, Any]:
    """The provenance a guess file carries (``code``: the module whose sources made it); a file whose
    provenance differs is redone."""
    return provenance(
        stage="guess",
        seed=seed,
        params=params,
        code=code,
        mesh_sha256=record.mesh_sha256,
        gripper_sha256=gripper.sha256,
    )


def guess_meta(
    record: ObjectRecord, gripper: Gripper, stats: dict[str, Any], *, prov: dict[str, Any]
) -> dict[str, Any]:
    """``meta.json`` of one object's guess file (``prov``: :func:`guess_provenance` or the workflow's)."""
    return {
        "object": record.key,
        "mesh": record.mesh,
        "gripper": gripper_record(gripper),
        "labels": list(LABELS),
        "reasons": list(REASONS),
        "samplers": list(SAMPLERS),
        "provenance": prov,
        "stats": stats,
    }


def write_guesses(path: str | Path, guesses: ObjectGuesses, meta: dict[str, Any]) -> None:
    """Write one object's guesses atomically (``meta`` gets ``format_version``)."""
    arrays = {name: getattr(guesses, name) for name in ARRAYS}
    npz.write(path, arrays, ARRAYS, {"format_version": FORMAT_VERSION, **meta})


def read_meta(path: str | Path) -> dict[str, Any] | None:
    """``meta.json`` of a guess file, or None if the file is missing or unreadable (then redo it)."""
    return npz.read_meta(path)


def read_guesses(
    path: str | Path, *, record: ObjectRecord | None
) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """(arrays by name, meta) of a guess file, refused unless made for ``record``'s key and mesh hash
    (None only where no object index is at hand, as for a file shown on its own); its poses are
    checked (:func:`check_poses`)."""
    arrays, meta = npz.read(path, ARRAYS, kind="guess", format_version=FORMAT_VERSION)
    if record is not None:
        check_made_for(meta, record, where=str(path))
    check_poses(arrays["poses"], where=str(path))
    return arrays, meta


# A pose's rotation may be this far from orthonormal (max abs error of R^T R - I): ours are exact to ~1e-15,
# and GraspDataGen's YAML quaternions round to ~1e-7; past this the file is not a pose list.
POSE_TOLERANCE = 1e-4


def check_poses(poses: np.ndarray, *, where: str) -> None:
    """Refuse poses that are not (n, 4, 4) finite rigid transforms, naming the first bad row: a NaN
    or a sheared pose would otherwise fail deep in the simulator (a LinAlgError) or label nonsense."""
    if poses.ndim != 3 or poses.shape[1:] != (4, 4):
        raise InputError(f"{where}: poses have shape {poses.shape}, expected (n, 4, 4)")
    rot = poses[:, :3, :3]
    err = np.abs(np.einsum("nji,njk->nik", rot, rot) - np.eye(3)).max(axis=(1, 2), initial=0.0)
    bad = ~np.isfinite(poses).all(axis=(1, 2)) | ~(err <= POSE_TOLERANCE)
    bad |= np.abs(poses[:, 3] - (0.0, 0.0, 0.0, 1.0)).max(axis=1, initial=0.0) > 0
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise InputError(
            f"{where}: poses row {row} is not a finite rigid transform ({int(bad.sum())} bad rows); "
            "re-run the guess stage"
        )


def rows_of(labels: np.ndarray, meta: dict[str, Any], name: str) -> np.ndarray:
    """Row indices (k,) int64 of the guesses labelled ``name`` (a LABELS entry) in a file with ``meta``."""
    return np.flatnonzero(labels == list(meta["labels"]).index(name))
