"""The MuJoCo grasp scene, built at run time with ``MjSpec`` from our gripper and object descriptions.

No XML: the gripper's bodies come from :func:`dexgen.grippers.geometry.bodies` (the same boxes the
guess stage checks for collision) and the object's convex parts become one mesh geom each on a free
body. Modelling choices are those of the prototype that worked (``stack.md`` §4):

- the hand is a **dynamic free body with gravity compensation, welded to a mocap target** (pitfall 1:
  fingers on a teleported mocap body do not drag the object, so every lift drops it);
- fingers are slide joints with **force-limited position actuators** whose targets ramp closed, and
  gripper/object contacts are **stiff** (pitfall 2: a full-force slam with soft contacts lets pads
  sink into the hull and shoot the object out).

Finger joint value ``q`` is how far a pad sits outside its fully closed place: opening = min_opening + 2 q.
"""

from __future__ import annotations

import dataclasses

import mujoco
import numpy as np

from dexgen.grippers.geometry import FINGERS, bodies
from dexgen.grippers.kinds import PARALLEL_JAW
from dexgen.grippers.spec import ParallelJawGripper
from dexgen.params.sim import FingerDrive, SimConfig, closing_force_of, finger_drive
from dexgen.sim.objects import SimObject

# A light linkage's stops and couplings: MuJoCo's soft constraints give way in proportion to force over
# mass, so with links of grams they must take nearly all of the load (impedance to 0.9999) to stay put.
STIFF_SOLIMP = [0.99, 0.9999, 0.001, 0.5, 2.0]


