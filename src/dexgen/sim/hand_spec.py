"""The MuJoCo scene of a real hand: its own bodies and joints, beside the box hand of :mod:`mujoco_scene`.

The hand's joints come from :func:`dexgen.sim.hand_tree.hand_tree` (fitted to the model's opening
table, so URDF, MJCF and USD hands are built the same way). Each body carries convex parts of its
collision mesh: bodies that move get coacd parts (cached per mesh hash like the objects'), the
bodies fixed to the base their convex hull. The body chain hangs from a gravity-compensated free body
welded to the mocap target, as the box trial does. The leader joint carries a force-limited position
actuator and every other moving joint follows it through a joint equality (``polycoef``).

Force at the pads: by virtual work a torque (or force) ``tau`` on the leader squeezes each pad with
``tau / L``, where ``L = |d opening / d leader|``; ``L`` is taken as its mean over the stroke
(stroke / leader travel: exact for sliding fingers, within the linkage's lever variation for the
2F-85). The servo's gains are the box finger's scaled by ``L^2 / 2`` so the pads feel the same
stiffness. The leader's range ends where the stroke ends (the closed limit, or where the pads first
meet), so a target beyond it presses against the joint limit instead of crossing the pads.

Gripper bodies never touch each other (contype 2, conaffinity 1: only the object, contype 1, collides
with them): published linkage models overlap at rest.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
from pathlib import Path
from typing import ClassVar

import mujoco
import numpy as np

from dexgen.grippers.kinds import REAL_HAND
from dexgen.grippers.model import GripperModel
from dexgen.grippers.spec import ParallelJawGripper
from dexgen.params.sim import SimConfig, closing_force_of, finger_drive
from dexgen.sim.decomposition import cached_decomposition, decompose
from dexgen.sim.hand_tree import HandTree, hand_tree
from dexgen.sim.mujoco_scene import (
    STIFF_SOLIMP,
    Scene,
    _geom_common,
    add_object,
    add_weld,
    build_scene,
    new_spec,
)
from dexgen.sim.objects import SimObject

HAND_CONTYPE, HAND_CONAFFINITY = 2, 1  # collides with the object (contype 1), never with itself


@dataclasses.dataclass(frozen=True)
class SimHand:
    """A real hand ready for a scene: the model, its joints and each body's convex parts."""

    model: GripperModel
    tree: HandTree
    parts: tuple[tuple[tuple[np.ndarray, np.ndarray], ...], ...]  # per body: (vertices, faces) parts
    methods: tuple[str, ...]  # per body: how its parts were made (decomposition METHODS)

    gripper_kind: ClassVar[str] = REAL_HAND  # a real hand, made ready for a scene
    two_finger: ClassVar[bool] = True

    @property
    def hand_model(self) -> GripperModel:
        return self.model

    @property
    def reach(self) -> float:
        return self.model.reach

    @property
    def name(self) -> str:
        return self.model.name

    @property
    def sha256(self) -> str:
        return self.model.sha256

    @property
    def stroke(self) -> float:
        return self.model.stroke

    @property
    def min_opening(self) -> float:
        return self.model.min_opening

    @property
    def lever(self) -> float:
        """Mean metres of pad opening per unit of leader travel over the stroke."""
        return abs(self.model.stroke - self.model.min_opening) / abs(self.tree.leader_end)


def mesh_sha256(mesh) -> str:
    """Content hash of a body mesh (vertices and faces), the decomposition cache key."""
    h = hashlib.sha256(np.ascontiguousarray(mesh.vertices, dtype="<f8").tobytes())
    h.update(np.ascontiguousarray(mesh.faces, dtype="<i8").tobytes())
    return h.hexdigest()


def sim_hand(model: GripperModel, cfg: SimConfig, *, cache_dir: str | Path | None) -> SimHand:
    """:class:`SimHand` of ``model``: moving bodies decomposed with ``cfg.decomposition`` (cached)."""
    tree = hand_tree(model)
    moving = _moving_bodies(tree, len(model.bodies))
    parts, methods = [], []
    for b, mesh in enumerate(model.meshes):
        if moving[b]:
            dec = cached_decomposition(mesh, mesh_sha256(mesh), cfg.decomposition, cache_dir=cache_dir)
        else:
            dec = decompose(mesh, dataclasses.replace(cfg.decomposition, method="hull"))
        parts.append(tuple(dec.parts))
        methods.append(dec.method)
    return SimHand(model, tree, tuple(parts), tuple(methods))


@functools.singledispatch
def scene_hand(
    gripper: ParallelJawGripper | GripperModel | SimHand,
    cfg: SimConfig,
    *,
    cache_dir: str | Path | None,
    made: dict[str, SimHand] | None = None,
) -> ParallelJawGripper | SimHand:
    """What a trial scene is built from: a real hand's :class:`SimHand` (kept in ``made`` per hand and
    table, so both engines simulate the same parts), a box gripper or a hand already made as it is."""
    return gripper


