"""Which grasps of one object go into its GraspGen file, and with which label.

- **Positives** (``true``): simulation successes at their *input* pose; under ``guess_only``,
  collision-free guesses (never physically validated, as in GraspDataGen). With a motion limit
  (``graspgen.max_motion_translation`` / ``max_motion_rotation``) a success whose object moved farther in
  the hand (its peak drift) is a failure instead: a negative, not a dropped grasp, since a stricter rule
  (the ``held`` rule's drift test) would have failed that trial, and GraspGen learns from its negatives.
- **Negatives** (``false``): simulation failures at their *input* pose (GraspDataGen stores them at the
  post-simulation pose, where a lost object may be far from the gripper, graspdatagen.md §6) mixed
  with colliding guesses by ``colliding_fraction``; a kind that runs short is topped up from the other
  when ``negative_topup``. Under ``guess_only`` all negatives are colliding guesses.

Which ones are kept is a seeded random subset (GraspDataGen keeps the first ones), in input order;
grasps loaded from an existing file (``--load_guesses`` negatives, ``--fill_grasps``) come first.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from dexgen.params.graspgen import GraspgenConfig

KINDS = ("sim_success", "guess_free", "loaded_positive", "sim_failure", "colliding", "loaded_negative")


@dataclasses.dataclass
class ObjectResult:
    """What the export needs of one object (the small interface between guess/sim outputs and GraspGen).

    key : object key (GraspDataGen object-scales key; the GraspGen ``object.file`` / split line)
    scale : the object-scales scale (raw mesh -> metres); mesh_path : processed mesh, scaled, metres
    trial_poses : (n, 4, 4) float64 -- simulated grasps at their INPUT pose, base link in the object frame, metres
    trial_success : (n,) bool -- held in simulation
    trial_peak_translation, trial_peak_rotation : (n,) float64 -- peak drift of the object in the hand after
        the close, metres / degrees (None: not known, and then no motion limit can be applied)
    free_poses : (m, 4, 4) float64 -- collision-free guesses (the positives under guess_only)
    colliding_poses : (k, 4, 4) float64 -- colliding guesses (never simulated)
    loaded_poses / loaded_success : grasps kept from an existing file (``--load_guesses`` negatives)
    inputs : content hashes of what this came from (mesh, guess file, sim file), for provenance
    """

    key: str
    scale: float
    mesh_path: str
    trial_poses: np.ndarray
    trial_success: np.ndarray
    free_poses: np.ndarray
    colliding_poses: np.ndarray
    loaded_poses: np.ndarray = dataclasses.field(default_factory=lambda: np.zeros((0, 4, 4)))
    loaded_success: np.ndarray = dataclasses.field(default_factory=lambda: np.zeros(0, bool))
    inputs: dict[str, str] = dataclasses.field(default_factory=dict)
    trial_peak_translation: np.ndarray | None = None
    trial_peak_rotation: np.ndarray | None = None


@dataclasses.dataclass
class Selection:
    """transforms : (n, 4, 4) float64; success : (n,) bool; kind : (n,) int8 index into KINDS;
    moved : held trials made negatives by the motion limit (0 without one)."""

    transforms: np.ndarray
    success: np.ndarray
    kind: np.ndarray
    moved: int = 0

    def counts(self) -> dict[str, int]:
        return {name: int((self.kind == i).sum()) for i, name in enumerate(KINDS)}


def _pick(n: int, k: int, rng: np.random.Generator) -> np.ndarray:
    """``k`` of ``range(n)`` at random, returned in increasing order."""
    k = min(k, n)
    return np.sort(rng.choice(n, size=k, replace=False)) if k < n else np.arange(n)


def negative_quota(
    want: int, fraction: float, available_failures: int, available_colliding: int, *, topup: bool
) -> tuple[int, int]:
    """(sim failures, colliding guesses) to keep out of ``want`` negatives."""
    want_coll = int(round(want * fraction))
    n_coll = min(want_coll, available_colliding)
    n_fail = min(want - want_coll, available_failures)
    if topup:
        spare = want - n_coll - n_fail
        extra = min(spare, available_failures - n_fail)
        n_fail += extra
        n_coll += min(spare - extra, available_colliding - n_coll)
    return n_fail, n_coll


def moved_past_limit(result: ObjectResult, cfg: GraspgenConfig) -> np.ndarray:
    """(n,) bool: the held trials whose object moved past the motion limit (none without a limit)."""
    success = np.asarray(result.trial_success, dtype=bool)
    if not cfg.motion_limited:
        return np.zeros(len(success), dtype=bool)
    if result.trial_peak_translation is None or result.trial_peak_rotation is None:
        raise ValueError(f"{result.key}: a motion limit needs each trial's peak drift, and none was given")
    over = np.zeros(len(success), dtype=bool)
    for peaks, limit in (
        (result.trial_peak_translation, cfg.max_motion_translation),
        (result.trial_peak_rotation, cfg.max_motion_rotation),
    ):
        if limit is not None:
            over |= np.asarray(peaks, dtype=np.float64).reshape(-1) > limit
    return success & over


def select_grasps(result: ObjectResult, cfg: GraspgenConfig, rng: np.random.Generator) -> Selection:
    """The grasps of one object's file: positives first, then negatives (see module docstring)."""
    moved = moved_past_limit(result, cfg)
    success = np.asarray(result.trial_success, dtype=bool) & ~moved
    trials = np.asarray(result.trial_poses, dtype=np.float64).reshape(-1, 4, 4)
    loaded = np.asarray(result.loaded_poses, dtype=np.float64).reshape(-1, 4, 4)
    loaded_ok = np.asarray(result.loaded_success, dtype=bool)
    colliding = np.asarray(result.colliding_poses, dtype=np.float64).reshape(-1, 4, 4)
    if cfg.guess_only:
        pos_sources = [(np.asarray(result.free_poses, dtype=np.float64).reshape(-1, 4, 4), "guess_free")]
        failures = np.zeros((0, 4, 4))
    else:
        pos_sources = [(trials[success], "sim_success")]
        failures = trials[~success]
    pos_sources.insert(0, (loaded[loaded_ok], "loaded_positive"))  # kept grasps first (--fill_grasps)
    parts: list[tuple[np.ndarray, bool, str]] = []
    left = cfg.num_collision_free_grasps
    for poses, kind in pos_sources:
        idx = _pick(len(poses), left, rng)
        parts.append((poses[idx], True, kind))
        left -= len(idx)
    negatives = cfg.num_colliding_grasps
    kept_loaded = loaded[~loaded_ok][_pick(int((~loaded_ok).sum()), negatives, rng)]
    negatives -= len(kept_loaded)
    n_fail, n_coll = negative_quota(
        negatives, cfg.colliding_fraction, len(failures), len(colliding), topup=cfg.negative_topup
    )
    parts.append((kept_loaded, False, "loaded_negative"))
    parts.append((failures[_pick(len(failures), n_fail, rng)], False, "sim_failure"))
    parts.append((colliding[_pick(len(colliding), n_coll, rng)], False, "colliding"))
    return Selection(
        transforms=np.concatenate([p for p, _, _ in parts]).reshape(-1, 4, 4),
        success=np.concatenate([np.full(len(p), ok) for p, ok, _ in parts]).astype(bool),
        kind=np.concatenate([np.full(len(p), KINDS.index(k), np.int8) for p, _, k in parts]).astype(np.int8),
        moved=int(moved.sum()),
    )
