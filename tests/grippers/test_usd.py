"""The USD importer on a hand-authored gripper, GraspDataGen's config fields, and what it refuses."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest
from pxr import Gf, Sdf, Usd, UsdGeom, UsdPhysics

from dexgen.errors import ConfigError, InputError
from dexgen.grippers import usd
from dexgen.grippers.graspdatagen import from_graspdatagen_config
from dexgen.grippers.importers import IMPORTERS

TURN = Gf.Quatf(0.0, 0.0, 0.0, 1.0)  # 180 degrees about z


def _box(stage, path, centre, half):
    """A collision cube as a Mesh (GraspDataGen reads Mesh colliders only), stage units."""
    mesh = UsdGeom.Mesh.Define(stage, path)
    corners = [Gf.Vec3f(*(np.array(centre) + (np.array(s) * 2 - 1) * half)) for s in np.ndindex(2, 2, 2)]
    mesh.CreatePointsAttr(corners)
    quads = [[0, 1, 3, 2], [4, 6, 7, 5], [0, 4, 5, 1], [2, 3, 7, 6], [0, 2, 6, 4], [1, 5, 7, 3]]
    mesh.CreateFaceVertexCountsAttr([4] * 6)
    mesh.CreateFaceVertexIndicesAttr([i for q in quads for i in q])
    return mesh.GetPrim()


def _slide(stage, name, body0, body1, pos0, rot0, pos1, rot1, limits=(0.0, 2.5)):
    joint = UsdPhysics.PrismaticJoint.Define(stage, f"/hand/joints/{name}")
    joint.CreateBody0Rel().SetTargets([body0])
    joint.CreateBody1Rel().SetTargets([body1])
    joint.CreateLocalPos0Attr(Gf.Vec3f(*pos0))
    joint.CreateLocalRot0Attr(rot0)
    joint.CreateLocalPos1Attr(Gf.Vec3f(*pos1))
    joint.CreateLocalRot1Attr(rot1)
    joint.CreateAxisAttr("X")
    if limits:
        joint.CreateLowerLimitAttr(limits[0])
        joint.CreateUpperLimitAttr(limits[1])
    return joint.GetPrim()


def write_hand(
    path,
    *,
    mimic_target="/hand/joints/left_slide",
    limits=(0.0, 2.5),
    mimic=True,
    cube=False,
    instanced=False,
):
    """Two sliding fingers in centimetres; the right one's joint lists the finger as body0 (reversed)
    and mimics the left one with gearing 1 (q_right = -q_left), so it closes as the left one does."""
    stage = Usd.Stage.CreateNew(str(path))
    UsdGeom.SetStageMetersPerUnit(stage, 0.01)
    top = UsdGeom.Xform.Define(stage, "/hand").GetPrim()
    stage.SetDefaultPrim(top)
    UsdPhysics.ArticulationRootAPI.Apply(top)
    for name, where, turn in (
        ("palm", (0, 0, 0), False),
        ("left", (3, 0, 4), False),
        ("right", (-3, 0, 4), True),
    ):
        xform = UsdGeom.Xform.Define(stage, f"/hand/{name}")
        xform.AddTranslateOp().Set(Gf.Vec3d(*where))
        if turn:
            xform.AddOrientOp().Set(TURN)
        UsdPhysics.RigidBodyAPI.Apply(xform.GetPrim())
    UsdPhysics.CollisionAPI.Apply(_box(stage, "/hand/palm/box", (0, 0, 0), np.array([2.0, 1.0, 1.0])))
    group = UsdGeom.Xform.Define(stage, "/hand/left/collisions")  # collision set on an ancestor Xform
    group.AddTranslateOp().Set(Gf.Vec3d(0, 0, 1))
    UsdPhysics.CollisionAPI.Apply(group.GetPrim())
    _box(stage, "/hand/left/collisions/box", (0, 0, 0), 0.5)
    if (
        instanced
    ):  # as Isaac Sim assets do: the collider lives in a prototype behind an instanceable reference
        UsdPhysics.CollisionAPI.Apply(_box(stage, "/prototypes/finger/box", (0, 0, 0), 0.5))
        stage.GetPrimAtPath("/prototypes").SetSpecifier(Sdf.SpecifierClass)
        holder = UsdGeom.Xform.Define(stage, "/hand/right/collisions").GetPrim()
        holder.GetReferences().AddInternalReference("/prototypes/finger")
        holder.SetInstanceable(True)
    else:
        UsdPhysics.CollisionAPI.Apply(_box(stage, "/hand/right/box", (0, 0, 0), 0.5))
    _box(stage, "/hand/right/visual", (0, 0, 5), 0.5)  # no collision: not part of the hand's mesh
    if cube:
        UsdPhysics.CollisionAPI.Apply(UsdGeom.Cube.Define(stage, "/hand/left/bumper").GetPrim())
    UsdPhysics.FixedJoint.Define(stage, "/hand/joints/root_joint").CreateBody1Rel().SetTargets(["/hand/palm"])
    left = _slide(stage, "left_slide", "/hand/palm", "/hand/left", (3, 0, 4), TURN, (0, 0, 0), TURN, limits)
    UsdPhysics.DriveAPI.Apply(left, "linear").CreateMaxForceAttr(40.0)
    right = _slide(
        stage, "right_slide", "/hand/right", "/hand/palm", (0, 0, 0), TURN, (-3, 0, 4), Gf.Quatf(1.0)
    )
    loop = UsdPhysics.FixedJoint.Define(stage, "/hand/joints/loop_closure")  # outside the articulation tree
    loop.CreateBody0Rel().SetTargets(["/hand/left"])
    loop.CreateBody1Rel().SetTargets(["/hand/right"])
    loop.CreateExcludeFromArticulationAttr(True)
    if mimic:
        right.AddAppliedSchema("PhysxMimicJointAPI:rotX")
        right.CreateRelationship("physxMimicJoint:rotX:referenceJoint").SetTargets([mimic_target])
        right.CreateAttribute("physxMimicJoint:rotX:gearing", Sdf.ValueTypeNames.Float).Set(1.0)
    stage.GetRootLayer().Save()
    return path


def test_a_hand_authored_gripper_in_centimetres(tmp_path):
    hand = usd.load(write_hand(tmp_path / "hand.usda"))
    assert (hand.root, hand.driven_joint) == ("palm", "left_slide")
    assert hand.closing_force == pytest.approx(0.4)  # 40 kg cm / s^2: USD forces are in stage units
    assert hand.fingers == ("left", "right")  # the two moving links with geometry and nothing below
    np.testing.assert_allclose(hand.limits, (0.0, 0.025), atol=1e-9)
    assert sorted(hand.meshes) == ["left", "palm", "right"]
    np.testing.assert_allclose(
        hand.meshes["palm"].bounds, [[-0.02, -0.01, -0.01], [0.02, 0.01, 0.01]], atol=1e-9
    )
    np.testing.assert_allclose(
        hand.meshes["left"].bounds, [[-0.005, -0.005, 0.005], [0.005, 0.005, 0.015]], atol=1e-9
    )
    assert len(hand.meshes["right"].faces) == 12  # quads split in two; the visual box left out
    for q in (0.0, 0.01, 0.025):
        poses = hand.link_poses(q)
        np.testing.assert_allclose(poses["left"][:3, 3], [0.03 - q, 0, 0.04], atol=1e-9)
        np.testing.assert_allclose(poses["right"][:3, 3], [-0.03 + q, 0, 0.04], atol=1e-9)
        np.testing.assert_allclose(poses["right"][:3, :3], np.diag([-1.0, -1.0, 1.0]), atol=1e-7)
    assert IMPORTERS[".usda"] is usd.load


def test_colliders_behind_an_instanceable_reference_are_read(tmp_path):
    hand = usd.load(write_hand(tmp_path / "hand.usda", instanced=True))
    assert len(hand.meshes["right"].faces) == 12
    np.testing.assert_allclose(hand.meshes["right"].bounds, [[-0.005] * 3, [0.005] * 3], atol=1e-9)


def test_refuses_a_stage_without_default_prim(tmp_path):
    path = write_hand(tmp_path / "hand.usda")
    stage = Usd.Stage.Open(str(path))
    stage.ClearDefaultPrim()
    stage.GetRootLayer().Save()
    with pytest.raises(InputError, match=r"hand\.usda: no default prim"):
        usd.load(path)


def test_refuses_a_mimic_joint_whose_reference_does_not_exist(tmp_path):
    path = write_hand(tmp_path / "hand.usda", mimic_target="/hand/joints/thumb_slide")
    with pytest.raises(
        InputError, match=r"hand\.usda: mimic joint 'right_slide' refers to /hand/joints/thumb_slide"
    ):
        usd.load(path)


def test_refuses_a_driven_joint_without_limits(tmp_path):
    with pytest.raises(InputError, match=r"hand\.usda: driven joint 'left_slide' has no limits"):
        usd.load(write_hand(tmp_path / "hand.usda", limits=None))


def test_refuses_two_independent_joints_a_cube_collider_and_a_missing_file(tmp_path):
    with pytest.raises(
        InputError, match=r"hand\.usda: 2 joints move independently \['left_slide', 'right_slide'\]"
    ):
        usd.load(write_hand(tmp_path / "hand.usda", mimic=False))
    with pytest.raises(InputError, match=r"cube\.usda: collider /hand/left/bumper is a Cube"):
        usd.load(write_hand(tmp_path / "cube.usda", cube=True))
    with pytest.raises(InputError, match=r"nowhere\.usd: no such USD file"):
        usd.load(tmp_path / "nowhere.usd")


def test_graspdatagen_config_as_a_dict(robotiq_usd):
    fields = {
        "gripper_file": str(robotiq_usd),
        "finger_colliders": ["right_inner_finger", "left_inner_finger"],
        "base_frame": "base_link",
        "bite": 0.0185,
    }
    hand, extras = from_graspdatagen_config(fields)
    assert hand.fingers == ("right_inner_finger", "left_inner_finger")
    assert hand.root == "base_link"
    assert (extras.bite, extras.pinch_width_resolution, extras.open_value) == (0.0185, 8, None)
    with pytest.raises(ConfigError, match=r"GraspDataGen config: bite must be a length"):
        from_graspdatagen_config({**fields, "bite": -0.01})
    with pytest.raises(InputError, match=r"robotiq_2f_85\.usda: finger link 'thumb' has no collision Mesh"):
        from_graspdatagen_config({**fields, "finger_colliders": ["thumb", "left_inner_finger"]})


def test_graspdatagen_config_as_a_json_file(robotiq_usd, tmp_path):
    path = tmp_path / "gripper.json"
    fields = {
        "gripper_file": os.path.relpath(robotiq_usd, tmp_path),  # relative to the JSON file's folder
        "base_frame": "left_inner_finger",
        "open_configuration": '{"finger_joint": 0.3}',  # as GraspDataGen's command line passes it
        "pinch_width_resolution": 12,
        "grasp_sim_steps": 100,  # a GraspDataGen setting dexgen ignores
    }
    path.write_text(json.dumps(fields))
    hand, extras = from_graspdatagen_config(path)
    assert (extras.open_value, extras.pinch_width_resolution) == (0.3, 12)
    assert hand.fingers == ("left_inner_finger_pad", "right_inner_finger_pad")  # guessed: no finger_colliders
    np.testing.assert_allclose(hand.link_poses(0.4)["left_inner_finger"], np.eye(4), atol=1e-12)
    path.write_text(json.dumps({**fields, "open_configuration": {"left_inner_knuckle_joint": 0.3}}))
    with pytest.raises(
        InputError, match=r"gripper\.json: open_configuration names .* not the driven joint 'finger_joint'"
    ):
        from_graspdatagen_config(path)
    path.write_text("{not json")
    with pytest.raises(InputError, match=r"gripper\.json: not JSON"):
        from_graspdatagen_config(path)
