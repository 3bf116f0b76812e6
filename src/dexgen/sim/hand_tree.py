"""A real hand's joints for simulation, recovered from its opening table and its body tree.

A :class:`~dexgen.grippers.model.GripperModel` holds every body's exact pose at each table row and,
from its importer, each body's parent. Between a body and its parent the motion over the stroke is
one joint: a fixed attachment, a turn about a fixed axis through a fixed point (revolute), or a
slide along a fixed axis (prismatic). That joint is read off the rows (axis and pivot by least
squares, its value at each row), so URDF mimic joints, MJCF joint equalities and USD PhysX mimic joints
all become the same thing without re-reading the description: joints whose value is a polynomial of
one *leader* joint, which MuJoCo's joint equality (``polycoef``, up to 4th order) enforces. The
leader is the moving joint whose value follows the driven joint linearly with the largest travel
(the driven joint itself wherever its link carries a mesh); its range is the stroke, which ends where
the pads meet. Joint values are 0 at the open row, where every body's spec pose is taken.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
from scipy.spatial.transform import Rotation

from dexgen.errors import InputError
from dexgen.grippers.model import GripperModel
from dexgen.portable import dot, matmul, norm, rigid_inverse

FIXED_TOL = 1e-9  # metres / radians: a relative motion this small over the stroke is a fixed attachment
JOINT_TOL = 1e-6  # metres: a motion farther than this from one axis is not a single joint
LINEAR_TOL = 1e-9  # radians or metres: a follower this close to a line is a mimic (degree 1)
POLY_DEGREE = 4  # MuJoCo's joint equality: q1 = c0 + c1 q2 + ... + c4 q2^4
FINE = 257  # openings sampled for the opening <-> leader map


@dataclasses.dataclass(frozen=True)
class HandJoint:
    """How one body hangs on its parent: ``rest`` (4, 4) its pose in the parent frame at the open row;
    a ``kind`` joint (``fixed``, ``hinge``, ``slide``) on ``axis`` through ``pivot`` (body frame);
    ``values`` (m,) the joint value at each table row; ``poly`` its value as a polynomial of the leader's."""

    body: int
    parent: int  # -1: the base frame
    rest: np.ndarray
    kind: str
    axis: np.ndarray
    pivot: np.ndarray
    values: np.ndarray
    poly: np.ndarray | None = None


@dataclasses.dataclass(frozen=True)
class HandTree:
    """Every body's joint, parents before children, the leader's index in ``joints``, and the map
    between pad opening and leader value (``fine_openings`` decreasing, ``fine_leader`` matching)."""

    joints: tuple[HandJoint, ...]
    leader: int
    fine_openings: np.ndarray
    fine_leader: np.ndarray

    @property
    def moving(self) -> tuple[int, ...]:
        """Indices in ``joints`` of the moving joints, leader first (the order of their qpos)."""
        rest = [k for k, j in enumerate(self.joints) if j.kind != "fixed" and k != self.leader]
        return (self.leader, *rest)

    def leader_at(self, openings: np.ndarray) -> np.ndarray:
        """(n,) the leader's value at pad ``openings`` (n,) metres."""
        return np.interp(openings, self.fine_openings[::-1], self.fine_leader[::-1])

    def opening_at(self, leader: np.ndarray) -> np.ndarray:
        """(...) the pad opening, metres, at leader values (...)."""
        lead = self.fine_leader
        order = np.argsort(lead, kind="stable")
        return np.interp(leader, lead[order], self.fine_openings[order])

    def values_at(self, openings: np.ndarray) -> np.ndarray:
        """(n, k) every moving joint's value (``moving`` order) at pad ``openings`` (n,)."""
        lead = self.leader_at(np.asarray(openings, dtype=np.float64))
        cols = [lead if k == self.leader else follow(self.joints[k].poly, lead) for k in self.moving]
        return np.stack(cols, axis=-1)

    @property
    def leader_end(self) -> float:
        """The leader's value at the end of the stroke (its range is 0 .. this)."""
        return float(self.joints[self.leader].values[-1])


def follow(poly: np.ndarray, lead: np.ndarray) -> np.ndarray:
    """A follower's value at leader values ``lead``, as MuJoCo's joint equality computes it."""
    return sum(c * lead**k for k, c in enumerate(poly))


def hand_tree(model: GripperModel) -> HandTree:
    """The joints of ``model`` (it must know its bodies' parents), fitted to its opening table."""
    if model.parents is None:
        raise InputError(f"{model.source}: {model.name} has no body tree to simulate its joints on")
    order = _tree_order(model.parents)
    joints = tuple(_fit(model, b) for b in order)
    leader = _leader(model, joints)
    lead = joints[leader].values
    fitted = tuple(
        j if j.kind == "fixed" or k == leader else dataclasses.replace(j, poly=_poly(model, j, lead))
        for k, j in enumerate(joints)
    )
    fine = np.linspace(model.stroke, model.min_opening, FINE)
    probe = _fit_values(model, fitted[leader], model.body_poses(fine))
    return HandTree(fitted, leader, fine, probe)


def _tree_order(parents: tuple[int, ...]) -> list[int]:
    """Body indices with every parent before its children."""
    order: list[int] = []
    while len(order) < len(parents):
        added = [b for b, p in enumerate(parents) if b not in order and (p == -1 or p in order)]
        if not added:
            raise ValueError(f"parents {parents} form a loop")
        order += added
    return order


