"""Which trials two engines are compared on: both outcomes in quantity.

Collision-free guesses alone are held ~99 % of the time on any sane engine, so agreeing on them says
little; random poses are almost never held. Near misses -- collision-free guesses moved by up to a few
centimetres and tilted by up to tens of degrees, then started wide open -- land on both sides of the
line, where engines can disagree. Every draw comes from the seed and the object's key.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import trimesh
from scipy.spatial.transform import Rotation

from dexgen.grippers.model import GripperModel
from dexgen.grippers.spec import ParallelJawGripper
from dexgen.guess.collision import GripperCollider
from dexgen.guess.model_collision import ModelCollider
from dexgen.params.compare import KINDS, SimCompareConfig
from dexgen.records.guesses import NONE


@dataclasses.dataclass
class TrialSet:
    """One object's compared trials. poses (n, 4, 4) gripper base in the object frame, metres;
    openings (n,) metres; kinds (n,) int8 into ``params.compare.KINDS``; source (n,) int64 the guess row
    each trial comes from (a near miss: the guess it perturbs)."""

    poses: np.ndarray
    openings: np.ndarray
    kinds: np.ndarray
    source: np.ndarray


def perturb(
    poses: np.ndarray, tcp_depth: float, rng: np.random.Generator, *, shift: float, tilt: float
) -> np.ndarray:
    """(n, 4, 4) copies of ``poses`` with the TCP moved up to ``shift`` metres and the gripper turned up to
    ``tilt`` degrees about a uniform axis through the TCP (lengths and angles uniform)."""
    n = len(poses)
    direction = rng.normal(size=(n, 3))
    direction /= np.linalg.norm(direction, axis=1, keepdims=True)
    move = direction * rng.uniform(0.0, shift, size=(n, 1))
    axis = rng.normal(size=(n, 3))
    axis /= np.linalg.norm(axis, axis=1, keepdims=True)
    turn = Rotation.from_rotvec(axis * np.deg2rad(rng.uniform(0.0, tilt, size=(n, 1)))).as_matrix()
    rot = turn @ poses[:, :3, :3]
    tcp = poses[:, :3, 3] + tcp_depth * poses[:, :3, 2] + move
    out = np.broadcast_to(np.eye(4), poses.shape).copy()
    out[:, :3, :3] = rot
    out[:, :3, 3] = tcp - tcp_depth * rot[:, :, 2]
    return out


def open_width(gripper: ParallelJawGripper | GripperModel) -> float:
    """Pad opening, metres, of the gripper wide open (a near miss starts there)."""
    return gripper.stroke


def _pick(rows: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
    return np.sort(rng.choice(rows, size=min(count, len(rows)), replace=False)) if len(rows) else rows


def trial_set(
    mesh: trimesh.Trimesh,
    gripper: ParallelJawGripper | GripperModel,
    guesses: dict[str, np.ndarray],
    label_names: list[str],
    cfg: SimCompareConfig,
    rng: np.random.Generator,
    *,
    clearance: float,
) -> TrialSet:
    """The compared trials of one object from its guess arrays (:func:`dexgen.records.guesses.read_guesses`).

    Near misses are kept only when the open gripper is collision-free (``clearance`` metres, the guess
    stage's); an object short of a kind gets fewer trials of it.
    """
    want = cfg.mix.counts(cfg.trials_per_object)
    labels = guesses["labels"]

    def rows_of(name: str) -> np.ndarray:
        return np.flatnonzero(labels == label_names.index(name)) if name in label_names else np.zeros(0, int)

    free = rows_of("collision_free")
    chosen = {
        "collision_free": _pick(free, want["collision_free"], rng),
        "random": _pick(rows_of("random"), want["random"], rng),
    }
    poses = [guesses["poses"][chosen["collision_free"]], guesses["poses"][chosen["random"]]]
    openings = [guesses["openings"][chosen["collision_free"]], guesses["openings"][chosen["random"]]]
    sources = [chosen["collision_free"], chosen["random"]]
    near, near_src = np.zeros((0, 4, 4)), np.zeros(0, dtype=np.int64)
    if len(free) and want["near_miss"]:
        hand = gripper.hand_model
        if hand is not None:  # a real hand: its bodies' meshes, the TCP of the open pads
            collider = ModelCollider(mesh, hand, clearance=clearance, opening_steps=2)
            tcp_depth = hand.tcp_depth(hand.stroke)
        else:
            collider = GripperCollider(mesh, gripper, clearance=clearance, opening_steps=2)
            tcp_depth = gripper.tcp_depth
        kept, src = [], []
        for _ in range(cfg.near_miss_attempts):
            if sum(len(k) for k in kept) >= want["near_miss"]:
                break
            base = rng.choice(free, size=want["near_miss"])
            moved = perturb(
                guesses["poses"][base],
                tcp_depth,
                rng,
                shift=cfg.near_miss_shift,
                tilt=cfg.near_miss_tilt,
            )
            ok = collider.check_open(moved) == NONE
            kept.append(moved[ok])
            src.append(base[ok])
        near = np.concatenate(kept)[: want["near_miss"]]
        near_src = np.concatenate(src)[: want["near_miss"]].astype(np.int64)
    poses.append(near)
    openings.append(np.full(len(near), open_width(gripper)))
    sources.append(near_src)
    kinds = np.concatenate([np.full(len(p), KINDS.index(k), dtype=np.int8) for p, k in zip(poses, KINDS)])
    return TrialSet(
        poses=np.concatenate(poses).astype(np.float64).reshape(-1, 4, 4),
        openings=np.concatenate(openings).astype(np.float64),
        kinds=kinds,
        source=np.concatenate(sources).astype(np.int64),
    )
