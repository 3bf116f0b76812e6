"""The success test, shared by every backend: labels, failure phase and reason, and a score from trajectories.

GraspDataGen calls a grasp good on one frame of nonzero finger contact with anything (§10-11). Here
a trial is **held** when, checked in this order (the ``contact`` rule skips 3):

1. it did not start deeper than ``max_start_penetration`` inside the object (else phase "start");
2. at the end of the close both fingers press on the object and the pads are not fully closed
   (else "close", "missed");
3. from the end of the close to the end, the object's pose in the hand frame never drifted more than
   ``max_translation`` / ``max_rotation`` (else the phase where it first did, "slipped" or "rotated");
4. at the end both fingers still press on the object with the pads apart (else "end", "lost_contact").

The **score** in [0, 1] is >= 0.5 exactly for held trials: 0.5 + 0.5 (1 - the larger drift fraction
of its threshold) when held; 0.49 x the fraction of the post-close time the object stayed within the
thresholds when it slipped, rotated or lost contact; 0 when it was never held.
"""

from __future__ import annotations

import numpy as np

from dexgen import portable
from dexgen.params.sim import SimConfig, SuccessConfig
from dexgen.records.trials import PHASES, REASONS, Trials


def relative_poses(hand_pos, hand_quat, obj_pos, obj_quat) -> tuple[np.ndarray, np.ndarray]:
    """Object pose in the hand frame: positions (..., 3) metres and rotations (..., 3, 3).

    hand_pos, obj_pos : (..., 3) world positions; hand_quat, obj_quat : (..., 4) wxyz unit quaternions.
    """
    r_hand = quat_to_matrix(hand_quat)
    r_obj = quat_to_matrix(obj_quat)
    pos = np.einsum("...ji,...j->...i", r_hand, obj_pos - hand_pos)
    rot = np.einsum("...ji,...jk->...ik", r_hand, r_obj)
    return pos, rot


def quat_to_matrix(q: np.ndarray) -> np.ndarray:
    """(..., 3, 3) rotation matrices of (..., 4) wxyz quaternions (normalised here)."""
    q = q / np.linalg.norm(q, axis=-1, keepdims=True)
    w, x, y, z = np.moveaxis(q, -1, 0)
    return np.stack(
        [
            np.stack([1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)], axis=-1),
            np.stack([2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)], axis=-1),
            np.stack([2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)], axis=-1),
        ],
        axis=-2,
    )


def rotation_angle(rel: np.ndarray) -> np.ndarray:
    """Angle in degrees of rotations (..., 3, 3)."""
    cos = (np.trace(rel, axis1=-2, axis2=-1) - 1) / 2
    return np.rad2deg(portable.arccos(np.clip(cos, -1.0, 1.0)))  # numpy's arccos bits vary by CPU


def drift(rel_pos: np.ndarray, rel_rot: np.ndarray, ref: int) -> tuple[np.ndarray, np.ndarray]:
    """Translation (b, t) metres and rotation (b, t) degrees of the object in the hand frame vs step ``ref``.

    rel_pos : (b, t, 3); rel_rot : (b, t, 3, 3) -- object in the hand frame per step
    """
    return drift_from(rel_pos, rel_rot, rel_pos[:, ref], rel_rot[:, ref])


