"""Guess and sim files of a real hand, written by the records writers with a real-hand gripper block.

The guessing and MuJoCo stages for real hands are built apart from the export; these files stand in
for theirs so the export is tested on its own: per box, top-down grasps with the TCP at the box
centre (8 held, 4 failed in "simulation"), 4 colliding guesses, all made with ``model``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import trimesh
from object_shards import write_shard

from dexgen.grippers.model import GripperModel
from dexgen.hashing import sha256_file
from dexgen.records.grippers import gripper_record
from dexgen.records.guesses import LABELS, NO_SAMPLER, ObjectGuesses, guess_meta, write_guesses
from dexgen.records.objects import read_index
from dexgen.records.trials import ARRAYS, write_results

BOXES = {"box_a": (0.04, 0.05, 0.06), "box_b": (0.05, 0.04, 0.05), "box_c": (0.03, 0.05, 0.05)}
HELD, FAILED, COLLIDING = 8, 4, 4


def top_down(n: int, depth: float, shift: float = 0.0) -> np.ndarray:
    """(n, 4, 4) base poses approaching straight down, the TCP at the origin, turned about z."""
    out = np.repeat(np.eye(4)[None], n, axis=0)
    for i in range(n):
        c, s = np.cos(np.pi * i / n), np.sin(np.pi * i / n)
        out[i, :3, :3] = np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]]) @ np.diag([1.0, -1.0, -1.0])
        out[i, :3, 3] = (shift + 0.002 * i, 0.0, depth)
    return out


def _guesses(model: GripperModel) -> ObjectGuesses:
    depth = model.tcp_depth()
    poses = np.concatenate([top_down(HELD + FAILED, depth), top_down(COLLIDING, depth - 0.03, 0.01)])
    n, free = len(poses), HELD + FAILED
    labels = np.r_[
        np.full(free, LABELS.index("collision_free")), np.full(COLLIDING, LABELS.index("colliding"))
    ]
    nan3 = np.full((n, 2, 3), np.nan)
    return ObjectGuesses(
        poses=poses,
        widths=np.full(n, np.nan),
        openings=np.full(n, model.stroke),
        contacts=nan3,
        normals=nan3.copy(),
        labels=labels.astype(np.int8),
        reasons=np.zeros(n, np.int8),
        samplers=np.full(n, NO_SAMPLER, np.int8),
        stats={"hand_written": n},
    )


def _trials(guesses: ObjectGuesses, rows: np.ndarray) -> dict[str, np.ndarray]:
    n = len(rows)
    success = np.arange(n) < HELD
    zeros = np.zeros(n)
    arrays = {
        "guess_index": rows.astype(np.int64),
        "labels": guesses.labels[rows],
        "poses": guesses.poses[rows],
        "openings": guesses.openings[rows],
        "final_poses": guesses.poses[rows],
        "success": success,
        "score": np.where(success, 0.9, 0.1),
        "phase": np.where(success, 0, 4).astype(np.int8),
        "reason": np.where(success, 0, 3).astype(np.int8),
        "translation_drift": zeros,
        "rotation_drift": zeros,
        "start_penetration": zeros,
        "final_opening": np.full(n, 0.03),
        "peak_translation_drift": zeros,
        "peak_rotation_drift": zeros,
    }
    return {k: arrays[k] for k in ARRAYS}


def write_real_hand_records(root: Path, model: GripperModel) -> tuple[Path, Path, Path]:
    """(objects root, guesses root, sim root) for the boxes of BOXES, every file made with ``model``."""
    shard = write_shard(root / "objects" / "shard-00", {k: trimesh.creation.box(v) for k, v in BOXES.items()})
    block = gripper_record(model)
    for record in read_index(shard):
        guesses = _guesses(model)
        guess_path = root / "guesses" / "shard-00" / f"{record.key}.npz"
        prov = {"stage": "guess", "mesh_sha256": record.mesh_sha256, "gripper_sha256": model.sha256}
        write_guesses(guess_path, guesses, guess_meta(record, model, guesses.stats, prov=prov))
        sim_prov = {**prov, "stage": "simulate", "guesses_sha256": sha256_file(guess_path)}
        sim_meta = {"object": record.key, "gripper": block, "engine": "hand-written", "provenance": sim_prov}
        rows = np.arange(HELD + FAILED)
        write_results(root / "sim" / "shard-00" / f"{record.key}.npz", _trials(guesses, rows), sim_meta)
    return root / "objects", root / "guesses", root / "sim"
