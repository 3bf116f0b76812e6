"""A real hand as engine-independent numbers for the Isaac Lab worker (parent side).

The worker authors the same hand the MuJoCo scene builds (:mod:`dexgen.sim.hand_spec`): the joints
fitted to the model's opening table (:mod:`dexgen.sim.hand_tree`), every body colliding with the convex
parts the MuJoCo path made (coacd for moving bodies, the hull for bodies fixed to the base), followers
tied to the leader (PhysX mimic joints: the fitted couplings of URDF mimics, MJCF equalities and USD
mimic joints are lines, ``q_f = c1 q_lead``), and a force-limited position drive on the leader with the
box finger's gains scaled by ``L^2 / 2`` and the torque ``force * L`` (``L``: pad opening per unit of
leader travel), so each pad squeezes with the closing force as in MuJoCo.

USD joints turn or slide about their frame's X axis only, so each joint's frame is the body's open pose
composed with a rotation taking X onto the fitted axis, placed at the fitted pivot. Masses and inertias
are computed here from the convex parts at ``sim.hand_density`` (MuJoCo's convex mesh inertia), not by
the engine, so both engines weigh the same links.
"""

from __future__ import annotations

import re

import numpy as np
import trimesh
from scipy.spatial.transform import Rotation

from dexgen.errors import ConfigError
from dexgen.params.sim import FingerDrive, SimConfig, closing_force_of, finger_drive
from dexgen.sim.hand_spec import SimHand
from dexgen.sim.hand_tree import follow

LEADER_JOINT = "finger_drive"  # the one driven joint
FOLLOWER_PREFIX = "finger_mimic_"  # + the follower's index, leader excluded
NONLINEAR_TOL = 1e-6  # rad or m over the stroke: a coupling farther than this from a line is refused


def hand_drive(hand: SimHand, cfg: SimConfig) -> FingerDrive:
    """The pads' servo: ``sim.closing_force``, else the description's force (a ConfigError when neither
    states one), with gains scaled to it as MuJoCo's (:func:`~dexgen.params.sim.finger_drive`)."""
    return finger_drive(closing_force_of(hand.model.closing_force, cfg, where=str(hand.model.source)), cfg)


def _prim_names(bodies: tuple[str, ...]) -> list[str]:
    """USD prim names of the hand's links: ``link_`` + the name with anything but [A-Za-z0-9_] as ``_``,
    the body index appended where two would clash."""
    out: list[str] = []
    for b, name in enumerate(bodies):
        prim = "link_" + re.sub(r"[^A-Za-z0-9_]", "_", name)
        out.append(f"{prim}_{b}" if prim in out else prim)
    return out


def _frame(matrix: np.ndarray) -> dict:
    """A rigid (4, 4) as the worker's {pos, quat wxyz}."""
    quat = Rotation.from_matrix(matrix[:3, :3]).as_quat(scalar_first=True)
    return {"pos": matrix[:3, 3].tolist(), "quat": quat.tolist()}


def _axis_frame(axis: np.ndarray, pivot: np.ndarray) -> np.ndarray:
    """(4, 4) a frame at ``pivot`` whose X axis is ``axis`` (unit)."""
    x = axis / np.linalg.norm(axis)
    helper = np.array([0.0, 0.0, 1.0]) if abs(x[2]) < 0.9 else np.array([1.0, 0.0, 0.0])
    y = np.cross(helper, x)
    y /= np.linalg.norm(y)
    out = np.eye(4)
    out[:3, :3] = np.column_stack([x, y, np.cross(x, y)])
    out[:3, 3] = pivot
    return out


def _mass_properties(parts, density: float, fallback: float) -> dict:
    """Mass, centre of mass, principal inertia and axes of a body's convex parts (each's hull) at ``density``."""
    mass, first, second = 0.0, np.zeros(3), np.zeros((3, 3))
    for vertices, _ in parts:
        hull = trimesh.convex.convex_hull(np.asarray(vertices, dtype=np.float64))
        volume = float(hull.volume)
        if not volume > 0:
            continue
        hull.density = density
        m, c = float(hull.mass), np.asarray(hull.center_mass)
        mass += m
        first += m * c
        second += np.asarray(hull.moment_inertia) + m * (np.dot(c, c) * np.eye(3) - np.outer(c, c))
    if mass <= 0:  # no volume to weigh: a light point, as the hand chain's links
        return {
            "mass": fallback,
            "com": [0.0, 0.0, 0.0],
            "inertia_diagonal": [fallback * 1e-4] * 3,
            "principal_axes": [1.0, 0.0, 0.0, 0.0],
        }
    com = first / mass
    inertia = second - mass * (np.dot(com, com) * np.eye(3) - np.outer(com, com))
    values, vectors = np.linalg.eigh(0.5 * (inertia + inertia.T))
    if np.linalg.det(vectors) < 0:
        vectors[:, 2] *= -1
    quat = Rotation.from_matrix(vectors).as_quat(scalar_first=True)
    return {
        "mass": mass,
        "com": com.tolist(),
        "inertia_diagonal": np.maximum(values, 1e-12).tolist(),
        "principal_axes": quat.tolist(),
    }


