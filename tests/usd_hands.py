"""A GraspDataGen-style USD gripper the importers and simulators never saw, written with pxr (usd-core).

``jaw``: a base with a fixed pad holder on top, two fingers on prismatic joints (the left one driven by
a force-limited linear drive, the right one a PhysX mimic joint on it), every collider a ``Mesh``, in
metres; the left joint's frames are turned 180 degrees about z so both joints close along +q. Pads
are :data:`JAW_OPEN` apart at q = 0 and :data:`JAW_CLOSED` at the limit; the drive's ``maxForce`` is
:data:`JAW_FORCE` newtons (GraspDataGen reads the closing force from it).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from pxr import Gf, Sdf, Usd, UsdGeom, UsdPhysics

JAW_OPEN = 0.07  # metres between the inner finger faces at q = 0
JAW_CLOSED = 0.01  # ... at the joints' upper limit 0.03 (each finger moves 30 mm)
JAW_FORCE = 30.0  # newtons, the driven joint's maxForce
TURN = Gf.Quatf(0.0, 0.0, 0.0, 1.0)  # 180 degrees about z


def _mesh_box(stage, path: str, centre, half) -> None:
    """A collision cube as a triangle-free quad Mesh (GraspDataGen reads Mesh colliders only)."""
    mesh = UsdGeom.Mesh.Define(stage, path)
    corners = [Gf.Vec3f(*(np.asarray(centre) + (np.array(s) * 2 - 1) * half)) for s in np.ndindex(2, 2, 2)]
    mesh.CreatePointsAttr(corners)
    quads = [[0, 1, 3, 2], [4, 6, 7, 5], [0, 4, 5, 1], [2, 3, 7, 6], [0, 2, 6, 4], [1, 5, 7, 3]]
    mesh.CreateFaceVertexCountsAttr([4] * 6)
    mesh.CreateFaceVertexIndicesAttr([i for q in quads for i in q])
    UsdPhysics.CollisionAPI.Apply(mesh.GetPrim())


def _body(stage, name: str, where) -> str:
    xform = UsdGeom.Xform.Define(stage, f"/jaw/{name}")
    xform.AddTranslateOp().Set(Gf.Vec3d(*where))
    UsdPhysics.RigidBodyAPI.Apply(xform.GetPrim())
    return f"/jaw/{name}"


def write_jaw(path: Path) -> Path:
    """The ``jaw`` gripper as a USD file at ``path``."""
    stage = Usd.Stage.CreateNew(str(path))
    UsdGeom.SetStageMetersPerUnit(stage, 1.0)
    UsdGeom.SetStageUpAxis(stage, UsdGeom.Tokens.z)
    top = UsdGeom.Xform.Define(stage, "/jaw").GetPrim()
    stage.SetDefaultPrim(top)
    UsdPhysics.ArticulationRootAPI.Apply(top)
    half_x = JAW_OPEN / 2 + 0.005  # finger centres: 5 mm thick fingers, inner faces JAW_OPEN apart
    base = _body(stage, "base", (0, 0, 0))
    _mesh_box(stage, f"{base}/collider", (0, 0, 0.01), np.array([0.05, 0.015, 0.01]))
    holder = _body(stage, "holder", (0, 0, 0.02))
    _mesh_box(stage, f"{holder}/collider", (0, 0, 0.005), np.array([0.02, 0.01, 0.005]))
    left = _body(stage, "left_finger", (half_x, 0, 0.03))
    right = _body(stage, "right_finger", (-half_x, 0, 0.03))
    for finger in (left, right):
        _mesh_box(stage, f"{finger}/collider", (0, 0, 0.025), np.array([0.005, 0.01, 0.025]))
    UsdPhysics.FixedJoint.Define(stage, "/jaw/joints/root_joint").CreateBody1Rel().SetTargets([base])
    fixed = UsdPhysics.FixedJoint.Define(stage, "/jaw/joints/holder_joint")
    fixed.CreateBody0Rel().SetTargets([base])
    fixed.CreateBody1Rel().SetTargets([holder])
    fixed.CreateLocalPos0Attr(Gf.Vec3f(0, 0, 0.02))
    joints = {}
    for name, body, x, rot in (
        ("left_joint", left, half_x, TURN),
        ("right_joint", right, -half_x, Gf.Quatf(1.0)),
    ):
        joint = UsdPhysics.PrismaticJoint.Define(stage, f"/jaw/joints/{name}")
        joint.CreateBody0Rel().SetTargets([base])
        joint.CreateBody1Rel().SetTargets([body])
        joint.CreateLocalPos0Attr(Gf.Vec3f(x, 0, 0.03))
        joint.CreateLocalRot0Attr(rot)
        joint.CreateLocalPos1Attr(Gf.Vec3f(0, 0, 0))
        joint.CreateLocalRot1Attr(rot)
        joint.CreateAxisAttr("X")
        joint.CreateLowerLimitAttr(0.0)
        joint.CreateUpperLimitAttr((JAW_OPEN - JAW_CLOSED) / 2)
        joints[name] = joint.GetPrim()
    drive = UsdPhysics.DriveAPI.Apply(joints["left_joint"], "linear")
    drive.CreateMaxForceAttr(JAW_FORCE)
    drive.CreateStiffnessAttr(1e4)
    drive.CreateDampingAttr(1e2)
    mimic = joints["right_joint"]  # q_right = q_left: q + gearing q_ref = 0 with gearing -1
    mimic.AddAppliedSchema("PhysxMimicJointAPI:rotX")
    mimic.CreateRelationship("physxMimicJoint:rotX:referenceJoint").SetTargets(["/jaw/joints/left_joint"])
    mimic.CreateAttribute("physxMimicJoint:rotX:gearing", Sdf.ValueTypeNames.Float).Set(-1.0)
    mimic.CreateAttribute("physxMimicJoint:rotX:offset", Sdf.ValueTypeNames.Float).Set(0.0)
    stage.GetRootLayer().Save()
    return path
