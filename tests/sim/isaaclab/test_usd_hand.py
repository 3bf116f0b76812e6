"""A real hand's Isaac Lab description and USD (no Isaac Lab needed): the joints rebuild the model's
poses, the links weigh what MuJoCo's do, the USD holds the linkage, mimics, drive and colliders."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import mujoco
import numpy as np
import pytest
import trimesh
from pxr import Gf, Usd, UsdGeom, UsdPhysics
from scipy.spatial.transform import Rotation
from usd_hands import JAW_FORCE, write_jaw

from dexgen.errors import ConfigError
from dexgen.grippers.description import load_model
from dexgen.sim.hand_spec import body_name, build_hand_scene, sim_hand
from dexgen.sim.isaaclab.hand_request import hand_description, hand_drive, leader_closed_target
from dexgen.sim.isaaclab.request import scene_description, trial_arrays
from dexgen.sim.isaaclab.usd_hand import split_parts, write_hand
from dexgen.sim.protocol import make_schedule


@pytest.fixture(scope="module")
def hands(tmp_path_factory):
    folder = tmp_path_factory.mktemp("usd_hands")
    return {"2f85": load_model("robotiq_2f_85_real"), "jaw": load_model(write_jaw(folder / "jaw.usda"))}


def _matrix(frame: dict) -> np.ndarray:
    out = np.eye(4)
    out[:3, :3] = Rotation.from_quat(frame["quat"], scalar_first=True).as_matrix()
    out[:3, 3] = frame["pos"]
    return out


def _along_x(kind: str, q: float) -> np.ndarray:
    out = np.eye(4)
    if kind == "revolute":
        out[:3, :3] = Rotation.from_rotvec([q, 0.0, 0.0]).as_matrix()
    elif kind == "prismatic":
        out[0, 3] = q
    return out


@pytest.mark.parametrize("name", ["2f85", "jaw"])
def test_the_joints_rebuild_every_body_pose_over_the_stroke(hands, fast_config, name):
    """Forward kinematics through the authored joint frames (as PhysX composes them) with the mimic
    lines applied lands every link where the model puts it, at any opening."""
    model = hands[name]
    hand = sim_hand(model, fast_config, cache_dir=None)
    block, _ = hand_description(hand, fast_config)
    names = [link["prim"] for link in block["links"]]
    for opening in np.linspace(model.stroke, model.min_opening, 5):
        lead = hand.tree.leader_at(np.array([opening]))[0]
        poses: dict[str | None, np.ndarray] = {None: np.eye(4)}
        for link in block["links"]:
            joint = link["joint"]
            q = lead if joint["name"] == block["leader"] else 0.0
            if "mimic" in joint:
                q = -(joint["mimic"]["gearing"] * lead + joint["mimic"]["offset"])
            frame0, frame1 = _matrix(joint["frame0"]), _matrix(joint["frame1"])
            poses[link["prim"]] = (
                poses[link["parent"]] @ frame0 @ _along_x(joint["kind"], q) @ np.linalg.inv(frame1)
            )
        want = model.body_poses(opening)
        for k, prim in enumerate(names):  # links in tree order
            b = hand.tree.joints[k].body
            assert np.abs(poses[prim] - want[b]).max() < 1e-5, f"{name} {prim} at {opening:.4f} m"
            assert np.abs(_matrix(block["links"][k]["pose"]) - model.poses[0, b]).max() < 1e-9
    by_body = {hand.tree.joints[k].body: prim for k, prim in enumerate(names)}
    assert block["pads"] == [by_body[b] for b in model.pad_bodies]


def test_links_weigh_what_mujoco_weighs_and_the_pads_squeeze_with_the_force(hands, fast_config, sim):
    model = hands["2f85"]
    hand = sim_hand(model, fast_config, cache_dir=None)
    block, arrays = hand_description(hand, fast_config)
    obj = sim.sim_object(trimesh.creation.box((0.04, 0.05, 0.06)), fast_config)
    scene = build_hand_scene(obj, hand, fast_config)
    for b, link in enumerate(block["links"]):
        body = scene.model.body(body_name(model.bodies[hand.tree.joints[b].body]))
        assert link["mass"] == pytest.approx(float(body.mass[0]), rel=1e-6)
        assert sorted(link["inertia_diagonal"]) == pytest.approx(sorted(body.inertia), rel=1e-4, abs=1e-12)
    # MuJoCo's servo on the same leader: force limit, gains and the target beyond the stroke end
    act = scene.model.actuator(0)
    assert block["leader_effort"] == pytest.approx(act.forcerange[1])
    assert block["leader_kp"] == pytest.approx(act.gainprm[0])
    assert leader_closed_target(hand, fast_config) == pytest.approx(scene.q_closed_target)
    assert block["leader_effort"] == pytest.approx(hand_drive(hand, fast_config).force * hand.lever)
    # the parts are MuJoCo's: same count per body, same vertices
    parts = split_parts(arrays, len(block["links"]))
    for b, link_parts in enumerate(parts):
        mine = hand.parts[hand.tree.joints[b].body]
        assert len(link_parts) == len(mine)
        for (v, f), (v2, f2) in zip(link_parts, mine):
            assert np.array_equal(v, v2) and np.array_equal(f, f2)
    assert mujoco.mj_name2id(scene.model, mujoco.mjtObj.mjOBJ_BODY, "object") >= 0


def test_the_usd_holds_the_linkage_mimics_drive_and_colliders(hands, fast_config, sim, tmp_path):
    model = hands["2f85"]
    hand = sim_hand(model, fast_config, cache_dir=None)
    obj = sim.sim_object(trimesh.creation.box((0.04, 0.05, 0.06)), fast_config)
    scene, arrays = scene_description(obj, hand, fast_config, 4)
    write_hand(tmp_path / "hand.usda", scene, arrays)
    stage = Usd.Stage.Open(str(tmp_path / "hand.usda"))
    joints = {p.GetName(): p for p in stage.Traverse() if p.IsA(UsdPhysics.Joint)}
    kinds = sorted(p.GetTypeName() for name, p in joints.items() if not name.startswith("hand_"))
    assert kinds.count("PhysicsRevoluteJoint") == 6 and kinds.count("PhysicsFixedJoint") == 6  # + root
    lead = UsdPhysics.RevoluteJoint(joints["finger_drive"])
    assert lead.GetUpperLimitAttr().Get() == pytest.approx(np.degrees(hand.tree.leader_end), rel=1e-6)
    drive = UsdPhysics.DriveAPI(joints["finger_drive"], "angular")
    assert drive.GetMaxForceAttr().Get() == pytest.approx(
        hand_drive(hand, fast_config).force * hand.lever, rel=1e-6
    )
    for name in scene["gripper"]["hand"]["followers"]:
        prim = joints[name]
        assert "PhysxMimicJointAPI:rotX" in prim.GetMetadata("apiSchemas").GetAddedOrExplicitItems()
        assert prim.GetRelationship("physxMimicJoint:rotX:referenceJoint").GetTargets() == [
            "/Robot/joints/finger_drive"
        ]
        assert prim.GetAttribute("physxMimicJoint:rotX:gearing").Get() == pytest.approx(-1.0)
        limits = UsdPhysics.RevoluteJoint(prim)  # PhysX takes a mimic joint only with finite limits
        assert np.isfinite([limits.GetLowerLimitAttr().Get(), limits.GetUpperLimitAttr().Get()]).all()
    colliders = [p for p in stage.Traverse() if p.HasAPI(UsdPhysics.CollisionAPI)]
    assert len(colliders) == sum(len(p) for p in hand.parts)
    assert all(UsdPhysics.MeshCollisionAPI(p).GetApproximationAttr().Get() == "convexHull" for p in colliders)
    for pad in scene["gripper"]["hand"]["pads"]:  # the contact sensors' links
        assert stage.GetPrimAtPath(f"/Robot/{pad}").HasAPI(UsdPhysics.RigidBodyAPI)
    # every joint's two frames meet at the authored open pose
    for prim in joints.values():
        joint = UsdPhysics.Joint(prim)
        b0, b1 = joint.GetBody0Rel().GetTargets(), joint.GetBody1Rel().GetTargets()
        if not b0:
            continue
        ends = []
        for body, pos, rot in ((b0, joint.GetLocalPos0Attr(), joint.GetLocalRot0Attr()),
                               (b1, joint.GetLocalPos1Attr(), joint.GetLocalRot1Attr())):  # fmt: skip
            world = np.array(
                UsdGeom.Xformable(stage.GetPrimAtPath(body[0])).ComputeLocalToWorldTransform(0)
            ).T
            local = np.eye(4)
            local[:3, :3] = np.array(Gf.Matrix3d(Gf.Quatd(rot.Get()))).T
            local[:3, 3] = pos.Get()
            ends.append(world @ local)
        assert np.abs(ends[0] - ends[1]).max() < 1e-6, prim.GetName()


def test_the_leader_closes_past_the_stroke_and_followers_start_coupled(hands, fast_config, sim):
    model = hands["jaw"]
    hand = sim_hand(model, fast_config, cache_dir=None)
    obj = sim.sim_object(trimesh.creation.box((0.03, 0.04, 0.05)), fast_config)
    sch = make_schedule(fast_config.protocol)
    openings = np.array([0.06, 0.03])
    a = trial_arrays(sch, obj, hand, fast_config, np.stack([np.eye(4)] * 2), openings)
    assert a["finger_q0"].shape == (2, 2)
    assert np.allclose(a["finger_q0"][:, 0], a["finger_q0"][:, 1])  # the mimic's q_right = q_left
    assert hand.tree.opening_at(a["finger_q0"][:, 0]) == pytest.approx(openings, abs=1e-6)
    assert a["finger_target"][:, -1] == pytest.approx(leader_closed_target(hand, fast_config))
    # the closing force comes from the request: sim.closing_force, else the USD drive's maxForce
    block, _ = hand_description(hand, dataclasses.replace(fast_config, closing_force=None))
    assert block["leader_effort"] == pytest.approx(JAW_FORCE * hand.lever)


def test_a_coupling_physx_cannot_mimic_is_refused(hands, fast_config):
    hand = sim_hand(hands["2f85"], fast_config, cache_dir=None)
    k = hand.tree.moving[1]
    joints = list(hand.tree.joints)
    joints[k] = dataclasses.replace(joints[k], poly=np.array([0.0, 1.0, 0.3, 0.0, 0.0]))
    bent = dataclasses.replace(hand, tree=dataclasses.replace(hand.tree, joints=tuple(joints)))
    with pytest.raises(ConfigError, match=r"follows the driven joint along a curve .* linearly only"):
        hand_description(bent, fast_config)
    assert Path(hand.model.source).name == "robotiq_2f_85_real.yaml"