@scene_hand.register
def _model_hand(
    gripper: GripperModel,
    cfg: SimConfig,
    *,
    cache_dir: str | Path | None,
    made: dict[str, SimHand] | None = None,
) -> SimHand:
    if made is None:
        return sim_hand(gripper, cfg, cache_dir=cache_dir)
    key = f"{gripper.sha256}/{len(gripper.openings)}"
    if key not in made:
        made[key] = sim_hand(gripper, cfg, cache_dir=cache_dir)
    return made[key]


def body_name(link: str) -> str:
    """The scene's name of a hand body: prefixed, so a link called ``object`` or ``target`` cannot clash."""
    return f"gripper:{link}"


def _moving_bodies(tree: HandTree, n: int) -> list[bool]:
    """Per body: does any joint between it and the base move?"""
    out = [False] * n
    for j in tree.joints:  # parents first
        out[j.body] = j.kind != "fixed" or (j.parent >= 0 and out[j.parent])
    return out


@dataclasses.dataclass
class HandScene:
    """A compiled real-hand scene with the interface of :class:`~dexgen.sim.mujoco_scene.Scene`.

    ``finger_qpos``: qpos addresses of the moving joints, leader first (``tree.moving`` order);
    ``finger_geoms``: the geoms of the -x and +x pad bodies (success is judged on them).
    """

    model: mujoco.MjModel
    spec: mujoco.MjSpec
    hand_qpos: int
    object_qpos: int
    finger_qpos: np.ndarray
    object_body: int
    finger_geoms: tuple[np.ndarray, np.ndarray]
    object_geoms: np.ndarray
    gripper_geoms: np.ndarray
    q_closed_target: float  # leader target beyond the stroke end: the servo saturates there
    closing_force: float  # N per finger at the pads
    min_opening: float
    max_opening: float
    tree: HandTree

    def finger_q(self, gripper, openings: np.ndarray) -> np.ndarray:
        """(n, k) every moving joint's value at pad ``openings`` (n,) metres."""
        return self.tree.values_at(np.asarray(openings, dtype=np.float64))

    def fill_targets(self, out: np.ndarray, q0: np.ndarray, closing: np.ndarray) -> None:
        """The leader servo's target (actuator 0) from its start value to beyond the stroke end."""
        lead = q0[:, 0]
        out[:, :, 0] = lead[:, None] + (self.q_closed_target - lead[:, None]) * closing[None]

    def openings(self, state: np.ndarray) -> np.ndarray:
        """(...) pad opening, metres, read off the leader's value in ``state`` (..., nstate)."""
        return self.tree.opening_at(state[..., 1 + self.finger_qpos[0]])


def build_hand_scene(obj: SimObject, hand: SimHand, cfg: SimConfig) -> HandScene:
    """Compile the scene of ``obj`` and the real ``hand``; both start at the world origin."""
    spec = new_spec(f"{hand.name}__{obj.key}", cfg)
    spec.compiler.degree = False  # hinge ranges in radians, as the table's joint values
    drive = finger_drive(closing_force_of(hand.model.closing_force, cfg, where=str(hand.model.source)), cfg)
    force = drive.force
    spec.worldbody.add_body(name="target", mocap=True)
    names = _add_bodies(spec, hand, cfg, drive.armature)
    scale = hand.lever**2 / 2  # box servo gains per finger slide -> the leader's
    kp = drive.kp * scale
    _add_joint_drive(spec, hand, cfg, names, kp, force, drive.kv * scale)
    add_weld(spec, cfg)
    add_object(spec, obj, cfg)
    model = spec.compile()
    end = hand.tree.leader_end
    return _hand_scene(model, spec, hand, names, end + np.sign(end) * force * hand.lever / kp, force)


@functools.singledispatch
def trial_scene(hand: ParallelJawGripper | SimHand, obj: SimObject, cfg: SimConfig) -> Scene | HandScene:
    """The compiled scene of ``obj`` and ``hand``: the box scene of a box gripper (which refuses any
    other kind), a real hand's own bodies and joints."""
    return build_scene(obj, hand, cfg)


@trial_scene.register
def _real_hand_scene(hand: SimHand, obj: SimObject, cfg: SimConfig) -> HandScene:
    return build_hand_scene(obj, hand, cfg)