def drift_from(
    rel_pos: np.ndarray, rel_rot: np.ndarray, pos0: np.ndarray, rot0: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`drift` against given reference poses pos0 (b, 3), rot0 (b, 3, 3), for a segment of a trial:
    the same arithmetic as over the whole trial, so an early exit decides exactly as the labels do."""
    d_t = np.linalg.norm(rel_pos - pos0[:, None], axis=-1)
    d_r = rotation_angle(np.einsum("bji,btjk->btik", rot0, rel_rot))
    return d_t, d_r


def peak_drift(d_t: np.ndarray, d_r: np.ndarray, ref: int) -> tuple[np.ndarray, np.ndarray]:
    """The largest translation (b,) metres and rotation (b,) degrees of :func:`drift` over the steps after
    ``ref`` (the lift, tugs and shake): what the end drift misses when an object slid and came to rest.
    A trial whose state stopped changing (stopped at the close, or early) keeps its last value, so its
    peak covers the steps it simulated; 0 when nothing follows ``ref``."""
    after = slice(ref, d_t.shape[1])  # step ref has drift 0: the max is 0 when nothing follows it
    return d_t[:, after].max(axis=1, initial=0.0), d_r[:, after].max(axis=1, initial=0.0)


def _crossed(
    opening: np.ndarray, depth: np.ndarray | None, min_opening: float, cfg: SuccessConfig, stops_hold: bool
) -> np.ndarray:
    """(b,) bool: the gripper sank deeper than ``max_penetration`` into the object (``closed_penetration``
    with the pads fully closed), or the pads closed ``max_penetration`` past their stop. The stops give
    way ~1 mm at 235 N (MuJoCo, PhysX) where crossed pads go far; soft stops (Newton's): no stop test."""
    closed = min_opening + cfg.closed_margin
    past_stop = min_opening - cfg.max_penetration if stops_hold else -np.inf
    depth = np.zeros(len(opening)) if depth is None else depth
    deep = (depth > cfg.max_penetration) | ((opening <= closed) & (depth > cfg.closed_penetration))
    return deep | (opening < past_stop)


def label_trials(
    *,
    d_t: np.ndarray,
    d_r: np.ndarray,
    phase_of_step: np.ndarray,
    ref: int,
    start_penetration: np.ndarray,
    touch_close: np.ndarray,
    touch_end: np.ndarray,
    opening_close: np.ndarray,
    opening_end: np.ndarray,
    finite: np.ndarray,
    min_opening: float,
    cfg: SuccessConfig,
    check_drift: bool = True,
    depth_close: np.ndarray | None = None,
    depth_end: np.ndarray | None = None,
    stops_hold: bool = True,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(success (b,) bool, score (b,) float64, phase (b,) int8, reason (b,) int8) of a batch.

    ``check_drift`` false skips step 3 (the ``contact`` success rule, GraspDataGen's): a held trial's
    score still grades its drift.

    d_t, d_r : (b, t) drift per step (see :func:`drift`); touch_* : (b, 2) bool, both fingers pressing;
    opening_* : (b,) pad opening, metres; start_penetration : (b,) metres; finite : (b,) no NaN in the state;
    depth_* : (b,) metres the gripper sits inside the object at the end of the close / at the end (None: not
    measured). A trial whose gripper sank deeper than ``cfg.max_penetration`` (or ``cfg.closed_penetration`` with
    the pads fully closed), or whose pads closed ``max_penetration`` past their stop (through each other; only
    where ``stops_hold``: an engine with soft joint limits closes that far on air), "crossed": its pads went through the object, which is never a plain miss.
    """
    b, nstep = d_t.shape
    phase = np.zeros(b, dtype=np.int8)
    reason = np.zeros(b, dtype=np.int8)
    score = np.zeros(b)
    decided = np.zeros(b, dtype=bool)

    def fail(mask: np.ndarray, ph: np.ndarray | int, why: str) -> None:
        mask = mask & ~decided
        phase[mask] = ph[mask] if isinstance(ph, np.ndarray) else ph
        reason[mask] = REASONS.index(why)
        decided[mask] = True

    fail(~finite, PHASES.index("end"), "unstable")
    fail(start_penetration > cfg.max_start_penetration, PHASES.index("start"), "start_penetration")
    closed = min_opening + cfg.closed_margin
    for when, opening, depth in (("close", opening_close, depth_close), ("end", opening_end, depth_end)):
        fail(_crossed(opening, depth, min_opening, cfg, stops_hold), PHASES.index(when), "crossed")
    fail(~touch_close.all(axis=1) | (opening_close <= closed), PHASES.index("close"), "missed")

    after = slice(ref + 1, nstep)
    over_t = d_t[:, after] > cfg.max_translation
    over_r = d_r[:, after] > cfg.max_rotation
    over = (over_t | over_r) & check_drift
    first = np.where(over.any(axis=1), over.argmax(axis=1), over.shape[1])  # index within `after`
    survived = first / max(over.shape[1], 1)
    lost = first < over.shape[1]
    k = np.minimum(first, over.shape[1] - 1)
    first_phase = phase_of_step[after][k].astype(np.int8)
    by_translation = over_t[np.arange(b), k]
    score[lost & ~decided] = 0.49 * survived[lost & ~decided]
    fail(lost & by_translation, first_phase, "slipped")
    fail(lost & ~by_translation, first_phase, "rotated")
    apart = ~touch_end.all(axis=1) | (opening_end <= closed)
    score[apart & ~decided] = 0.49
    fail(apart, PHASES.index("end"), "lost_contact")

    success = ~decided
    frac = np.maximum(d_t[:, -1] / max(cfg.max_translation, 1e-12), d_r[:, -1] / max(cfg.max_rotation, 1e-12))
    score[success] = 0.5 + 0.5 * (1.0 - np.clip(frac[success], 0.0, 1.0))
    return success, score, phase, reason


def trials_from_motion(
    rel_pos: np.ndarray,
    rel_rot: np.ndarray,
    *,
    phase_of_step: np.ndarray,
    ref: int,
    cfg: SimConfig,
    start_penetration: np.ndarray,
    opening_end: np.ndarray,
    **contacts: np.ndarray | float | bool,
) -> Trials:
    """A batch's :class:`Trials` from the object's pose in the hand at every step, (b, nstep, 3) and
    (b, nstep, 3, 3), and the contacts at the end of the close and at the end (``contacts``: the rest of
    :func:`label_trials`' arguments): every engine's last step, so their labels and records agree by
    construction."""
    last = rel_pos.shape[1] - 1
    d_t, d_r = drift(rel_pos, rel_rot, ref)
    peak_t, peak_r = peak_drift(d_t, d_r, ref)
    success, score, phase, reason = label_trials(
        d_t=d_t,
        d_r=d_r,
        phase_of_step=phase_of_step,
        ref=ref,
        start_penetration=start_penetration,
        opening_end=opening_end,
        cfg=cfg.success,
        check_drift=cfg.protocol.success_rule == "held",
        **contacts,
    )
    hand_T_obj = np.broadcast_to(np.eye(4), (len(success), 4, 4)).copy()
    hand_T_obj[:, :3, :3] = rel_rot[:, last]
    hand_T_obj[:, :3, 3] = rel_pos[:, last]
    return Trials(
        success=success,
        score=score,
        phase=phase,
        reason=reason,
        final_poses=portable.rigid_inverse(hand_T_obj),  # gripper base in the object frame
        translation_drift=d_t[:, last],
        rotation_drift=d_r[:, last],
        start_penetration=start_penetration,
        final_opening=opening_end,
        peak_translation_drift=peak_t,
        peak_rotation_drift=peak_r,
    )