@dataclasses.dataclass
class Scene:
    """A compiled grasp scene and the ids a trial needs.

    ``hand_qpos`` / ``object_qpos``: qpos addresses of the two free joints (pos 3 + wxyz quat 4);
    ``finger_qpos``: (2,) qpos addresses of the finger slides [finger_neg, finger_pos];
    ``finger_geoms``: per finger, the geom ids it carries; ``object_geoms``, ``gripper_geoms``: geom ids.
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
    q_closed_target: float  # finger ctrl that squeezes at the force limit even when fully closed
    closing_force: float  # N per finger the servos squeeze with
    min_opening: float  # metres between the pads fully closed ...
    max_opening: float  # ... and fully open

    def finger_q(self, gripper: ParallelJawGripper, openings: np.ndarray) -> np.ndarray:
        """(n,) finger joint values for pad ``openings`` (n,) metres."""
        return (np.asarray(openings, dtype=np.float64) - gripper.min_opening) / 2

    def fill_targets(self, out: np.ndarray, q0: np.ndarray, closing: np.ndarray) -> None:
        """Write the finger servo targets into ``out`` (n, nstep, ncontrol): from ``q0`` (n,) to closed."""
        target = q0[:, None] + (self.q_closed_target - q0[:, None]) * closing[None]  # (n, nstep)
        out[:, :, 0] = target  # actuators are [finger_neg, finger_pos], same target
        out[:, :, 1] = target

    def openings(self, state: np.ndarray) -> np.ndarray:
        """(...) pad opening, metres, from the finger joint values in ``state`` (..., nstate)."""
        return state[..., 1 + self.finger_qpos].sum(axis=-1) + self.min_opening


def _geom_common(geom: mujoco.MjsGeom, cfg: SimConfig, torsional: float) -> None:
    geom.friction = [cfg.friction, torsional, 1e-4]
    geom.condim = 4
    geom.solref = list(cfg.finger_solref)  # MuJoCo mixes solref by solmix; equal on both sides = exactly this
    geom.solimp = [*cfg.finger_solimp, 0.5, 2.0]  # (dmin, dmax, width) + MuJoCo's default midpoint, power
    geom.margin = cfg.contact_margin  # MuJoCo takes the larger of the two geoms' margins


def _add_hand(spec: mujoco.MjSpec, gripper: ParallelJawGripper, cfg: SimConfig, drive: FingerDrive) -> None:
    """The hand: a dynamic, gravity-compensated free body with the palm and two sliding fingers."""
    hand = spec.worldbody.add_body(name="hand", gravcomp=1.0)
    hand.add_freejoint(name="hand_free")
    finger_bodies = {}
    for body in bodies(gripper, gripper.min_opening):  # fingers placed fully closed: q = 0
        if body.moves_with == "base":
            parent = hand
        else:
            parent = hand.add_body(name=body.name, gravcomp=1.0)
            joint = parent.add_joint(
                name=f"{body.name}_slide",
                type=mujoco.mjtJoint.mjJNT_SLIDE,
                axis=list(body.joint_axis),
                range=[0.0, (gripper.max_opening - gripper.min_opening) / 2],
            )
            # kg, reflected inertia of the drive: keeps the light finger stable under the stiff servo at dt = 2 ms;
            # scaled with the force, so the contact feels the same acceleration at every force (finger_drive)
            joint.armature = drive.armature
            joint.limited = mujoco.mjtLimited.mjLIMITED_TRUE
            # the stops hold against the force limit: a stop stiff per unit mass (direct -1e5, -100) gave way
            # 1.9 mm per finger at 40 N and 3 mm at 235 N, which would read as pads through each other
            joint.solref_limit = [2 * cfg.mujoco_timestep, 1.0]
            joint.solimp_limit = STIFF_SOLIMP
            finger_bodies[body.name] = parent
        geom = parent.add_geom(
            name=body.name,
            type=mujoco.mjtGeom.mjGEOM_BOX,
            size=[s / 2 for s in body.size],
            pos=body.centre.tolist(),
            density=cfg.hand_density,
            rgba=[0.6, 0.6, 0.65, 1],
        )
        geom.info = f"{gripper.source or gripper.name}: body {body.name}"
        _geom_common(geom, cfg, cfg.torsional_friction)
    if set(finger_bodies) != set(FINGERS):
        raise ValueError(f"{gripper.name}: expected finger bodies {FINGERS}, got {sorted(finger_bodies)}")


def _add_drives(spec: mujoco.MjSpec, cfg: SimConfig, drive: FingerDrive) -> None:
    """Force-limited finger servos, the optional finger coupling, and the hand-to-mocap weld."""
    spec.add_exclude(bodyname1=FINGERS[0], bodyname2=FINGERS[1])
    if cfg.finger_coupling:  # q_neg = q_pos: the pads close symmetrically, as a linkage makes them
        couple = spec.add_equality(
            type=mujoco.mjtEq.mjEQ_JOINT,
            name1=f"{FINGERS[0]}_slide",
            name2=f"{FINGERS[1]}_slide",
            objtype=mujoco.mjtObj.mjOBJ_JOINT,
            solref=list(cfg.finger_solref),
        )
        couple.data = np.array([0.0, 1.0] + [0.0] * 10)  # polynomial q1 = 0 + 1 * q2
    for name in FINGERS:
        act = spec.add_actuator(
            name=f"{name}_servo", target=f"{name}_slide", trntype=mujoco.mjtTrn.mjTRN_JOINT
        )
        act.set_to_position(kp=drive.kp, kv=drive.kv)
        act.forcelimited = True
        act.forcerange = [-drive.force, drive.force]
    add_weld(spec, cfg)


def add_weld(spec: mujoco.MjSpec, cfg: SimConfig) -> None:
    """Weld the body ``hand`` to the mocap body ``target``."""
    weld = spec.add_equality(
        type=mujoco.mjtEq.mjEQ_WELD,
        name1="target",
        name2="hand",
        objtype=mujoco.mjtObj.mjOBJ_BODY,
        solref=list(cfg.weld_solref),
    )
    # MjSpec's generic default data puts the weld anchor 1 m off, at (0, 1, 0): a lever arm that makes
    # the hand wobble by centimetres. Anchor at the hand origin; a zero relpose quaternion means "take it
    # from qpos0", where hand and target coincide; data[10] is the torque scale.
    weld.data = np.array([0.0] * 10 + [1.0, 0.0])


def add_object(spec: mujoco.MjSpec, obj: SimObject, cfg: SimConfig) -> None:
    """The object: a free body with explicit mass and inertia and one mesh geom per convex part."""
    body = spec.worldbody.add_body(name="object")
    body.add_freejoint(name="object_free")
    body.explicitinertial = True
    body.mass = float(obj.mass)
    body.ipos = obj.com.tolist()
    i = obj.inertia
    body.fullinertia = [i[0, 0], i[1, 1], i[2, 2], i[0, 1], i[0, 2], i[1, 2]]
    for k, (verts, faces) in enumerate(obj.parts):
        mesh = spec.add_mesh(
            name=f"part{k}", uservert=verts.ravel().tolist(), userface=faces.ravel().tolist()
        )
        mesh.inertia = (
            mujoco.mjtMeshInertia.mjMESH_INERTIA_SHELL
        )  # inertia is explicit; thin parts must not fail
        geom = body.add_geom(
            name=f"part{k}",
            type=mujoco.mjtGeom.mjGEOM_MESH,
            meshname=f"part{k}",
            rgba=[0.3, 0.5, 0.7, 1],
            mass=0.0,
        )
        geom.info = f"object {obj.key}: convex part {k} ({len(verts)} vertices)"
        _geom_common(geom, cfg, obj.torsional_friction)
        geom.friction = [obj.friction, obj.torsional_friction, 1e-4]


def build_scene(obj: SimObject, gripper: ParallelJawGripper, cfg: SimConfig) -> Scene:
    """Compile the scene of ``obj`` and ``gripper``; hand and object both start at the world origin."""
    if gripper.gripper_kind != PARALLEL_JAW:
        raise TypeError(
            f"{gripper.name}: the MuJoCo grasp trial needs a parallel-jaw gripper, got {gripper.kind}"
        )
    spec = new_spec(f"{gripper.name}__{obj.key}", cfg)
    drive = finger_drive(closing_force_of(gripper.closing_force, cfg, where=gripper.name), cfg)
    spec.worldbody.add_body(name="target", mocap=True)
    _add_hand(spec, gripper, cfg, drive)
    _add_drives(spec, cfg, drive)
    add_object(spec, obj, cfg)
    model = spec.compile()
    return _scene(model, spec, drive, gripper)


def new_spec(name: str, cfg: SimConfig) -> mujoco.MjSpec:
    """An empty scene with the trial's physics options."""
    spec = mujoco.MjSpec()
    spec.modelname = name.replace("/", "_")
    opt = spec.option
    opt.timestep = cfg.mujoco_timestep
    opt.gravity = [0.0, 0.0, -9.81 if cfg.protocol.gravity else 0.0]
    opt.integrator = mujoco.mjtIntegrator.mjINT_IMPLICITFAST
    opt.cone = mujoco.mjtCone.mjCONE_ELLIPTIC
    opt.impratio = cfg.impratio
    opt.tolerance = cfg.solver_tolerance
    if not cfg.warmstart:
        opt.disableflags |= mujoco.mjtDisableBit.mjDSBL_WARMSTART
    if not cfg.islands:
        opt.disableflags |= mujoco.mjtDisableBit.mjDSBL_ISLAND
    return spec


def _scene(
    model: mujoco.MjModel, spec: mujoco.MjSpec, drive: FingerDrive, gripper: ParallelJawGripper
) -> Scene:
    jnt = {name: model.joint(name) for name in ("hand_free", "object_free", *(f"{f}_slide" for f in FINGERS))}
    geom_body = model.geom_bodyid
    object_body = model.body("object").id
    finger_ids = tuple(np.flatnonzero(geom_body == model.body(f).id) for f in FINGERS)
    gripper_ids = np.flatnonzero(np.isin(geom_body, [model.body(n).id for n in ("hand", *FINGERS)]))
    return Scene(
        model=model,
        spec=spec,
        hand_qpos=int(jnt["hand_free"].qposadr[0]),
        object_qpos=int(jnt["object_free"].qposadr[0]),
        finger_qpos=np.array([int(jnt[f"{f}_slide"].qposadr[0]) for f in FINGERS]),
        object_body=object_body,
        finger_geoms=finger_ids,
        object_geoms=np.flatnonzero(geom_body == object_body),
        gripper_geoms=gripper_ids,
        q_closed_target=-drive.force / drive.kp,
        closing_force=drive.force,
        min_opening=gripper.min_opening,
        max_opening=gripper.max_opening,
    )