def _add_bodies(spec: mujoco.MjSpec, hand: SimHand, cfg: SimConfig, armature: float) -> list[str]:
    """The hand's bodies, joints and geoms; returns each joint's MuJoCo name ("" when fixed).

    ``armature``: :attr:`FingerDrive.armature`, kg at the pads (the drive's reflected inertia)."""
    model, tree = hand.model, hand.tree
    root = spec.worldbody.add_body(name="hand", gravcomp=1.0)
    root.add_freejoint(name="hand_free")
    bodies: dict[int, mujoco.MjsBody] = {-1: root}
    names = []
    scale = hand.lever**2 / 2
    for k, j in enumerate(tree.joints):
        name = body_name(model.bodies[j.body])
        quat = np.empty(4)
        mujoco.mju_mat2Quat(quat, np.ascontiguousarray(j.rest[:3, :3]).ravel())
        body = bodies[j.parent].add_body(
            name=name, pos=j.rest[:3, 3].tolist(), quat=quat.tolist(), gravcomp=1.0
        )
        bodies[j.body] = body
        names.append("" if j.kind == "fixed" else f"{name}_joint")
        if j.kind != "fixed":
            kind = mujoco.mjtJoint.mjJNT_HINGE if j.kind == "hinge" else mujoco.mjtJoint.mjJNT_SLIDE
            joint = body.add_joint(name=names[-1], type=kind, axis=j.axis.tolist(), pos=j.pivot.tolist())
            joint.armature = armature * scale  # the box finger's armature, felt at the pads
            if k == tree.leader:
                joint.limited = mujoco.mjtLimited.mjLIMITED_TRUE
                joint.range = sorted([0.0, tree.leader_end])
                # a light linkage: a stop stiff per unit mass (the box's -1e5 N/m) would hold grams only
                joint.solref_limit = [2 * cfg.mujoco_timestep, 1.0]
                joint.solimp_limit = STIFF_SOLIMP
        for p, (verts, faces) in enumerate(hand.parts[j.body]):
            mesh = spec.add_mesh(
                name=f"{name}_part{p}", uservert=verts.ravel().tolist(), userface=faces.ravel().tolist()
            )
            mesh.inertia = mujoco.mjtMeshInertia.mjMESH_INERTIA_CONVEX  # each part is a convex hull
            geom = body.add_geom(
                name=f"{name}_part{p}",
                type=mujoco.mjtGeom.mjGEOM_MESH,
                meshname=f"{name}_part{p}",
                density=cfg.hand_density,
                rgba=[0.6, 0.6, 0.65, 1],
            )
            geom.info = f"{model.source}: body {name} convex part {p} ({hand.methods[j.body]})"
            _geom_common(geom, cfg, cfg.torsional_friction)
            geom.contype, geom.conaffinity = HAND_CONTYPE, HAND_CONAFFINITY
    return names


def _add_joint_drive(
    spec: mujoco.MjSpec, hand: SimHand, cfg: SimConfig, names: list[str], kp: float, force: float, kv: float
) -> None:
    """Followers tied to the leader by joint equalities; the leader on a force-limited servo."""
    tree = hand.tree
    leader = names[tree.leader]
    for k in tree.moving[1:]:
        couple = spec.add_equality(
            type=mujoco.mjtEq.mjEQ_JOINT,
            name1=names[k],
            name2=leader,
            objtype=mujoco.mjtObj.mjOBJ_JOINT,
            solref=[2 * cfg.mujoco_timestep, 1.0],
        )
        couple.solimp = STIFF_SOLIMP
        couple.data = np.concatenate([tree.joints[k].poly, np.zeros(7)])  # 5 coefficients, 12 slots
    act = spec.add_actuator(name=f"{leader}_servo", target=leader, trntype=mujoco.mjtTrn.mjTRN_JOINT)
    act.set_to_position(kp=kp, kv=kv)
    act.forcelimited = True
    torque = force * hand.lever
    act.forcerange = [-torque, torque]


def _hand_scene(model, spec, hand: SimHand, names: list[str], target: float, force: float) -> HandScene:
    geom_body = model.geom_bodyid
    object_body = model.body("object").id
    pads = tuple(model.body(body_name(hand.model.bodies[i])).id for i in hand.model.pad_bodies)
    hand_bodies = [model.body("hand").id, *(model.body(body_name(b)).id for b in hand.model.bodies)]
    return HandScene(
        model=model,
        spec=spec,
        hand_qpos=int(model.joint("hand_free").qposadr[0]),
        object_qpos=int(model.joint("object_free").qposadr[0]),
        finger_qpos=np.array([int(model.joint(names[k]).qposadr[0]) for k in hand.tree.moving]),
        object_body=object_body,
        finger_geoms=tuple(np.flatnonzero(geom_body == b) for b in pads),
        object_geoms=np.flatnonzero(geom_body == object_body),
        gripper_geoms=np.flatnonzero(np.isin(geom_body, hand_bodies)),
        q_closed_target=float(target),
        closing_force=float(force),
        min_opening=hand.model.min_opening,
        max_opening=hand.model.stroke,
        tree=hand.tree,
    )