def _joint(k: int, j, model, tree, name: str) -> dict:
    """Joint ``k`` of the hand's tree as the worker builds it: fixed, or revolute / prismatic with its
    frames, and the leader's limits or a follower's linear mimic of the leader."""
    leader, end = tree.joints[tree.leader], tree.leader_end
    if j.kind == "fixed":
        return {"name": f"fixed_{k}", "kind": "fixed", "frame0": _frame(j.rest), "frame1": _frame(np.eye(4))}
    axis_frame = _axis_frame(j.axis, j.pivot)
    joint = {
        "name": name,
        "kind": "revolute" if j.kind == "hinge" else "prismatic",
        "frame0": _frame(j.rest @ axis_frame),
        "frame1": _frame(axis_frame),
    }
    if k == tree.leader:
        joint["limits"] = sorted([0.0, end])
    else:
        poly = np.asarray(j.poly, dtype=np.float64)
        slope = float(poly[1])
        off = np.abs(follow(poly, leader.values) - (poly[0] + slope * leader.values)).max()
        if off > NONLINEAR_TOL:
            raise ConfigError(
                f"{model.source}: body {model.bodies[j.body]!r} follows the driven joint along a curve "
                f"({off:.2g} off a line); PhysX mimic joints couple joints linearly only"
            )
        joint["mimic"] = {"leader": LEADER_JOINT, "gearing": -slope, "offset": -float(poly[0])}
        # PhysX takes a mimic joint only with finite limits: the follower's stroke widened by itself
        # on both sides, never reached while the mimic holds
        lo, hi = sorted([float(poly[0]), float(poly[0] + slope * end)])
        joint["limits"] = [lo - (hi - lo), hi + (hi - lo)]
    return joint


def hand_description(hand: SimHand, cfg: SimConfig) -> tuple[dict, dict[str, np.ndarray]]:
    """(the scene's ``gripper["hand"]`` block, its part arrays) of the real ``hand``.

    Links come parents first; each names its parent link (``None``: the palm, the hand's base frame),
    its joint (kind ``fixed``, ``revolute`` or ``prismatic``, frames in the parent's and its own body
    frame, value 0 at the open row) and, for a follower, the mimic line on the leader.
    """
    model, tree = hand.model, hand.tree
    drive = hand_drive(hand, cfg)
    force = drive.force
    names = _prim_names(model.bodies)
    lever = hand.lever
    scale = lever**2 / 2
    kp = drive.kp * scale
    leader = tree.joints[tree.leader]
    joint_names = {tree.leader: LEADER_JOINT}
    for i, k in enumerate(tree.moving[1:]):
        joint_names[k] = f"{FOLLOWER_PREFIX}{i}"
    links = []
    verts, faces, nvert, nface, owner = [], [], [], [], []
    for k, j in enumerate(tree.joints):
        link = {
            "prim": names[j.body],
            "parent": None if j.parent < 0 else names[j.parent],
            "pose": _frame(model.poses[0, j.body]),  # base frame, open row: where the link starts
            **_mass_properties(hand.parts[j.body], cfg.hand_density, 1e-3),
        }
        link["joint"] = _joint(k, j, model, tree, joint_names.get(k, ""))
        links.append(link)
        for v, f in hand.parts[j.body]:
            verts.append(np.asarray(v, dtype=np.float64))
            faces.append(np.asarray(f, dtype=np.int32))
            nvert.append(len(v))
            nface.append(len(f))
            owner.append(len(links) - 1)
    block = {
        "name": model.name,
        "source": model.source,
        "sha256": model.sha256,
        "links": links,
        "pads": [names[b] for b in model.pad_bodies],
        "leader": LEADER_JOINT,
        "followers": [joint_names[k] for k in tree.moving[1:]],
        "leader_kind": "revolute" if leader.kind == "hinge" else "prismatic",
        "leader_kp": kp,
        "leader_kv": drive.kv * scale,
        "leader_effort": force * lever,
        "armature": drive.armature * scale,  # the pads' kg in the leader's units
    }
    arrays = {
        "hand_part_vertices": np.concatenate(verts) if verts else np.zeros((0, 3)),
        "hand_part_faces": np.concatenate(faces) if faces else np.zeros((0, 3), np.int32),
        "hand_part_nvert": np.array(nvert, dtype=np.int64),
        "hand_part_nface": np.array(nface, dtype=np.int64),
        "hand_part_link": np.array(owner, dtype=np.int64),
    }
    return block, arrays


def leader_closed_target(hand: SimHand, cfg: SimConfig) -> float:
    """The leader's target beyond its stroke end, where the servo saturates at the force limit (MuJoCo's)."""
    drive = hand_drive(hand, cfg)
    kp = drive.kp * hand.lever**2 / 2
    end = hand.tree.leader_end
    return float(end + np.sign(end) * drive.force * hand.lever / kp)
