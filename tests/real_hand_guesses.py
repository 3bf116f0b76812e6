"""Test helper: guess files for a real hand, written with the records writers (no guess stage needed).

Poses are hand-picked top-down grasps: across the middle of the object (``good``) and one stroke beside
it (``miss``), so a simulation of any hand that works holds the first and not the second.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from dexgen.grippers.model import GripperModel
from dexgen.records.guesses import (
    FREE,
    NO_SAMPLER,
    NONE,
    ObjectGuesses,
    guess_meta,
    guess_provenance,
    write_guesses,
)
from dexgen.records.objects import mesh_stem, read_index

TOP_DOWN = np.diag([1.0, -1.0, -1.0])  # approach (+z) along the object's -z, closing along its +x


def top_down(model: GripperModel, tcp) -> np.ndarray:
    """(4, 4) gripper base in the object frame with the TCP (pads' bite points, open) at ``tcp``."""
    pose = np.eye(4)
    pose[:3, :3] = TOP_DOWN
    pose[:3, 3] = np.asarray(tcp, dtype=np.float64) + model.tcp_depth() * np.array([0.0, 0.0, 1.0])
    return pose


TIP_CLEARANCE = 0.012  # metres of the object's top the TCP sits below: the 2F-85's inner knuckles
# swing in 20 mm above its TCP, so a deeper grasp of a box hits them, not the pads (a real-hand effect)


def good_and_miss(model: GripperModel, half_extents) -> tuple[np.ndarray, np.ndarray]:
    """(2, 4, 4) poses [across the middle near the top, beside the object] of an object centred at the
    origin with ``half_extents`` (x, y, z), and (2,) openings (95 % of the stroke)."""
    hx, _, hz = half_extents
    tcp = np.array([0.0, 0.0, hz - TIP_CLEARANCE])
    poses = np.array([top_down(model, tcp), top_down(model, tcp + [hx + model.stroke, 0, 0])])
    return poses, np.full(2, 0.95 * model.stroke)


def write_real_hand_guesses(objects: Path, out: Path, model: GripperModel) -> None:
    """One guess file per object of the shard ``objects``: [good, miss] labelled collision-free."""
    out.mkdir(parents=True, exist_ok=True)
    for record in read_index(objects):
        poses, openings = good_and_miss(model, np.asarray(record.extents) / 2)
        n = len(poses)
        nan = np.full((n, 2, 3), np.nan)
        guesses = ObjectGuesses(
            poses=poses,
            widths=np.full(n, record.extents[0]),
            openings=openings,
            contacts=nan,
            normals=nan.copy(),
            labels=np.full(n, FREE, dtype=np.int8),
            reasons=np.full(n, NONE, dtype=np.int8),
            samplers=np.full(n, NO_SAMPLER, dtype=np.int8),
            stats={},
        )
        prov = guess_provenance(record, model, seed=0, params={}, code="dexgen.records.guesses")
        write_guesses(out / f"{mesh_stem(record)}.npz", guesses, guess_meta(record, model, {}, prov=prov))