def _relative(model: GripperModel, joint_body: int, parent: int, poses: np.ndarray) -> np.ndarray:
    """(k, 4, 4) the body in its parent's frame at each of ``poses`` (k, n, 4, 4)."""
    child = poses[:, joint_body]
    if parent < 0:
        return child
    return matmul(rigid_inverse(poses[:, parent]), child)


def _fit(model: GripperModel, body: int) -> HandJoint:
    """The one joint that carries ``body`` on its parent over the table rows."""
    parent = model.parents[body]
    rel = _relative(model, body, parent, model.poses)
    motion = matmul(np.broadcast_to(rigid_inverse(rel[0]), rel.shape), rel)  # (m, 4, 4), open body frame
    turn = Rotation.from_matrix(motion[:, :3, :3]).as_rotvec()
    shift = motion[:, :3, 3]
    name = model.bodies[body]
    zero = np.zeros(3)
    if np.abs(turn).max() < FIXED_TOL and np.abs(shift).max() < FIXED_TOL:
        return HandJoint(body, parent, rel[0], "fixed", np.array([0.0, 0.0, 1.0]), zero, np.zeros(len(rel)))
    if np.abs(turn).max() < FIXED_TOL:
        far = shift[np.argmax(norm(shift))]
        axis = far / norm(far)
        values = dot(shift, axis)
        if np.abs(shift - values[:, None] * axis).max() > JOINT_TOL:
            raise _not_one_joint(model, name, "slides off a straight line")
        return HandJoint(body, parent, rel[0], "slide", axis, zero, values)
    k = int(np.argmax(norm(turn)))
    axis = turn[k] / norm(turn[k])
    values = dot(turn, axis)
    if np.abs(turn - values[:, None] * axis).max() > JOINT_TOL:
        raise _not_one_joint(model, name, "turns about a moving axis")
    # a turn by angle v about ``axis`` through p (p normal to the axis): shift = (I - R) p, whose inverse
    # is p = (shift + cot(v / 2) axis x shift) / 2; read off the widest turn, checked on every row
    half = 0.5 * values[k]
    pivot = 0.5 * (shift[k] + (math.cos(half) / math.sin(half)) * np.cross(axis, shift[k]))
    moved = (
        pivot[None] - matmul(motion[:, :3, :3], np.broadcast_to(pivot[:, None], (len(motion), 3, 1)))[..., 0]
    )
    if np.abs(moved - shift).max() > JOINT_TOL:
        raise _not_one_joint(model, name, "turns about a moving pivot")
    return HandJoint(body, parent, rel[0], "hinge", axis, pivot, values)


def _not_one_joint(model: GripperModel, body: str, how: str) -> InputError:
    return InputError(
        f"{model.source}: body {body!r} {how} relative to its parent over the stroke; a simulated hand "
        "needs one hinge or slide joint between two bodies with collision geometry"
    )


def _leader(model: GripperModel, joints: tuple[HandJoint, ...]) -> int:
    """The moving joint linear in the drive with the largest travel (else the largest travel)."""
    drive = model.drive - model.drive[0]
    moving = [k for k, j in enumerate(joints) if j.kind != "fixed"]
    if not moving:
        raise InputError(f"{model.source}: no body of {model.name} moves with the driven joint")

    def linear(j: HandJoint) -> bool:
        slope = j.values[-1] / drive[-1]
        return bool(np.abs(j.values - slope * drive).max() < LINEAR_TOL * max(1.0, abs(j.values[-1])))

    def travel(k: int) -> float:
        return abs(joints[k].values[-1])

    linear_ones = [k for k in moving if linear(joints[k])]
    best = max(linear_ones or moving, key=travel)
    if not np.all(np.diff(joints[best].values) * np.sign(joints[best].values[-1]) > 0):
        raise InputError(
            f"{model.source}: no joint of {model.name} moves steadily with {model.driven_joint!r}"
        )
    return best


def _poly(model: GripperModel, joint: HandJoint, lead: np.ndarray) -> np.ndarray:
    """(5,) polynomial coefficients of the joint's value in the leader's (exact line for a mimic)."""
    slope = joint.values[-1] / lead[-1]
    out = np.zeros(POLY_DEGREE + 1)
    if np.abs(joint.values - slope * lead).max() < LINEAR_TOL * max(1.0, abs(joint.values[-1])):
        out[1] = slope
        return out
    degree = min(POLY_DEGREE, len(lead) - 1)
    out[: degree + 1] = np.polynomial.polynomial.polyfit(lead, joint.values, degree)
    if np.abs(follow(out, lead) - joint.values).max() > 1e-4:
        raise InputError(
            f"{model.source}: body {model.bodies[joint.body]!r} does not follow the leader joint as a "
            f"polynomial of degree {POLY_DEGREE} (MuJoCo's joint equality)"
        )
    return out


def _fit_values(model: GripperModel, joint: HandJoint, poses: np.ndarray) -> np.ndarray:
    """(k,) ``joint``'s value at each of ``poses`` (k, n, 4, 4)."""
    rel = _relative(model, joint.body, joint.parent, poses)
    motion = matmul(np.broadcast_to(rigid_inverse(joint.rest), rel.shape), rel)
    if joint.kind == "slide":
        return dot(motion[:, :3, 3], joint.axis)
    return dot(Rotation.from_matrix(motion[:, :3, :3]).as_rotvec(), joint.axis)
